"""What every API view shares: the token's tenant, validation into problem details, schema helpers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

from helpdesk.models import Tenant

_PROBLEM = inline_serializer(
    "Problem",
    fields={
        "type": serializers.CharField(),
        "title": serializers.CharField(),
        "status": serializers.IntegerField(),
        "detail": serializers.CharField(),
        "code": serializers.CharField(required=False),
        "errors": serializers.DictField(required=False),
    },
)
_DESCRIPTIONS = {
    400: "Invalid request (problem details with `errors`)",
    401: "No token, an unknown or a revoked token",
    403: "The token's scope does not allow it (a read token cannot write)",
    404: "Missing or not visible to this token (the same answer)",
    409: "A domain rule refused it (e.g. a closed ticket, a status move the table forbids)",
    429: "Too many requests for this token (see Retry-After)",
}


def problem_responses(*codes: int) -> dict[Any, OpenApiResponse]:
    return {
        (code, "application/problem+json"): OpenApiResponse(_PROBLEM, description=_DESCRIPTIONS[code])
        for code in codes
    }


class TenantApiMixin:
    """The tenant is the token's; nothing in the URL names it."""

    request: Any

    @property
    def tenant(self) -> Tenant:
        return self.request.auth.tenant

    def validated(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)
