"""Queue filters that the reports link to: periods, closed tickets, "without a category", rating.

Every number in a lead report is a link to the agent queue showing exactly those tickets. The queue's own
filters (view, assignee, tier, priority, category, organisation) cover most of it; these few parameters
cover the rest. The queue (``tickets.views.agent.filtering``) parses them with ``DrillDown.from_query``
and applies them with ``DrillDown.apply``; the reports build their links with ``queue_query``. Dates are
whole days in the tenant's time zone, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket

# The queue's own filter parameters a report link may set (``tickets.forms.agent.QueueFilterForm``).
QUEUE_PARAMETERS = ("view", "assignee", "tier", "priority", "category", "organization", "status")

# ``without=<name>``: tickets where that field is empty.
WITHOUT_FIELDS = {
    "assignee": "assignee",
    "category": "category",
    "organization": "organization",
    "tier": "sla_tier",
}
# ``done=<name>``: tickets where that moment has been reached.
DONE_FIELDS = {"first_response": "first_response_at", "resolution": "resolved_at"}
STATE_ALL = "all"

LABELS: dict[str, Any] = {
    "created_from": _("создана с"),
    "created_to": _("создана по"),
    "resolved_from": _("решена с"),
    "resolved_to": _("решена по"),
    "state": _("включая закрытые"),
    "without": _("без"),
    "done": _("есть"),
    "rating": _("оценка"),
}
WITHOUT_LABELS: dict[str, Any] = {
    "assignee": _("исполнителя"),
    "category": _("категории"),
    "organization": _("организации"),
    "tier": _("уровня SLA"),
}
DONE_LABELS: dict[str, Any] = {"first_response": _("первый ответ"), "resolution": _("решение")}


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


@dataclass(frozen=True)
class DrillDown:
    created_from: date | None = None
    created_to: date | None = None
    resolved_from: date | None = None
    resolved_to: date | None = None
    state: str = ""
    without: tuple[str, ...] = field(default_factory=tuple)
    done: tuple[str, ...] = field(default_factory=tuple)
    rating: int | None = None

    @classmethod
    def from_query(cls, query: Any) -> DrillDown:
        """From a ``QueryDict``; unknown or malformed values are ignored, like a bad queue filter."""
        raw_rating = query.get("rating", "")
        return cls(
            created_from=_date(query.get("created_from")),
            created_to=_date(query.get("created_to")),
            resolved_from=_date(query.get("resolved_from")),
            resolved_to=_date(query.get("resolved_to")),
            state=STATE_ALL if query.get("state") == STATE_ALL else "",
            without=tuple(sorted({v for v in query.getlist("without") if v in WITHOUT_FIELDS})),
            done=tuple(sorted({v for v in query.getlist("done") if v in DONE_FIELDS})),
            rating=int(raw_rating) if raw_rating in {"1", "2", "3", "4", "5"} else None,
        )

    @property
    def needs_time_zone(self) -> bool:
        return any((self.created_from, self.created_to, self.resolved_from, self.resolved_to))

    @property
    def includes_closed(self) -> bool:
        return self.state == STATE_ALL

    def is_empty(self) -> bool:
        return self == DrillDown()

    def apply(self, tickets: QuerySet[Ticket], *, tz: tzinfo | None) -> QuerySet[Ticket]:
        if self.needs_time_zone:
            if tz is None:
                raise ValueError("date filters need the tenant's time zone")
            for name, moment in (
                ("created_at", (self.created_from, self.created_to)),
                ("resolved_at", (self.resolved_from, self.resolved_to)),
            ):
                first, last = moment
                if first is not None:
                    tickets = tickets.filter(**{f"{name}__gte": day_start(first, tz)})
                if last is not None:
                    tickets = tickets.filter(**{f"{name}__lt": day_start(last + timedelta(days=1), tz)})
        for name in self.without:
            tickets = tickets.filter(**{f"{WITHOUT_FIELDS[name]}__isnull": True})
        for name in self.done:
            tickets = tickets.filter(**{f"{DONE_FIELDS[name]}__isnull": False})
        if self.rating is not None:
            tickets = tickets.filter(rating__score=self.rating)
        return tickets

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                out.extend((f.name, v) for v in value)
            elif isinstance(value, date):
                out.append((f.name, value.isoformat()))
            elif value:
                out.append((f.name, str(value)))
        return out

    def described(self) -> list[tuple[str, str, str]]:
        """(parameter, value, what a person reads) for the queue's "filtered from a report" line."""
        out = []
        for name, value in self.params():
            if name == "without":
                text = f"{LABELS[name]} {WITHOUT_LABELS[value]}"
            elif name == "done":
                text = f"{LABELS[name]} {DONE_LABELS[value]}"
            elif name == "state":
                text = str(LABELS[name])
            elif name.endswith(("_from", "_to")):
                text = f"{LABELS[name]} {date.fromisoformat(value):%d.%m.%Y}"
            else:
                text = f"{LABELS[name]} {value}"
            out.append((name, value, text))
        return out


DRILLDOWN_PARAMETERS = tuple(f.name for f in fields(DrillDown))


def queue_query(drilldown: DrillDown | None = None, **queue: Any) -> str:
    """The query string of a queue link: the queue's own filters (``QUEUE_PARAMETERS``) and a drill-down."""
    unknown = set(queue) - set(QUEUE_PARAMETERS)
    assert not unknown, f"not a queue filter: {unknown}"
    pairs = [(key, str(value)) for key, value in queue.items() if value not in (None, "")]
    if drilldown is not None:
        pairs.extend(drilldown.params())
    return urlencode(pairs)
