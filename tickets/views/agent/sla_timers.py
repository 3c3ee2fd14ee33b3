"""SLA timers of the ticket page: how much working time is left until each deadline.

Working time comes from the business calendar of the ticket's SLA clock (``sla.calendars``); without
one, or if it fails, the helper falls back to wall-clock time and the page says which it shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import Ticket

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Timer:
    key: str
    label: str
    due: datetime | None
    done_at: datetime | None
    breached: bool
    paused: bool
    remaining: timedelta | None
    working_time: bool

    @property
    def state(self) -> str:
        if self.due is None:
            return "none"
        if self.done_at is not None:
            return "late" if self.breached or self.done_at > self.due else "done"
        if self.breached or (self.remaining is not None and self.remaining <= timedelta(0)):
            return "breached"
        return "paused" if self.paused else "running"

    @property
    def remaining_text(self) -> str:
        return format_duration(self.remaining) if self.remaining is not None else ""


def format_duration(value: timedelta) -> str:
    minutes = int(abs(value).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = ([f"{days} д"] if days else []) + ([f"{hours} ч"] if hours else []) + [f"{mins} мин"]
    return ("−" if value < timedelta(0) else "") + " ".join(parts)


def calendar_for(ticket: Ticket) -> Any | None:
    """The ``BusinessCalendar`` the ticket's SLA clock runs on (its snapshot schedule, via the SLA app's
    cached ``sla.calendars.calendar_for``), or None: then timers count wall-clock time."""
    try:
        from sla.calendars import calendar_for as cached_calendar
        from sla.models import TicketClock, WorkSchedule
    except ImportError:
        return None
    try:
        # One query: the schedule row (its version is the cache key) joined through the ticket's clock.
        schedule = WorkSchedule.objects.filter(
            pk=Subquery(TicketClock.objects.filter(ticket_id=ticket.pk).values("schedule_id")[:1])
        ).first()
        return cached_calendar(schedule)
    except Exception:  # a broken schedule must not take the ticket page down with it
        logger.exception("No business calendar for ticket %s; showing wall-clock SLA timers", ticket.pk)
        return None


def time_left(due: datetime, *, now: datetime, calendar: Any | None) -> timedelta:
    """Working time from ``now`` to ``due`` (negative when overdue); wall-clock without a calendar."""
    if calendar is None:
        return due - now
    if due >= now:
        return calendar.working_time_between(now, due)
    return -calendar.working_time_between(due, now)


def ticket_timers(ticket: Ticket, *, now: datetime | None = None, calendar: Any | None = None) -> list[Timer]:
    now = now or timezone.now()
    # A paused clock stands still at the moment it was paused.
    clock = ticket.sla_paused_at or now
    paused = ticket.sla_paused_at is not None
    specs = [
        ("ack", _("Регистрация"), ticket.ack_due, ticket.ack_at, ticket.ack_breached),
        (
            "first_response",
            _("Первый ответ"),
            ticket.first_response_due,
            ticket.first_response_at,
            ticket.first_response_breached,
        ),
        ("resolution", _("Решение"), ticket.resolution_due, ticket.resolved_at, ticket.resolution_breached),
    ]
    timers = []
    for key, label, due, done_at, breached in specs:
        remaining = None
        if due is not None and done_at is None:
            remaining = time_left(due, now=clock, calendar=calendar)
        timers.append(
            Timer(
                key, str(label), due, done_at, breached, paused, remaining, working_time=calendar is not None
            )
        )
    return timers
