"""``Authorization: Bearer <token>``: the token's service account is the request's user."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from api.models import ApiToken
from api.tokens import api_token_for_secret


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, secret = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None
        token = api_token_for_secret(secret.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Ключ API неизвестен или отозван."))
        # On a tenant's own host name the host must be the token's tenant: one wall, whatever the route.
        host_tenant = getattr(request._request, "tenant", None)
        if host_tenant is not None and host_tenant.pk != token.tenant_id:
            raise exceptions.AuthenticationFailed(_("Ключ API неизвестен или отозван."))
        return token.account, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="api"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "Ключ API арендатора: rg_…"}
