"""Queue views, filters and keyset pagination of the agent's ticket list.

Keyset ("after this row") instead of OFFSET: page 400 costs what page 1 costs. The cursor is the sort key
of the last row shown plus its pk to break ties.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Case, DateTimeField, F, Q, When
from django.db.models.functions import Coalesce

from helpdesk.models import Tenant
from tickets.models import Ticket, TicketQuerySet
from tickets.search import search_tickets
from tickets.statuses import Status

PAGE_SIZE = 50

# The next deadline still pending: acknowledgement, then first response, then resolution.
NEXT_DUE = Coalesce(
    Case(When(ack_at__isnull=True, ack_due__isnull=False, then=F("ack_due"))),
    Case(
        When(first_response_at__isnull=True, first_response_due__isnull=False, then=F("first_response_due"))
    ),
    Case(When(resolved_at__isnull=True, then=F("resolution_due"))),
    output_field=DateTimeField(),
)

_WARNED = Q(first_response_warned=True, first_response_at__isnull=True, first_response_breached=False) | Q(
    resolution_warned=True, resolved_at__isnull=True, resolution_breached=False
)
_BREACHED = Q(ack_breached=True) | Q(first_response_breached=True) | Q(resolution_breached=True)


def apply_view(tickets: TicketQuerySet, view: str, user: Any) -> TicketQuerySet:
    if view == "mine":
        return tickets.filter(assignee_id=user.pk)
    if view == "unassigned":
        return tickets.filter(assignee__isnull=True)
    if view == "warning":
        return tickets.filter(_WARNED)
    if view == "breached":
        return tickets.filter(_BREACHED)
    if view == "waiting":
        return tickets.filter(status=Status.WAITING)
    return tickets


def filter_tickets(
    visible: TicketQuerySet, *, tenant: Tenant, user: Any, data: dict[str, Any]
) -> TicketQuerySet:
    """``data`` is a valid ``QueueFilterForm.cleaned_data``; ``visible`` is already scoped to the agent."""
    tickets = visible
    query = (data.get("q") or "").strip()
    if query:
        tickets = search_tickets(tickets, tenant, query)
    # Lists show open work; a status filter or a search reaches closed tickets too.
    if not data.get("status") and not query:
        tickets = tickets.open()
    tickets = apply_view(tickets, data.get("view") or "all", user)
    for field in ("queue", "category", "organization", "assignee"):
        if data.get(field) is not None:
            tickets = tickets.filter(**{f"{field}_id": data[field].pk})
    if data.get("tier") is not None:
        tickets = tickets.filter(sla_tier_id=data["tier"].pk)
    if data.get("status"):
        tickets = tickets.filter(status=data["status"])
    if data.get("priority"):
        tickets = tickets.filter(priority=data["priority"])
    return tickets


@dataclass(frozen=True)
class Cursor:
    value: datetime | None
    pk: int

    def encode(self) -> str:
        return f"{self.value.isoformat() if self.value else '-'}~{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> Cursor | None:
        try:
            stamp, pk = raw.rsplit("~", 1)
            return cls(None if stamp == "-" else datetime.fromisoformat(stamp), int(pk))
        except (ValueError, TypeError):
            return None


def page(tickets: TicketQuerySet, *, sort: str, after: str = "") -> tuple[list[Ticket], str]:
    """One page of rows and the cursor of the next page ("" when this is the last)."""
    cursor = Cursor.decode(after) if after else None
    if sort == "new":
        ordered = tickets.order_by("-created_at", "-pk")
        if cursor is not None and cursor.value is not None:
            ordered = ordered.filter(
                Q(created_at__lt=cursor.value) | Q(created_at=cursor.value, pk__lt=cursor.pk)
            )
        key = "created_at"
    else:
        ordered = tickets.annotate(next_due=NEXT_DUE).order_by(F("next_due").asc(nulls_last=True), "pk")
        if cursor is not None:
            if cursor.value is None:
                ordered = ordered.filter(next_due__isnull=True, pk__gt=cursor.pk)
            else:
                ordered = ordered.filter(
                    Q(next_due__gt=cursor.value)
                    | Q(next_due=cursor.value, pk__gt=cursor.pk)
                    | Q(next_due__isnull=True)
                )
        key = "next_due"
    rows = list(
        ordered.select_related("tenant", "requester", "organization", "queue", "assignee")[: PAGE_SIZE + 1]
    )
    if len(rows) <= PAGE_SIZE:
        return rows, ""
    rows = rows[:PAGE_SIZE]
    last = rows[-1]
    return rows, Cursor(getattr(last, key), last.pk).encode()
