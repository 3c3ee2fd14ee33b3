"""Webhook endpoints a tenant admin registers, and the outbox of their deliveries.

A delivery is one row per (event, endpoint): claimed with a conditional UPDATE, sent, then marked
delivered, or given back with the next attempt's moment (exponential back-off) until it is dead. The
admin shows every row with its attempts, last status and error: the delivery log.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned, TenantQuerySet


class WebhookEvent(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Заявка создана")
    CLIENT_REPLIED = "ticket.client_replied", _("Клиент ответил")
    STATUS_CHANGED = "ticket.status_changed", _("Статус изменён")
    SLA_WARNING = "ticket.sla_warning", _("Скоро нарушение SLA")
    SLA_BREACHED = "ticket.sla_breached", _("SLA нарушен")


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEndpoint(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant",
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("арендатор"),
    )
    url = models.URLField(
        _("адрес"), max_length=500, help_text=_("https://… — сюда придут POST-запросы с JSON.")
    )
    events = models.JSONField(_("события"), default=list)
    description = models.CharField(_("описание"), max_length=200, blank=True)
    secret = models.CharField(
        _("ключ подписи"),
        max_length=100,
        default=new_signing_secret,
        editable=False,
        help_text=_("HMAC-SHA256 над «метка времени.тело»; проверяйте заголовок X-Reglament-Signature."),
    )
    is_active = models.BooleanField(_("включён"), default=True)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("вебхук")
        verbose_name_plural = _("вебхуки")
        ordering = ["url"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("ждёт отправки")
    SENDING = "sending", _("отправляется")
    DELIVERED = "delivered", _("доставлено")
    DEAD = "dead", _("не доставлено")


class WebhookDelivery(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("вебхук")
    )
    event = models.CharField(_("событие"), max_length=40, choices=WebhookEvent.choices)
    key = models.CharField(_("ключ"), max_length=200, unique=True)
    body = models.TextField(_("тело (JSON)"))
    status = models.CharField(
        _("состояние"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    next_attempt_at = models.DateTimeField(_("следующая попытка"))
    claimed_at = models.DateTimeField(_("взято в отправку"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("доставлено"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("последний код ответа"), null=True, blank=True)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("доставка вебхука")
        verbose_name_plural = _("журнал доставки вебхуков")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_due",
                condition=models.Q(status__in=["pending", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint_id}"
