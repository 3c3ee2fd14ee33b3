"""The monthly SLA report for a client organisation: what a client contact with the right sees in the
portal and downloads (XLSX, PDF).

For one calendar month in the tenant's time zone: the organisation's requests by priority, how their
deadlines went (registration, first response, resolution: met, breached, still running), the time booked
in that month (and in the tenant's accounting units, SaveIT's 30 minutes) and the list of the month's
requests. A fixed handful of aggregate queries whatever the volume.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Tenant
from reports.journal import journal_records, journal_tickets
from reports.leads import Period
from tickets.models import Organization, Priority, Ticket, TimeEntry
from tickets.sla_flags import BREACHED
from tickets.statuses import Status

MONTH_NAMES = [
    _("январь"),
    _("февраль"),
    _("март"),
    _("апрель"),
    _("май"),
    _("июнь"),
    _("июль"),
    _("август"),
    _("сентябрь"),
    _("октябрь"),
    _("ноябрь"),
    _("декабрь"),
]
CLOCKS: list[tuple[str, Any, str]] = [
    ("ack", _("Регистрация"), "ack_at"),
    ("first_response", _("Первый ответ"), "first_response_at"),
    ("resolution", _("Решение"), "resolved_at"),
]
DONE_STATUSES = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, raw: str | None, *, today: date) -> Month:
        """``YYYY-MM``; anything else (or a month after this one) is the current month."""
        current = cls(today.year, today.month)
        try:
            year, month = (int(part) for part in (raw or "").split("-"))
            chosen = cls(year, month)
            date(year, month, 1)
        except ValueError:
            return current
        return (
            chosen
            if (chosen.year, chosen.month) <= (current.year, current.month) and year >= 2000
            else current
        )

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{MONTH_NAMES[self.month - 1]} {self.year}"

    def previous(self) -> Month:
        before = self.first - timedelta(days=1)
        return Month(before.year, before.month)

    def recent(self, count: int) -> list[Month]:
        months, month = [], self
        for _i in range(count):
            months.append(month)
            month = month.previous()
        return months


@dataclass
class PriorityRow:
    label: str
    total: int
    done: int
    breached: int

    @property
    def met(self) -> int:
        return self.total - self.breached


@dataclass
class ClockRow:
    label: str
    with_deadline: int
    met: int
    breached: int

    @property
    def running(self) -> int:
        return max(self.with_deadline - self.met - self.breached, 0)

    @property
    def percent_met(self) -> float | None:
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None


@dataclass
class ClientReport:
    tenant: Tenant
    organization: Organization
    month: Month
    tz: tzinfo
    generated_at: datetime
    priorities: list[PriorityRow]
    clocks: list[ClockRow]
    minutes_booked: int
    minutes_spent: int
    unit_minutes: int
    tickets: list[dict[str, Any]]

    @property
    def total(self) -> int:
        return sum(row.total for row in self.priorities)

    @property
    def units_booked(self) -> int | None:
        """Booked time in the tenant's accounting units (each entry is already rounded up to one)."""
        return self.minutes_booked // self.unit_minutes if self.unit_minutes else None


def organisation_tickets(tenant: Tenant, organization: Organization) -> QuerySet[Ticket]:
    return Ticket.objects.for_tenant(tenant).filter(organization=organization)


def build_client_report(
    *, tenant: Tenant, organization: Organization, month: Month, tz: tzinfo
) -> ClientReport:
    period = Period(month.first, month.last, tz)
    tickets = organisation_tickets(tenant, organization).filter(
        created_at__gte=period.start, created_at__lt=period.end
    )

    per_priority = {
        row["priority"]: row
        for row in tickets.values("priority")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
            breached=Count("pk", filter=BREACHED),
        )
        .order_by()
    }
    priorities = [
        PriorityRow(str(label), row["total"], row["done"], row["breached"])
        for value, label in Priority.choices
        if (row := per_priority.get(value))
    ]

    counts = tickets.aggregate(
        **{
            f"n_{kind}_{what}": Count("pk", filter=cond)
            for kind, _label, done in CLOCKS
            for what, cond in (
                ("due", Q(**{f"{kind}_due__isnull": False})),
                (
                    "met",
                    Q(**{f"{kind}_due__isnull": False, f"{done}__isnull": False, f"{kind}_breached": False}),
                ),
                ("breached", Q(**{f"{kind}_breached": True})),
            )
        }
    )
    clocks = [
        ClockRow(str(label), counts[f"n_{kind}_due"], counts[f"n_{kind}_met"], counts[f"n_{kind}_breached"])
        for kind, label, _done in CLOCKS
    ]

    booked = (
        TimeEntry.objects.for_tenant(tenant)
        .filter(ticket__organization=organization, created_at__gte=period.start, created_at__lt=period.end)
        .aggregate(booked=Sum("minutes"), spent=Sum("minutes_spent"))
    )
    rows = list(journal_records(journal_tickets(tickets)))
    return ClientReport(
        tenant=tenant,
        organization=organization,
        month=month,
        tz=tz,
        generated_at=timezone.now(),
        priorities=priorities,
        clocks=clocks,
        minutes_booked=booked["booked"] or 0,
        minutes_spent=booked["spent"] or 0,
        unit_minutes=tenant.time_accounting_minimum_minutes,
        tickets=rows,
    )
