"""Tickets over the API: the agent UI's selectors (tenant and role walls) and ``tickets.services``."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import TicketFilter
from api.pagination import OldestFirstCursor, TicketCursor
from api.serializers import (
    AssignSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    SlaSerializer,
    StatusChangeSerializer,
    TicketCreateSerializer,
    TicketSerializer,
    ticket_data,
)
from api.views.base import TenantApiMixin, problem_responses
from helpdesk.models import User
from helpdesk.tenancy import is_agent, is_lead
from tickets import services
from tickets.attachment_policy import attachment_refusal
from tickets.models import Attachment, Category, Contact, CustomField, Message, Queue, Ticket
from tickets.selectors import ticket_get_for_agent, tickets_for_agent

NUMBER_PATTERN = r"[A-Za-z][A-Za-z0-9]{0,9}-\d{1,18}"
TICKET_RELATED = ("tenant", "requester", "organization", "queue", "category", "assignee", "sla_tier")


def _files(files: list[Any], ticket_or_tenant: Any) -> list[services.NewAttachment]:
    tenant = getattr(ticket_or_tenant, "tenant", ticket_or_tenant)
    refusals = [
        r for f in files if (r := attachment_refusal(tenant, filename=f.name, size=f.size)) is not None
    ]
    if refusals:
        raise serializers.ValidationError({"attachments": refusals})
    return [
        services.NewAttachment(
            filename=f.name, content=f.read(), content_type=f.content_type or "application/octet-stream"
        )
        for f in files
    ]


@extend_schema(tags=["tickets"])
class TicketViewSet(
    TenantApiMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TicketSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilter
    pagination_class = TicketCursor
    lookup_field = "number"
    lookup_value_regex = NUMBER_PATTERN
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):
            return Ticket.objects.none()
        return tickets_for_agent(tenant=self.tenant, user=self.request.user).select_related(*TICKET_RELATED)

    def get_object(self) -> Ticket:
        # One selector for "missing" and "not yours": the same 404 as in the agent UI.
        return ticket_get_for_agent(tenant=self.tenant, user=self.request.user, number=self.kwargs["number"])

    @extend_schema(
        summary="Tickets the token may see, newest first",
        responses={200: TicketSerializer(many=True), **problem_responses(400, 401, 429)},
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        summary="One ticket", responses={200: TicketSerializer, **problem_responses(401, 404, 429)}
    )
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Open a ticket for an existing client contact",
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, **problem_responses(400, 401, 403, 409, 429)},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.validated(TicketCreateSerializer)
        tenant = self.tenant
        contact = (
            Contact.objects.for_tenant(tenant)
            .select_related("organization")
            .filter(email__iexact=data["requester_email"])
            .first()
        )
        errors: dict[str, list[str]] = {}
        if contact is None:
            errors["requester_email"] = [_("Такого контакта у клиентов нет.")]
        queue = category = None
        if data.get("queue"):
            queue = Queue.objects.for_tenant(tenant).filter(slug=data["queue"]).first()
            if queue is None:
                errors["queue"] = [_("Такой очереди нет.")]
        if data.get("category"):
            category = Category.objects.for_tenant(tenant).filter(pk=data["category"], is_active=True).first()
            if category is None:
                errors["category"] = [_("Такой категории нет.")]
        custom = data.get("custom_fields") or {}
        known = set(CustomField.objects.for_tenant(tenant).values_list("key", flat=True))
        if unknown := sorted(set(custom) - known):
            errors["custom_fields"] = [_("Неизвестные поля: %(keys)s") % {"keys": ", ".join(unknown)}]
        if errors:
            raise serializers.ValidationError(errors)
        ticket = services.ticket_create(
            tenant=tenant,
            actor=request.user,  # type: ignore[arg-type]
            requester=contact,
            subject=data["subject"],
            body_text=data["body"],
            queue=queue,
            category=category,
            priority=data.get("priority"),
            channel="api",
            custom_fields=custom,
        )
        return Response(self._ticket_data(ticket), status=status.HTTP_201_CREATED)

    def _ticket_data(self, ticket: Ticket) -> dict[str, Any]:
        fresh = self.get_queryset().get(pk=ticket.pk)
        return TicketSerializer(fresh, context=self.get_serializer_context()).data

    def _add_message(self, request: Request, *, internal: bool) -> Response:
        ticket = self.get_object()
        data = self.validated(MessageCreateSerializer)
        message = services.ticket_reply(
            ticket=ticket,
            body_text=data.get("body", ""),
            actor=request.user,  # type: ignore[arg-type]
            internal=internal,
            source="api",
            minutes_spent=data.get("minutes_spent") or None,
            attachments=_files(data.get("attachments") or [], ticket),
        )
        message = (
            Message.objects.select_related("author_user", "author_contact")
            .prefetch_related("attachments")
            .get(pk=message.pk)
        )
        context = {**self.get_serializer_context(), "ticket_number": ticket.display_number}
        return Response(MessageSerializer(message, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Public reply to the client",
        request={"application/json": MessageCreateSerializer, "multipart/form-data": MessageCreateSerializer},
        responses={201: MessageSerializer, **problem_responses(400, 401, 403, 404, 409, 429)},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, number: str) -> Response:
        return self._add_message(request, internal=False)

    @extend_schema(
        summary="Internal note (the client never sees it)",
        request={"application/json": MessageCreateSerializer, "multipart/form-data": MessageCreateSerializer},
        responses={201: MessageSerializer, **problem_responses(400, 401, 403, 404, 409, 429)},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, number: str) -> Response:
        return self._add_message(request, internal=True)

    @extend_schema(
        summary="Change the status (the transition table applies)",
        request=StatusChangeSerializer,
        responses={200: TicketSerializer, **problem_responses(400, 401, 403, 404, 409, 429)},
    )
    @action(detail=True, methods=["post"])
    def status(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self.validated(StatusChangeSerializer)
        services.ticket_set_status(
            ticket=ticket, status=data["status"], actor=request.user, reason=data["reason"]
        )  # type: ignore[arg-type]
        return Response(self._ticket_data(ticket))

    @extend_schema(
        summary="Assign to a staff member, or unassign with null",
        request=AssignSerializer,
        responses={200: TicketSerializer, **problem_responses(400, 401, 403, 404, 409, 429)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        data = self.validated(AssignSerializer)
        assignee = None
        if data["assignee"] is not None:
            assignee = User.objects.filter(pk=data["assignee"], is_active=True).first()
            if assignee is None or not is_agent(assignee, self.tenant):
                raise serializers.ValidationError({"assignee": [_("Такого сотрудника нет.")]})
        if not is_lead(request.user, self.tenant) and assignee not in (None, request.user):
            # The agent UI's rule, until ticket_assign decides it itself (tickets.assignment_policy).
            raise services.TicketError(_("Назначать заявки другим сотрудникам может только руководитель."))
        services.ticket_assign(ticket=ticket, assignee=assignee, actor=request.user, reason=data["reason"])  # type: ignore[arg-type]
        return Response(self._ticket_data(ticket))

    @extend_schema(
        summary="The ticket's messages, oldest first, internal notes included",
        responses={200: MessageSerializer(many=True), **problem_responses(401, 404, 429)},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=OldestFirstCursor, filter_backends=[])
    def messages(self, request: Request, number: str) -> Response:
        ticket = self.get_object()
        messages = (
            Message.objects.for_tenant(self.tenant)
            .filter(ticket=ticket)
            .select_related("author_user", "author_contact")
            .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        )
        page = self.paginate_queryset(messages)
        context = {**self.get_serializer_context(), "ticket_number": ticket.display_number}
        return self.get_paginated_response(MessageSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="SLA deadlines of the ticket",
        responses={200: SlaSerializer, **problem_responses(401, 404, 429)},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def sla(self, request: Request, number: str) -> Response:
        return Response(ticket_data(self.get_object())["sla"])

    @extend_schema(
        summary="Download an attachment of the ticket",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY),
            **problem_responses(401, 404, 429),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<pk>\d+)", filter_backends=[])
    def attachment(self, request: Request, number: str, pk: str) -> FileResponse:
        ticket = self.get_object()
        try:
            attachment = get_object_or_404(
                Attachment.objects.for_tenant(self.tenant), ticket=ticket, pk=int(pk)
            )
        except (ValueError, OverflowError) as exc:
            raise Http404 from exc
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type="application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox"
        return response
