"""What the API shows and accepts. Output serializers read prepared rows (joins done by the view's
queryset); input serializers validate only — every change is a ``tickets.services`` call in the view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tickets.models import Attachment, Contact, Message, Organization, Priority, Ticket
from tickets.statuses import Status

MAX_MINUTES = 24 * 60


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="get_full_name")


class ContactRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="full_name")


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class QueueRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class ClockSerializer(serializers.Serializer):
    """One SLA clock: when it is due, when it was met, whether it was breached or warned about."""

    due = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    breached = serializers.BooleanField()
    warned = serializers.BooleanField()


class SlaSerializer(serializers.Serializer):
    tier = NamedRefSerializer(allow_null=True)
    paused_since = serializers.DateTimeField(allow_null=True)
    registration = ClockSerializer()
    first_response = ClockSerializer()
    resolution = ClockSerializer()


class TicketSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="display_number", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    priority_label = serializers.CharField(source="get_priority_display", read_only=True)
    requester = ContactRefSerializer(allow_null=True, read_only=True)
    organization = NamedRefSerializer(allow_null=True, read_only=True)
    queue = QueueRefSerializer(allow_null=True, read_only=True)
    category = NamedRefSerializer(allow_null=True, read_only=True)
    assignee = PersonSerializer(allow_null=True, read_only=True)
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = [
            "number",
            "subject",
            "status",
            "status_label",
            "priority",
            "priority_label",
            "channel",
            "requester",
            "organization",
            "queue",
            "category",
            "assignee",
            "custom_fields",
            "created_at",
            "updated_at",
            "closed_at",
            "sla",
        ]
        read_only_fields = fields

    @extend_schema_field(SlaSerializer)
    def get_sla(self, ticket: Ticket) -> dict[str, Any]:
        return ticket_data(ticket)["sla"]

    def to_representation(self, ticket: Ticket) -> dict[str, Any]:
        """The declared fields above, built directly: DRF's field-by-field machinery was most of a list
        page's time (50 tickets × 9 nested objects). The schema still comes from the declarations, and
        the tests (and schemathesis) check every response against it."""
        return ticket_data(ticket)


def _when(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value is not None else None


def _ref(obj: Any, *names: str) -> dict[str, Any] | None:
    return None if obj is None else {"id": obj.pk, **{name: getattr(obj, name) for name in names}}


_STATUS_LABELS = dict(Status.choices)
_PRIORITY_LABELS = dict(Priority.choices)


def ticket_data(ticket: Ticket) -> dict[str, Any]:
    requester, assignee, queue = ticket.requester, ticket.assignee, ticket.queue

    def clock(prefix: str, done: str) -> dict[str, Any]:
        return {
            "due": _when(getattr(ticket, f"{prefix}_due")),
            "done_at": _when(getattr(ticket, done)),
            "breached": getattr(ticket, f"{prefix}_breached"),
            "warned": getattr(ticket, f"{prefix}_warned"),
        }

    return {
        "number": ticket.display_number,
        "subject": ticket.subject,
        "status": ticket.status,
        "status_label": str(_STATUS_LABELS.get(ticket.status, ticket.status)),
        "priority": ticket.priority,
        "priority_label": str(_PRIORITY_LABELS.get(ticket.priority, ticket.priority)),
        "channel": ticket.channel,
        "requester": None
        if requester is None
        else {"id": requester.pk, "email": requester.email, "name": requester.full_name},
        "organization": _ref(ticket.organization, "name"),
        "queue": None if queue is None else {"slug": queue.slug, "name": queue.name},
        "category": _ref(ticket.category, "name"),
        "assignee": None
        if assignee is None
        else {"id": assignee.pk, "email": assignee.email, "name": assignee.get_full_name()},
        "custom_fields": ticket.custom_fields,
        "created_at": _when(ticket.created_at),
        "updated_at": _when(ticket.updated_at),
        "closed_at": _when(ticket.closed_at),
        "sla": {
            "tier": _ref(ticket.sla_tier, "name"),
            "paused_since": _when(ticket.sla_paused_at),
            "registration": clock("ack", "ack_at"),
            "first_response": clock("first_response", "first_response_at"),
            "resolution": clock("resolution", "resolved_at"),
        },
    }


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size", "url"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, attachment: Attachment) -> str:
        request = self.context["request"]
        number = self.context["ticket_number"]
        return request.build_absolute_uri(f"/api/v1/tickets/{number}/attachments/{attachment.pk}/")


class AuthorSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["agent", "contact", "system"])
    name = serializers.CharField()
    email = serializers.EmailField(allow_null=True)


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = ["id", "kind", "author", "body_text", "created_at", "attachments"]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer)
    def get_author(self, message: Message) -> dict[str, Any]:
        email = None
        if message.author_user_id and message.author_user is not None:
            email = message.author_user.email
        elif message.author_contact_id and message.author_contact is not None:
            email = message.author_contact.email
        return {"kind": message.author_kind, "name": message.author_name, "email": email}


class OrganizationSerializer(serializers.ModelSerializer):
    sla_tier = NamedRefSerializer(allow_null=True, read_only=True)
    email_domains = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "name", "contract_number", "email_domains", "sla_tier"]
        read_only_fields = fields

    def get_email_domains(self, organization: Organization) -> list[str]:
        return organization.domain_list()


class ContactSerializer(serializers.ModelSerializer):
    organization = NamedRefSerializer(allow_null=True, read_only=True)
    has_portal_login = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "full_name",
            "phone",
            "position",
            "organization",
            "has_portal_login",
            "created_at",
        ]
        read_only_fields = fields

    def get_has_portal_login(self, contact: Contact) -> bool:
        return contact.user_id is not None


# --- input -----------------------------------------------------------------------------------------


class TicketCreateSerializer(serializers.Serializer):
    requester_email = serializers.EmailField(help_text=_("E-mail существующего контакта клиента."))
    subject = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=100_000)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True)
    queue = serializers.SlugField(required=False, allow_null=True, help_text=_("Код очереди."))
    category = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    custom_fields = serializers.DictField(child=serializers.CharField(max_length=500), required=False)

    def validate_subject(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("Тема не может быть пустой."))
        return value


class MessageCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=100_000, allow_blank=True, default="")
    minutes_spent = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_MINUTES
    )
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if not data.get("body", "").strip() and not data.get("attachments"):
            raise serializers.ValidationError(_("Напишите текст или приложите файл."))
        return data


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(
        allow_null=True, min_value=1, help_text=_("Id сотрудника или null, чтобы снять назначение.")
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
