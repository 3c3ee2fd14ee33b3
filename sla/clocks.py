"""Per-ticket SLA clocks: fixing targets at creation, pausing, resuming and recomputing deadlines.

``tickets.services`` calls these inside its transactions, with the ticket row already locked. Every
deadline is computed from the ticket's creation: ``due = creation + target + paused working time`` in
the ticket's calendar, so many pauses never accumulate rounding drift. Results are stored on the ticket
(``*_due``, ``sla_paused_at``, ``auto_close_at``, ``stale_close_at``) and in its ``TicketClock``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from sla.business_hours import BusinessCalendar
from sla.calendars import bump_config_stamp, calendar_by_id, calendar_for, config_stamp
from sla.models import (
    ScheduleOverride,
    SLAAlert,
    SLACategoryTarget,
    SLAPause,
    SLATarget,
    SLATier,
    TicketClock,
    WorkSchedule,
)
from tickets.models import Ticket
from tickets.statuses import Status

KINDS = ("ack", "first_response", "resolution")
# Where each clock stops: the ticket column that records the moment it was met.
DONE_FIELD = {"ack": "ack_at", "first_response": "first_response_at", "resolution": "resolved_at"}
WARNED_KINDS = KINDS
# The clock columns ``_apply_deadlines`` may change.
DEADLINE_CLOCK_FIELDS = (
    *(f"{kind}_warn_at" for kind in WARNED_KINDS),
    *(f"{kind}_breach_claimed" for kind in KINDS),
)
# A resolved ticket waits for the client's confirmation and a closed one may still be reopened: their
# clocks stand still (and drop out of the beat's partial indexes), so work resumed after an objection
# continues from where it stopped.
ALWAYS_PAUSING = frozenset({Status.RESOLVED, Status.CLOSED})


def schedule_for_tier(tier: SLATier) -> WorkSchedule | None:
    if tier.schedule_id is not None:
        return tier.schedule
    return WorkSchedule.objects.for_tenant(tier.tenant_id).filter(is_default=True).first()


def targets_for(tier: SLATier, *, priority: int, category_id: int | None) -> dict[str, timedelta | None]:
    """The tier's targets for a priority, with the category's own targets taking precedence."""
    by_priority = SLATarget.objects.filter(tier=tier, priority=priority).first()
    targets = by_priority.durations() if by_priority else dict.fromkeys(KINDS)
    if category_id is not None:
        override = SLACategoryTarget.objects.filter(tier=tier, category_id=category_id).first()
        if override is not None:
            for kind, value in override.durations().items():
                if value is not None:
                    targets[kind] = value
    return targets


def calendar_of(clock: TicketClock) -> BusinessCalendar:
    return calendar_by_id(clock.schedule_id)


def _snapshot(clock: TicketClock, tier: SLATier, ticket: Ticket) -> None:
    schedule = schedule_for_tier(tier)
    targets = targets_for(tier, priority=ticket.priority, category_id=ticket.category_id)
    clock.tier = tier
    clock.schedule = schedule
    clock.ack_target = targets["ack"]
    clock.first_response_target = targets["first_response"]
    clock.resolution_target = targets["resolution"]
    clock.warning_percent = tier.warning_percent
    clock.pause_statuses = tier.pause_statuses()
    clock.auto_close_hours = tier.auto_close_hours
    clock.stale_close_working_days = tier.stale_close_working_days


# --- the tier snapshot, cached per process ------------------------------------------------------
# Every new ticket needs its tier, schedule and targets; a burst of creations (a mail batch) would
# otherwise re-read them for every ticket. The cache is dropped, in this process and — through the
# stamp in Django's shared cache — in every other, whenever a tier, target, category target, schedule
# or schedule override is saved or deleted (the admin, services, seeders all save). Writes that bypass
# model signals (``QuerySet.update``, raw SQL) are picked up after ``SNAPSHOT_TTL`` seconds at most.
SNAPSHOT_TTL = 60.0


@dataclass
class TierSnapshot:
    """What ``clock_start`` fixes on a new ticket, read once per tier."""

    tier: SLATier
    schedule: WorkSchedule | None
    by_priority: dict[int, dict[str, timedelta | None]]
    by_category: dict[int, dict[str, timedelta]]
    stamp: str | None
    loaded_at: float = field(default_factory=time.monotonic)

    def targets(self, *, priority: int, category_id: int | None) -> dict[str, timedelta | None]:
        targets = dict(self.by_priority.get(priority) or dict.fromkeys(KINDS))
        if category_id is not None:
            targets.update(self.by_category.get(category_id, {}))
        return targets


_snapshots: dict[int, TierSnapshot] = {}
_default_tiers: dict[int, tuple[int | None, str | None, float]] = {}
_snapshot_lock = threading.Lock()


def _load_snapshot(tier_id: int, stamp: str | None) -> TierSnapshot:
    tier = SLATier.objects.select_related("schedule").get(pk=tier_id)
    by_category: dict[int, dict[str, timedelta]] = {}
    for row in SLACategoryTarget.objects.filter(tier=tier):
        by_category[row.category_id] = {k: v for k, v in row.durations().items() if v is not None}
    return TierSnapshot(
        tier=tier,
        schedule=schedule_for_tier(tier),
        by_priority={row.priority: row.durations() for row in SLATarget.objects.filter(tier=tier)},
        by_category=by_category,
        stamp=stamp,
    )


def _is_fresh(loaded_at: float, stamp: str | None, current: str | None) -> bool:
    return stamp == current and time.monotonic() - loaded_at < SNAPSHOT_TTL


def tier_snapshot(tier_id: int) -> TierSnapshot:
    """The tier as stored, with its schedule and targets; cached until an edit or ``SNAPSHOT_TTL``."""
    current = config_stamp()
    cached = _snapshots.get(tier_id)
    if cached is not None and _is_fresh(cached.loaded_at, cached.stamp, current):
        return cached
    loaded = _load_snapshot(tier_id, current)
    with _snapshot_lock:
        _snapshots[tier_id] = loaded
    return loaded


def default_tier_id(tenant_id: int) -> int | None:
    """The pk of the tenant's default tier (None without one), cached like the snapshots."""
    current = config_stamp()
    cached = _default_tiers.get(tenant_id)
    if cached is not None and _is_fresh(cached[2], cached[1], current):
        return cached[0]
    found = SLATier.objects.filter(tenant_id=tenant_id, is_default=True).values_list("pk", flat=True).first()
    with _snapshot_lock:
        _default_tiers[tenant_id] = (found, current, time.monotonic())
    return found


def forget_snapshots(**_: Any) -> None:
    """Drop the cached tiers here and tell every other process (signal receiver; also for tests)."""
    with _snapshot_lock:
        _snapshots.clear()
        _default_tiers.clear()
    bump_config_stamp()


for _model in (SLATier, SLATarget, SLACategoryTarget, WorkSchedule, ScheduleOverride):
    post_save.connect(forget_snapshots, sender=_model, dispatch_uid=f"sla-snapshot-save-{_model.__name__}")
    post_delete.connect(forget_snapshots, sender=_model, dispatch_uid=f"sla-snapshot-del-{_model.__name__}")


def _snapshot_cached(clock: TicketClock, snapshot: TierSnapshot, ticket: Ticket) -> None:
    tier = snapshot.tier
    targets = snapshot.targets(priority=ticket.priority, category_id=ticket.category_id)
    clock.tier = tier
    clock.schedule = snapshot.schedule
    clock.ack_target = targets["ack"]
    clock.first_response_target = targets["first_response"]
    clock.resolution_target = targets["resolution"]
    clock.warning_percent = tier.warning_percent
    clock.pause_statuses = tier.pause_statuses()
    clock.auto_close_hours = tier.auto_close_hours
    clock.stale_close_working_days = tier.stale_close_working_days


def clock_plan(*, ticket: Ticket, at: datetime) -> TicketClock | None:
    """Snapshot the tier onto a clock and set the ticket's due moments, writing nothing.

    Lets ``ticket_create`` compute the deadlines before the ticket's INSERT (so no follow-up UPDATE);
    the caller saves the returned clock (``force_insert``) once the ticket has its pk. The ticket needs
    ``created_at``, ``priority``, ``category_id`` and ``sla_tier_id`` set.
    """
    return _plan(ticket, at)[0]


def _plan(ticket: Ticket, at: datetime) -> tuple[TicketClock | None, list[str]]:
    if ticket.sla_tier_id is None:
        return None, []
    snapshot = tier_snapshot(ticket.sla_tier_id)
    clock = TicketClock(ticket=ticket, tenant_id=ticket.tenant_id)
    _snapshot_cached(clock, snapshot, ticket)
    fields = _apply_deadlines(ticket, clock, now=at, calendar=calendar_for(snapshot.schedule))
    return clock, fields


def clock_start(*, ticket: Ticket, at: datetime, registered_by_agent: bool = False) -> TicketClock | None:
    """Fix the tier's targets on a new ticket and store its due moments.

    A ticket an agent registers himself (phone intake) is acknowledged at once. The tier is read as
    stored (through the snapshot cache, which every edit invalidates), not from the caller's possibly
    stale instance.
    """
    if registered_by_agent and ticket.ack_at is None:
        ticket.ack_at = at
        ticket.save(update_fields=["ack_at", "updated_at"])
    clock, fields = _plan(ticket, at)
    if clock is None:
        return None
    clock.save(force_insert=True)
    ticket.save(update_fields=[*fields, "updated_at"])
    return clock


def _apply_deadlines(
    ticket: Ticket, clock: TicketClock, *, now: datetime, calendar: BusinessCalendar | None = None
) -> list[str]:
    """Recompute due and warning moments from creation; returns the ticket fields it changed."""
    calendar = calendar or calendar_of(clock)
    start = ticket.created_at
    fields = []
    for kind in KINDS:
        target = clock.target(kind)
        due = calendar.add_working_time(start, target + clock.paused_total) if target is not None else None
        setattr(ticket, f"{kind}_due", due)
        fields.append(f"{kind}_due")
        pending = getattr(ticket, DONE_FIELD[kind]) is None
        breached_field = f"{kind}_breached"
        if pending and (due is None or due > now):
            if getattr(ticket, breached_field):
                # The deadline moved past now: the old breach no longer stands, and its alerts referred to it.
                setattr(ticket, breached_field, False)
                fields.append(breached_field)
                SLAAlert.objects.filter(ticket=ticket, kind=f"{kind}_breach").delete()
            setattr(clock, f"{kind}_breach_claimed", False)
        if kind not in WARNED_KINDS:
            continue
        warn_at = None
        if target is not None:
            share = target * clock.warning_percent / 100
            warn_at = calendar.add_working_time(start, share + clock.paused_total)
        warned_field = f"{kind}_warned"
        if pending and getattr(ticket, warned_field) and warn_at is not None and warn_at > now:
            setattr(ticket, warned_field, False)
            fields.append(warned_field)
            SLAAlert.objects.filter(ticket=ticket, kind=f"{kind}_warning").delete()
        still_to_warn = pending and not getattr(ticket, warned_field) and ticket.status not in ALWAYS_PAUSING
        setattr(clock, f"{kind}_warn_at", warn_at if still_to_warn else None)
    return fields


def _clock(ticket: Ticket) -> TicketClock | None:
    return TicketClock.objects.filter(ticket=ticket).first()


def clock_acknowledge(*, ticket: Ticket, at: datetime) -> None:
    """Registration is done at the first agent action: a reply, an assignment, leaving "new"."""
    if ticket.ack_at is None:
        ticket.ack_at = at
        ticket.save(update_fields=["ack_at", "updated_at"])
        TicketClock.objects.filter(ticket=ticket).update(ack_warn_at=None)


def clock_first_response(*, ticket: Ticket, at: datetime) -> None:
    """Called once ``first_response_at`` is stored: the first-response warning can no longer fire."""
    clock_acknowledge(ticket=ticket, at=at)
    TicketClock.objects.filter(ticket=ticket).update(first_response_warn_at=None)


def clock_status_changed(*, ticket: Ticket, old: str, new: str, at: datetime) -> None:
    """Pause or resume the clock and set or clear the automatic closings for the new status."""
    fields: set[str] = set()
    if old == Status.NEW and ticket.ack_at is None:
        ticket.ack_at = at
        fields.add("ack_at")
    clock = _clock(ticket)
    if clock is None:
        if fields:
            ticket.save(update_fields=[*fields, "updated_at"])
        return
    clock_fields: set[str] = set()
    pausing = new in clock.pause_statuses or new in ALWAYS_PAUSING
    if clock.paused and not pausing:
        _end_pause(ticket, clock, at=at, fields=fields, clock_fields=clock_fields)
    elif not clock.paused and pausing:
        _start_pause(ticket, clock, status=new, at=at, fields=fields, clock_fields=clock_fields)
    if old == Status.NEW and "ack_at" in fields:
        clock.ack_warn_at = None
        clock_fields.add("ack_warn_at")
    if new in (Status.RESOLVED, Status.CLOSED):
        for kind in WARNED_KINDS:
            setattr(clock, f"{kind}_warn_at", None)
            clock_fields.add(f"{kind}_warn_at")
    elif old in (Status.RESOLVED, Status.CLOSED):
        # Back to work after an objection: restore the warnings that have not fired yet.
        fields.update(_apply_deadlines(ticket, clock, now=at))
        clock_fields |= set(DEADLINE_CLOCK_FIELDS)

    auto_close_at = None
    if new == Status.RESOLVED and clock.auto_close_hours:
        auto_close_at = at + timedelta(hours=clock.auto_close_hours)
    if ticket.auto_close_at != auto_close_at:
        ticket.auto_close_at = auto_close_at
        fields.add("auto_close_at")
    stale_close_at = None
    if new == Status.WAITING and clock.stale_close_working_days:
        stale_close_at = working_days_later(calendar_of(clock), at, clock.stale_close_working_days)
    if ticket.stale_close_at != stale_close_at:
        ticket.stale_close_at = stale_close_at
        fields.add("stale_close_at")
    if new in (Status.RESOLVED, Status.CLOSED) and ticket.ack_at is None:
        ticket.ack_at = at
        fields.add("ack_at")
    if clock_fields:
        clock.save(update_fields=[*clock_fields, "updated_at"])
    if fields:
        ticket.save(update_fields=[*fields, "updated_at"])


def _start_pause(
    ticket: Ticket, clock: TicketClock, *, status: str, at: datetime, fields: set[str], clock_fields: set[str]
) -> None:
    SLAPause.objects.create(tenant_id=ticket.tenant_id, ticket=ticket, status=status, started_at=at)
    clock.paused = True
    ticket.sla_paused_at = at
    clock_fields.add("paused")
    fields.add("sla_paused_at")


def _end_pause(
    ticket: Ticket, clock: TicketClock, *, at: datetime, fields: set[str], clock_fields: set[str]
) -> None:
    pause = SLAPause.objects.filter(ticket=ticket, ended_at__isnull=True).first()
    if pause is not None:
        pause.ended_at = at
        pause.working_time = calendar_of(clock).working_time_between(pause.started_at, at)
        pause.save(update_fields=["ended_at", "working_time"])
        clock.paused_total += pause.working_time
    clock.paused = False
    ticket.sla_paused_at = None
    clock_fields |= {"paused", "paused_total", *DEADLINE_CLOCK_FIELDS}
    fields.add("sla_paused_at")
    fields.update(_apply_deadlines(ticket, clock, now=at))


def clock_recompute(
    *, ticket: Ticket, at: datetime, resnapshot_tier: SLATier | None = None
) -> dict[str, Any]:
    """Recompute targets and deadlines from creation after a priority, category or tier change.

    Returns the due moments before and after, for the event the caller records.
    """
    clock = _clock(ticket)
    tier = resnapshot_tier or (clock.tier if clock else None) or ticket.sla_tier
    if tier is None:
        return {}
    before = {kind: _iso(getattr(ticket, f"{kind}_due")) for kind in KINDS}
    if clock is None:
        clock = TicketClock(ticket=ticket, tenant_id=ticket.tenant_id)
        _snapshot(clock, tier, ticket)
        fields = _apply_deadlines(ticket, clock, now=at)
        clock.save(force_insert=True)
    else:
        _snapshot(clock, tier, ticket)
        fields = _apply_deadlines(ticket, clock, now=at)
        clock.save()
    if resnapshot_tier is not None and ticket.sla_tier_id != resnapshot_tier.pk:
        ticket.sla_tier = resnapshot_tier
        fields.append("sla_tier")
    ticket.save(update_fields=[*fields, "updated_at"])
    after = {kind: _iso(getattr(ticket, f"{kind}_due")) for kind in KINDS}
    return {"tier": tier.name, "before": before, "after": after}


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def working_days_later(calendar: BusinessCalendar, at: datetime, days: int) -> datetime:
    """The same wall-clock time on the ``days``-th working day after ``at``'s local date.

    Used for "no answer from the client for N working days": a question asked on Monday 10:00 with
    N = 3 expires on Thursday 10:00, a public holiday in between moves it by a day.
    """
    local = at.astimezone(calendar.tz)
    day = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.intervals_on(day):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), calendar.tz)


def open_clock_tickets(tier: SLATier) -> Q:
    """Tickets of the tier whose clocks still run (used by the admin's recalculation)."""
    return Q(sla_tier=tier) & ~Q(status=Status.CLOSED)
