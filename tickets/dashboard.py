"""Aggregates for the leads' dashboard: a fixed handful of GROUP BY queries whatever the volume."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.models import Tenant
from tickets.models import Priority, Rating, Ticket
from tickets.sla_flags import BREACHED as _BREACHED
from tickets.statuses import OPEN_STATUSES, Status

# Upper bounds of the time-to-first-response and time-to-resolution buckets (wall-clock).
BUCKETS: list[tuple[str, timedelta | None]] = [
    ("≤ 1 ч", timedelta(hours=1)),
    ("1–4 ч", timedelta(hours=4)),
    ("4–8 ч", timedelta(hours=8)),
    ("8–24 ч", timedelta(hours=24)),
    ("1–3 д", timedelta(days=3)),
    ("> 3 д", None),
]


@dataclass
class Series:
    """One chart: labelled numbers, drawn as SVG bars and listed in a table."""

    title: str
    rows: list[tuple[str, float]] = field(default_factory=list)
    unit: str = ""

    @property
    def bars(self) -> list[dict[str, Any]]:
        top = max((v for _, v in self.rows), default=0) or 1
        return [
            {"label": label, "value": value, "y": i * 22, "width": round(300 * value / top, 1)}
            for i, (label, value) in enumerate(self.rows)
        ]

    @property
    def height(self) -> int:
        return max(len(self.rows), 1) * 22


@dataclass
class Dashboard:
    since: datetime
    charts: list[Series]
    compliance: list[dict[str, Any]]
    rating_average: float | None
    rating_count: int


def _distribution(prefix: str, start: str, end: str, base: Q) -> dict[str, Any]:
    aggregates: dict[str, Any] = {}
    lower: timedelta | None = None
    for i, (_label, upper) in enumerate(BUCKETS):
        cond = Q(**{f"{end}__isnull": False}) & base
        if lower is not None:
            cond &= Q(**{f"{end}__gt": F(start) + lower})
        if upper is not None:
            cond &= Q(**{f"{end}__lte": F(start) + upper})
        aggregates[f"{prefix}{i}"] = Count("pk", filter=cond)
        lower = upper
    return aggregates


def build_dashboard(tenant: Tenant, *, weeks: int = 12, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    since = now - timedelta(weeks=weeks)
    tickets = Ticket.objects.for_tenant(tenant)
    recent = tickets.filter(created_at__gte=since)

    by_status: dict[str, int] = {}
    by_priority: dict[int, int] = {}
    for row in tickets.filter(status__in=OPEN_STATUSES).values("status", "priority").annotate(n=Count("pk")):
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["n"]
        by_priority[row["priority"]] = by_priority.get(row["priority"], 0) + row["n"]
    status_labels = dict(Status.choices)
    open_status = Series(
        _("Открытые по статусам"),
        [(str(status_labels[s]), by_status.get(s, 0)) for s in Status.values if s in OPEN_STATUSES],
    )
    open_priority = Series(
        _("Открытые по приоритетам"), [(str(label), by_priority.get(p, 0)) for p, label in Priority.choices]
    )

    compliance = []
    weekly = (
        recent.annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(
            total=Count("pk"),
            fr_breached=Count("pk", filter=Q(first_response_breached=True)),
            res_breached=Count("pk", filter=Q(resolution_breached=True)),
            any_breached=Count("pk", filter=_BREACHED),
        )
        .order_by("week")
    )
    for row in weekly:
        total = row["total"]
        met = total - row["any_breached"]
        compliance.append(
            {
                "week": row["week"],
                "total": total,
                "first_response_breached": row["fr_breached"],
                "resolution_breached": row["res_breached"],
                "percent": round(100 * max(met, 0) / total, 1) if total else 100.0,
            }
        )
    compliance_chart = Series(
        _("Соблюдение SLA по неделям, %"),
        [
            (
                timezone.localtime(r["week"]).strftime("%d.%m")
                if timezone.is_aware(r["week"])
                else r["week"].strftime("%d.%m"),
                r["percent"],
            )
            for r in compliance
        ],
        unit="%",
    )

    breached = _BREACHED
    by_queue = Series(
        _("Нарушения по очередям"),
        [
            (row["queue__name"] or _("без очереди"), row["n"])
            for row in recent.filter(breached)
            .values("queue__name")
            .annotate(n=Count("pk"))
            .order_by("-n")[:15]
        ],
    )
    by_agent = Series(
        _("Нарушения по исполнителям"),
        [
            (row["assignee__full_name"] or row["assignee__email"] or _("не назначена"), row["n"])
            for row in recent.filter(breached)
            .values("assignee__full_name", "assignee__email")
            .annotate(n=Count("pk"))
            .order_by("-n")[:15]
        ],
    )

    sums = recent.aggregate(
        **_distribution("fr", "created_at", "first_response_at", Q()),
        **_distribution("res", "created_at", "resolved_at", Q()),
    )
    first_response = Series(
        _("Время первого ответа"), [(b[0], sums[f"fr{i}"]) for i, b in enumerate(BUCKETS)]
    )
    resolution = Series(_("Время решения"), [(b[0], sums[f"res{i}"]) for i, b in enumerate(BUCKETS)])

    ratings = {
        row["score"]: row["n"]
        for row in Rating.objects.for_tenant(tenant)
        .filter(created_at__gte=since)
        .values("score")
        .annotate(n=Count("pk"), avg=Avg("score"))
    }
    count = sum(ratings.values())
    average = round(sum(s * n for s, n in ratings.items()) / count, 2) if count else None
    rating_chart = Series(_("Оценки клиентов"), [(f"{s} ★", ratings.get(s, 0)) for s in range(5, 0, -1)])

    return Dashboard(
        since=since,
        charts=[
            open_status,
            open_priority,
            compliance_chart,
            by_queue,
            by_agent,
            first_response,
            resolution,
            rating_chart,
        ],
        compliance=compliance,
        rating_average=average,
        rating_count=count,
    )
