"""Reports for leads: workload, backlog age, created vs resolved, SLA compliance, response times, ratings.

Every count comes with the query string of the agent queue that lists exactly those tickets
(``reports.drilldown``); a test follows every link and compares. Everything is aggregated in the
database with a fixed number of queries whatever the volume: GROUP BY with conditional counts, and
percentiles as one ``ORDER BY … OFFSET k LIMIT 1`` each (portable, and the period's rows only).
Times are wall-clock (what the client lived through), not working time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Tenant, User
from reports.drilldown import STATE_ALL, DrillDown, day_start, queue_query
from tickets.models import Priority, Rating, Ticket
from tickets.sla_flags import BREACHED, WARNED
from tickets.statuses import OPEN_STATUSES

MAX_PERIOD_DAYS = 366
# Age bands of the open backlog in whole local days: (from, to days ago, label); None = no upper bound.
AGE_BANDS: list[tuple[int, int | None, Any]] = [
    (0, 0, _("сегодня")),
    (1, 3, _("1–3 дня")),
    (4, 7, _("4–7 дней")),
    (8, 30, _("8–30 дней")),
    (31, 90, _("31–90 дней")),
    (91, None, _("больше 90 дней")),
]
PERCENTILES = (("median", 0.5), ("p90", 0.9))


@dataclass(frozen=True)
class Period:
    """Whole local days ``first``..``last`` (both included) in the tenant's time zone."""

    first: date
    last: date
    tz: tzinfo

    @property
    def start(self) -> datetime:
        return day_start(self.first, self.tz)

    @property
    def end(self) -> datetime:
        return day_start(self.last + timedelta(days=1), self.tz)

    def created(self, **extra: Any) -> DrillDown:
        """The drill-down for "tickets created in this period", closed ones included."""
        return DrillDown(created_from=self.first, created_to=self.last, state=STATE_ALL, **extra)


@dataclass(frozen=True)
class Linked:
    """A number and the queue query that lists those tickets ("" = no list to show)."""

    value: int
    query: str = ""


@dataclass
class WorkloadRow:
    name: str
    open: Linked
    due_soon: Linked
    breached: Linked


@dataclass
class WeekRow:
    first: date
    last: date
    created: Linked
    resolved: Linked


@dataclass
class ComplianceRow:
    label: str
    total: Linked
    breached: Linked

    @property
    def percent_met(self) -> float | None:
        if not self.total.value:
            return None
        return round(100 * (self.total.value - self.breached.value) / self.total.value, 1)


@dataclass
class Timing:
    label: Any
    sample: Linked
    median: timedelta | None
    p90: timedelta | None


@dataclass
class RatingComment:
    number: str
    score: int
    comment: str
    created_at: datetime


@dataclass
class LeadReport:
    period: Period
    workload: list[WorkloadRow]
    backlog: list[tuple[Any, Linked]]
    weeks: list[WeekRow]
    compliance: list[tuple[Any, list[ComplianceRow]]]
    timings: list[Timing]
    ratings: list[tuple[int, Linked]]
    rating_average: float | None
    comments: list[RatingComment] = field(default_factory=list)


def _workload(tickets: QuerySet[Ticket], tenant: Tenant) -> list[WorkloadRow]:
    counts = {
        row["assignee_id"]: row
        for row in tickets.filter(status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(
            open=Count("pk"), due_soon=Count("pk", filter=WARNED), breached=Count("pk", filter=BREACHED)
        )
        .order_by()
    }
    staff = User.objects.filter(memberships__tenant=tenant, is_active=True).order_by("full_name", "email")
    rows = []
    for person in staff:
        row = counts.get(person.pk, {})
        rows.append(
            WorkloadRow(
                person.get_full_name(),
                Linked(row.get("open", 0), queue_query(assignee=person.pk)),
                Linked(row.get("due_soon", 0), queue_query(assignee=person.pk, view="warning")),
                Linked(row.get("breached", 0), queue_query(assignee=person.pk, view="breached")),
            )
        )
    rows.sort(key=lambda r: (-r.open.value, r.name))
    unassigned = counts.get(None, {})
    nobody = DrillDown(without=("assignee",))
    rows.append(
        WorkloadRow(
            str(_("Не назначены")),
            Linked(unassigned.get("open", 0), queue_query(nobody)),
            Linked(unassigned.get("due_soon", 0), queue_query(nobody, view="warning")),
            Linked(unassigned.get("breached", 0), queue_query(nobody, view="breached")),
        )
    )
    return rows


def _backlog(tickets: QuerySet[Ticket], *, today: date, tz: tzinfo) -> list[tuple[Any, Linked]]:
    aggregates = {}
    for i, (newest, oldest, _label) in enumerate(AGE_BANDS):
        cond = Q(created_at__lt=day_start(today - timedelta(days=newest - 1), tz))
        if oldest is not None:
            cond &= Q(created_at__gte=day_start(today - timedelta(days=oldest), tz))
        aggregates[f"band{i}"] = Count("pk", filter=cond)
    sums = tickets.filter(status__in=OPEN_STATUSES).aggregate(**aggregates)
    bands = []
    for i, (newest, oldest, label) in enumerate(AGE_BANDS):
        drill = DrillDown(
            created_from=today - timedelta(days=oldest) if oldest is not None else None,
            created_to=today - timedelta(days=newest),
        )
        bands.append((label, Linked(sums[f"band{i}"], queue_query(drill))))
    return bands


def _week_of(value: datetime | date, tz: tzinfo) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value, tz).date() if timezone.is_aware(value) else value.date()
    return value


def _per_week(tickets: QuerySet[Ticket], moment: str, period: Period) -> dict[date, int]:
    """Tickets whose ``moment`` falls in the period, counted per local week (keyed by its Monday)."""
    return {
        _week_of(row["week"], period.tz): row["n"]
        for row in tickets.filter(**{f"{moment}__gte": period.start, f"{moment}__lt": period.end})
        .annotate(week=TruncWeek(moment, tzinfo=period.tz))
        .values("week")
        .annotate(n=Count("pk"))
        .order_by()
    }


def _weeks(tickets: QuerySet[Ticket], period: Period) -> list[WeekRow]:
    created = _per_week(tickets, "created_at", period)
    resolved = _per_week(tickets, "resolved_at", period)
    weeks = []
    monday = period.first - timedelta(days=period.first.weekday())
    while monday <= period.last:
        first, last = max(monday, period.first), min(monday + timedelta(days=6), period.last)
        weeks.append(
            WeekRow(
                first,
                last,
                Linked(
                    created.get(monday, 0),
                    queue_query(DrillDown(created_from=first, created_to=last, state=STATE_ALL)),
                ),
                Linked(
                    resolved.get(monday, 0),
                    queue_query(DrillDown(resolved_from=first, resolved_to=last, state=STATE_ALL)),
                ),
            )
        )
        monday += timedelta(days=7)
    return weeks


# (title, the ticket field grouped by, its display name, the queue parameter, the ``without=`` name)
DIMENSIONS: list[tuple[Any, str, str | None, str, str | None]] = [
    (_("По уровням SLA"), "sla_tier_id", "sla_tier__name", "tier", "tier"),
    (_("По приоритетам"), "priority", None, "priority", None),
    (_("По категориям"), "category_id", "category__name", "category", "category"),
    (_("По организациям клиентов"), "organization_id", "organization__name", "organization", "organization"),
]


def _compliance(in_period: QuerySet[Ticket], period: Period) -> list[tuple[Any, list[ComplianceRow]]]:
    priority_labels = dict(Priority.choices)
    out = []
    for title, key, name, parameter, without in DIMENSIONS:
        columns = [key, name] if name else [key]
        rows = []
        for row in (
            in_period.values(*columns)
            .annotate(total=Count("pk"), breached=Count("pk", filter=BREACHED))
            .order_by("-total", key)
        ):
            value = row[key]
            if value is None:
                label = str(_("не указано"))
                total_q = queue_query(period.created(without=(without,)))
                breached_q = queue_query(period.created(without=(without,)), view="breached")
            else:
                label = str(priority_labels.get(value, value)) if name is None else row[name]
                total_q = queue_query(period.created(), **{parameter: value})
                breached_q = queue_query(period.created(), view="breached", **{parameter: value})
            rows.append(
                ComplianceRow(label, Linked(row["total"], total_q), Linked(row["breached"], breached_q))
            )
        out.append((title, rows))
    return out


def _percentile(
    tickets: QuerySet[Ticket], duration: ExpressionWrapper, fraction: float, n: int
) -> timedelta | None:
    """The nearest-rank percentile: the ⌈fraction·n⌉-th smallest duration, found by the database."""
    if n == 0:
        return None
    k = max(math.ceil(fraction * n) - 1, 0)
    return (
        tickets.annotate(duration=duration).order_by("duration", "pk").values_list("duration", flat=True)[k]
    )


def _timings(in_period: QuerySet[Ticket], period: Period) -> list[Timing]:
    specs = [
        (_("Первый ответ"), "first_response_at", "first_response"),
        (_("Решение"), "resolved_at", "resolution"),
    ]
    counts = in_period.aggregate(
        **{done: Count("pk", filter=Q(**{f"{moment}__isnull": False})) for _label, moment, done in specs}
    )
    out = []
    for label, moment, done in specs:
        reached = in_period.filter(**{f"{moment}__isnull": False})
        duration = ExpressionWrapper(F(moment) - F("created_at"), output_field=DurationField())
        n = counts[done]
        values = {name: _percentile(reached, duration, fraction, n) for name, fraction in PERCENTILES}
        out.append(
            Timing(
                label, Linked(n, queue_query(period.created(done=(done,)))), values["median"], values["p90"]
            )
        )
    return out


def _ratings(
    tenant: Tenant, period: Period
) -> tuple[list[tuple[int, Linked]], float | None, list[RatingComment]]:
    rated = Rating.objects.for_tenant(tenant).filter(
        ticket__created_at__gte=period.start, ticket__created_at__lt=period.end
    )
    per_score = {row["score"]: row["n"] for row in rated.values("score").annotate(n=Count("pk")).order_by()}
    total = sum(per_score.values())
    average = round(sum(s * n for s, n in per_score.items()) / total, 2) if total else None
    scores = [
        (s, Linked(per_score.get(s, 0), queue_query(period.created(rating=s)))) for s in range(5, 0, -1)
    ]
    comments = [
        RatingComment(
            f"{tenant.ticket_prefix}-{row['ticket__number']}", row["score"], row["comment"], row["created_at"]
        )
        for row in rated.exclude(comment="")
        .order_by("-created_at", "-pk")
        .values("ticket__number", "score", "comment", "created_at")[:20]
    ]
    return scores, average, comments


def build_lead_report(
    *, tenant: Tenant, tickets: QuerySet[Ticket], period: Period, today: date
) -> LeadReport:
    """``tickets``: what the lead may see (``tickets_for_agent``); ``today``: the local date now."""
    in_period = tickets.filter(created_at__gte=period.start, created_at__lt=period.end)
    scores, average, comments = _ratings(tenant, period)
    return LeadReport(
        period=period,
        workload=_workload(tickets, tenant),
        backlog=_backlog(tickets, today=today, tz=period.tz),
        weeks=_weeks(tickets, period),
        compliance=_compliance(in_period, period),
        timings=_timings(in_period, period),
        ratings=scores,
        rating_average=average,
        comments=comments,
    )
