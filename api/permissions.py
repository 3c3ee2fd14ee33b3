"""Scopes: a read token may only read; writing needs a write token. Roles are the services' business."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions
from rest_framework.request import Request

from api.models import ApiToken


class TokenScope(permissions.BasePermission):
    message = _("Этот ключ API только для чтения.")

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        return request.method in permissions.SAFE_METHODS or token.can_write
