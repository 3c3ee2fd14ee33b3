"""Webhooks in the admin: endpoints (URL, events, signing secret) and the read-only delivery log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.admin_scoping import TenantScopedAdmin
from helpdesk.network_targets import TargetRefused, check_url
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("адрес"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("события"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "events", "description", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except TargetRefused as exc:
            # The tenant sees only "not allowed"; which address and why is for the logs.
            raise forms.ValidationError(exc.user_message) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantScopedAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "event_list", "is_active", "created_at"]
    list_filter = ["is_active"]
    readonly_fields = ["secret", "created_at"]

    @admin.display(description=_("события"))
    def event_list(self, obj: WebhookEndpoint) -> str:
        labels = dict(WebhookEvent.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        return fields if obj is not None else [f for f in fields if f != "secret"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantScopedAdmin):
    list_display = [
        "created_at",
        "endpoint",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
    ]
    list_filter = ["status", "event"]
    readonly_fields = [
        "endpoint",
        "event",
        "key",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "delivered_at",
        "last_status_code",
        "last_error",
        "body",
        "created_at",
    ]
    exclude = ["tenant"]
    actions = ["retry_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a log: viewed, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Повторить сейчас"), permissions=["view"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        count = queryset.exclude(status=DeliveryStatus.DELIVERED).update(
            status=DeliveryStatus.PENDING, next_attempt_at=timezone.now()
        )
        self.message_user(request, _("Поставлено в очередь: %(n)s.") % {"n": count}, messages.SUCCESS)
