"""Client organisations and contacts of the token's tenant (read only)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from api.filters import IdFilter
from api.pagination import OldestFirstCursor
from api.serializers import ContactSerializer, OrganizationSerializer
from api.views.base import TenantApiMixin, problem_responses
from tickets.models import Contact, Organization


class ContactFilter(django_filters.FilterSet):
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    organization = IdFilter(field_name="organization_id")

    class Meta:
        model = Contact
        fields: list[str] = []


def _read_schema(name: str, serializer: Any) -> Any:
    return extend_schema_view(
        list=extend_schema(
            summary=f"{name}, oldest first",
            responses={200: serializer(many=True), **problem_responses(400, 401, 429)},
        ),
        retrieve=extend_schema(
            summary=f"One of the {name.lower()}",
            responses={200: serializer, **problem_responses(401, 404, 429)},
        ),
    )


@extend_schema(tags=["directory"])
@_read_schema("Client organisations", OrganizationSerializer)
class OrganizationViewSet(TenantApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganizationSerializer
    pagination_class = OldestFirstCursor
    lookup_value_regex = r"\d{1,18}"

    def get_queryset(self) -> QuerySet[Organization]:
        if getattr(self, "swagger_fake_view", False):
            return Organization.objects.none()
        return Organization.objects.for_tenant(self.tenant).select_related("sla_tier")


@extend_schema(tags=["directory"])
@_read_schema("Client contacts", ContactSerializer)
class ContactViewSet(TenantApiMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ContactSerializer
    pagination_class = OldestFirstCursor
    lookup_value_regex = r"\d{1,18}"
    filter_backends = [DjangoFilterBackend]
    filterset_class = ContactFilter

    def get_queryset(self) -> QuerySet[Contact]:
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return Contact.objects.for_tenant(self.tenant).select_related("organization")
