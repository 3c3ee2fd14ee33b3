"""Filters of the ticket list. Ids of another tenant's objects simply match nothing."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tickets.models import Priority, Ticket
from tickets.sla_flags import BREACHED
from tickets.statuses import Status


class IdFilter(django_filters.NumberFilter):
    """A database id: a positive integer that fits a bigint (anything else is a 400, not an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class TicketFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(
        choices=Status.choices, help_text=_("Статус; можно несколько.")
    )
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices)
    queue = django_filters.CharFilter(field_name="queue__slug", help_text=_("Код очереди."))
    organization = IdFilter(field_name="organization_id")
    category = IdFilter(field_name="category_id")
    assignee = IdFilter(field_name="assignee_id")
    unassigned = django_filters.BooleanFilter(field_name="assignee", lookup_expr="isnull")
    requester = django_filters.CharFilter(field_name="requester__email", lookup_expr="iexact")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    breached = django_filters.BooleanFilter(method="filter_breached", help_text=_("Есть нарушение SLA."))

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_breached(self, queryset: QuerySet[Ticket], name: str, value: bool | None) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        return queryset.filter(BREACHED) if value else queryset.exclude(BREACHED)
