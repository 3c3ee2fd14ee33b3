"""API tokens: a tenant's keys for programs (a CRM, 1C, monitoring, a chat bot).

A token acts as its own service account: an inactive user (it can never sign in and never appears among
the staff to pick from) with a membership of the token's role in the token's tenant. So the services'
rules (who may assign to whom, what a lead may do) and the selectors' tenant walls apply to the API
exactly as to a person of that role, and the history says "API: <token name>". Only a hash of the secret
is stored; the secret is shown once, when the token is created.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Role
from helpdesk.tenancy import TenantOwned, TenantQuerySet


class Scope(models.TextChoices):
    READ = "read", _("Только чтение")
    WRITE = "write", _("Чтение и запись")


class ApiToken(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("арендатор")
    )
    name = models.CharField(
        _("название"), max_length=100, help_text=_("Кто пользуется ключом, например «CRM».")
    )
    role = models.CharField(
        _("роль"),
        max_length=10,
        choices=Role.choices,
        default=Role.AGENT,
        help_text=_("Ключ видит и может то же, что сотрудник с этой ролью."),
    )
    scope = models.CharField(_("права"), max_length=10, choices=Scope.choices, default=Scope.READ)
    prefix = models.CharField(_("начало ключа"), max_length=12, unique=True, editable=False)
    secret_hash = models.CharField(_("хеш ключа"), max_length=64, editable=False)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_token",
        editable=False,
        verbose_name=_("служебная учётная запись"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("кто создал"),
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("ключ API")
        verbose_name_plural = _("ключи API")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="api_token_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE
