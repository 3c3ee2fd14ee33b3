"""API tokens in the admin: a tenant admin creates one (name, role, scope), sees its secret once, revokes it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from api.models import ApiToken
from api.tokens import api_token_create, api_token_revoke, api_token_update
from helpdesk.admin_scoping import TenantScopedAdmin, admin_tenant_ids, is_platform_admin


@admin.register(ApiToken)
class ApiTokenAdmin(TenantScopedAdmin):
    list_display = ["name", "prefix", "role", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["role", "scope"]
    search_fields = ["name", "prefix"]
    fields = [
        "tenant",
        "name",
        "role",
        "scope",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke instead: the history keeps the token's service account as its author

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "tenant"] if obj is not None else readonly

    def save_model(self, request: HttpRequest, obj: ApiToken, form: ModelForm, change: bool) -> None:
        if change:
            api_token_update(token=obj, name=obj.name, role=obj.role, scope=obj.scope)
            return
        if not is_platform_admin(request) and obj.tenant_id not in admin_tenant_ids(request):
            raise Http404("Not found")
        issued = api_token_create(
            tenant=obj.tenant, name=obj.name, role=obj.role, scope=obj.scope, created_by=request.user
        )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(issued.token, field.attname))
        obj._state.adding = False
        obj.issued_secret = issued.secret  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(obj, "issued_secret", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "token": obj,
            "secret": secret,
            "api_root": f"{settings.SITE_URL}/api/v1/",
            "title": _("Ключ API создан"),
        }
        return TemplateResponse(request, "admin/api/apitoken/issued.html", context)

    @admin.action(description=_("Отозвать выбранные ключи"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token)
        self.message_user(request, _("Отозвано ключей: %(n)s.") % {"n": len(tokens)}, messages.SUCCESS)
