"""Stored ``WorkSchedule`` → engine ``BusinessCalendar``, cached per process until the schedule changes.

Building a calendar parses the week and, on first use, a year of intervals; a beat pass or a burst of
ticket creations would otherwise rebuild it for every ticket. The cache key carries ``updated_at``, and
every admin edit (the schedule or its dated overrides) bumps it through ``touch_schedule``, so a stale
calendar is never served after a change.
"""

from __future__ import annotations

import logging
import threading
import uuid
from datetime import date, datetime

from django.core.cache import cache
from django.utils import timezone

from sla.business_hours import BusinessCalendar
from sla.models import ScheduleOverride, WorkSchedule, split_hours

DEFAULT_CALENDAR_KEY = ("default",)
# Version of "the SLA configuration" (tiers, targets, schedules) shared by all processes through Django's
# cache; ``sla.clocks`` keeps its tier snapshots only while it is unchanged.
CONFIG_STAMP_KEY = "sla:config-stamp"

logger = logging.getLogger(__name__)

_cache: dict[tuple, BusinessCalendar] = {}
_lock = threading.Lock()


def build_calendar(
    schedule: WorkSchedule, overrides: dict[date, list[str]] | None = None
) -> BusinessCalendar:
    """The engine calendar for a schedule; raises ValueError for hours the engine refuses."""
    if overrides is None:
        overrides = {
            row.date: split_hours(row.hours) for row in ScheduleOverride.objects.filter(schedule=schedule)
        }
    return BusinessCalendar(
        tz=schedule.timezone,
        week=schedule.week_specs(),
        country="RU" if schedule.russian_holidays else None,
        open_on_holidays=schedule.open_on_holidays,
        shortened_days=schedule.shortened_days and schedule.russian_holidays,
        overrides=overrides,
    )


def calendar_for(schedule: WorkSchedule | None) -> BusinessCalendar:
    """The cached calendar of ``schedule``; the engine default (Mon–Fri 09–18 Moscow) for None."""
    key = DEFAULT_CALENDAR_KEY if schedule is None else (schedule.pk, schedule.updated_at)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    built = BusinessCalendar() if schedule is None else build_calendar(schedule)
    with _lock:
        if schedule is not None:
            # Drop the versions of this schedule that an edit made obsolete.
            for stale in [k for k in _cache if k[0] == schedule.pk]:
                del _cache[stale]
        _cache[key] = built
    return built


def calendar_by_id(schedule_id: int | None) -> BusinessCalendar:
    """Look the schedule up (one query for its version) and return its cached calendar."""
    if schedule_id is None:
        return calendar_for(None)
    schedule = WorkSchedule.objects.filter(pk=schedule_id).first()
    return calendar_for(schedule)


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def touch_schedule(schedule: WorkSchedule, *, at: datetime | None = None) -> None:
    """Mark the schedule changed so every process rebuilds its calendar on next use."""
    moment = at or timezone.now()
    WorkSchedule.objects.filter(pk=schedule.pk).update(updated_at=moment)
    schedule.updated_at = moment
    bump_config_stamp()


def config_stamp() -> str | None:
    """The current configuration stamp; a fresh random one when the shared cache cannot answer, so a
    cache outage costs re-reads, never stale snapshots."""
    try:
        return cache.get(CONFIG_STAMP_KEY)
    except Exception:  # noqa: BLE001 - e.g. Redis down: treat as "changed"
        logger.warning("sla: cache unavailable, tier snapshots are re-read", exc_info=True)
        return uuid.uuid4().hex


def bump_config_stamp() -> None:
    """Tell every process that tiers, targets or schedules changed."""
    try:
        cache.set(CONFIG_STAMP_KEY, uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 - the TTL still bounds staleness in other processes
        logger.warning("sla: could not publish a configuration change", exc_info=True)
