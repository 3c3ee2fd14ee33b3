"""Admin: mailboxes, the inbound log with its quarantine (download .eml, re-process), the outbox."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from helpdesk.admin_scoping import TenantScopedAdmin, is_platform_admin
from mailgate import pipeline
from mailgate.connection_check import check_connection
from mailgate.mailbox_health import mailbox_health
from mailgate.models import InboundMessage, InboundStatus, Mailbox, OutboundMail


class MailboxForm(forms.ModelForm):
    class Meta:
        model = Mailbox
        fields = [
            "tenant",
            "address",
            "aliases",
            "queue",
            "is_active",
            "imap_host",
            "imap_port",
            "imap_security",
            "imap_user",
            "imap_password",
            "imap_folder",
            "imap_archive_folder",
        ]
        # The password is write-only: never rendered back into the page.
        widgets = {"imap_password": forms.PasswordInput(render_value=False)}

    def clean_imap_password(self) -> str:
        value = self.cleaned_data.get("imap_password") or ""
        return value or (self.instance.imap_password if self.instance.pk else "")


@admin.register(Mailbox)
class MailboxAdmin(TenantScopedAdmin):
    form = MailboxForm
    list_display = ["address", "queue", "is_active", "imap_host", "poll_state", "last_success_at"]
    list_filter = ["is_active"]
    search_fields = ["address", "aliases"]
    readonly_fields = ["poll_state", "last_polled_at", "last_success_at", "last_error_at", "last_poll_error"]
    actions = ["check_connection_selected"]

    @admin.action(description=_("Проверить подключение"))
    def check_connection_selected(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        for mailbox in queryset.order_by("address")[:20]:
            result = check_connection(mailbox)
            shown = result.message
            if result.detail and is_platform_admin(request):
                shown = f"{shown} ({result.detail})"
            self.message_user(
                request,
                _("Ящик %(address)s: %(result)s") % {"address": mailbox.address, "result": shown},
                messages.SUCCESS if result.ok else messages.ERROR,
            )

    @admin.display(description=_("состояние"))
    def poll_state(self, obj: Mailbox) -> str:
        """The health check's verdict on this box: a failing one is red here too."""
        health = mailbox_health(
            obj, now=timezone.now(), stale_after=settings.HEALTH_THRESHOLDS["mailbox_stale"]
        )
        return format_html(
            '<span class="mailbox-health mailbox-health-{}" title="{}">{}</span>',
            health.status,
            health.summary,
            {"ok": _("в порядке"), "warning": _("внимание"), "error": _("ошибка")}[health.status]
            + ("" if health.status == "ok" else f": {health.summary}"),
        )


@admin.register(InboundMessage)
class InboundMessageAdmin(TenantScopedAdmin):
    """The inbound log. Filter by status "Карантин" for the quarantine; unrouted mail has no tenant
    and so is visible to the platform superuser only."""

    list_display = [
        "received_at",
        "source",
        "sender",
        "subject",
        "status",
        "stage",
        "reason",
        "ticket_number",
    ]
    list_filter = ["status", "source", "stage"]
    search_fields = ["sender", "subject", "message_id", "ticket_number"]
    date_hierarchy = "received_at"
    actions = ["reprocess_selected"]
    exclude = ["raw"]
    readonly_fields = [
        "tenant",
        "mailbox",
        "source",
        "envelope_recipient",
        "size",
        "message_id",
        "dedupe_key",
        "sender",
        "subject",
        "is_automatic",
        "status",
        "stage",
        "reason",
        "ticket",
        "ticket_number",
        "received_at",
        "processed_at",
        "attempts",
        "download_link",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("исходное письмо"))
    def download_link(self, obj: InboundMessage) -> str:
        url = reverse("admin:mailgate_inboundmessage_eml", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("скачать .eml"))

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "<int:object_id>/eml/",
                self.admin_site.admin_view(self.download_eml),
                name="mailgate_inboundmessage_eml",
            ),
            *super().get_urls(),
        ]

    def download_eml(self, request: HttpRequest, object_id: int) -> HttpResponse:
        self._object_or_404(request, str(object_id))  # scoped: a foreign message is a 404
        row = self.get_object(request, str(object_id))
        response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="inbound-{row.pk}.eml"'
        return response

    @admin.action(description=_("Обработать повторно"))
    def reprocess_selected(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        counts = pipeline.reprocess_many(
            queryset.filter(status__in=[InboundStatus.QUARANTINED, InboundStatus.RECEIVED])
        )
        summary = ", ".join(f"{InboundStatus(k).label}: {v}" for k, v in counts.items()) or _(
            "нечего обрабатывать"
        )
        self.message_user(request, summary, messages.INFO)


@admin.register(OutboundMail)
class OutboundMailAdmin(TenantScopedAdmin):
    list_display = ["created_at", "kind", "to_email", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "subject", "message_id"]
    readonly_fields = [f.name for f in OutboundMail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
