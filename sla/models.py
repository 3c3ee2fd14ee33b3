"""SLA tiers (contract levels). Targets, schedules and ticket clocks come with the SLA policy work."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned


class SLATier(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="sla_tiers", verbose_name=_("арендатор")
    )
    name = models.CharField(_("название"), max_length=100)
    is_default = models.BooleanField(
        _("по умолчанию"), default=False, help_text=_("Для клиентов без договора с указанным уровнем.")
    )
    description = models.TextField(_("описание"), blank=True)

    class Meta:
        verbose_name = _("уровень SLA")
        verbose_name_plural = _("уровни SLA")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="sla_tier_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=models.Q(is_default=True), name="sla_tier_one_default_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return self.name
