"""One beat pass: warnings, breaches, auto-close of resolved tickets, stale close of waiting ones.

Each sweep is a range scan over a stored moment (``Ticket.*_due``, ``TicketClock.*_warn_at``,
``Ticket.auto_close_at``, ``Ticket.stale_close_at``) through a partial index that holds only the rows
still pending, never a loop over open tickets computing deadlines. Each item is claimed atomically (rows
locked with ``SKIP LOCKED`` and their flag flipped in the same transaction), so two passes at the same
moment, or a retried one, act on every item exactly once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sla.alerts import queue_delivery, record_due
from sla.claims import chunks, claim
from sla.clocks import DONE_FIELD, KINDS, WARNED_KINDS
from sla.models import TicketClock
from tickets import services as ticket_services
from tickets.models import Ticket
from tickets.statuses import OPEN_STATUSES, Status

logger = logging.getLogger(__name__)

CLOSE_BATCH = 1000


def run_tick(*, now: datetime) -> dict[str, int]:
    """One pass of every beat job as of ``now``; returns counts of what it did."""
    batches: list[int] = []
    counts = {
        "warned": sweep_warnings(now=now, batches=batches),
        "breached": sweep_breaches(now=now, batches=batches),
        "auto_closed": sweep_auto_close(now=now),
        "stale_closed": sweep_stale_close(now=now),
    }
    # After the sweeps committed: the delivery tasks must find their outbox rows.
    queue_delivery(batches, now=now)
    return counts


def _pending_breach(kind: str, now: datetime) -> Q:
    # Matches the partial index ticket_<kind>_pending; the status filter is a safety net for tickets
    # whose clock never got a status event.
    return Q(
        **{f"{kind}_due__lte": now, f"{DONE_FIELD[kind]}__isnull": True, f"{kind}_breached": False},
        sla_paused_at__isnull=True,
        status__in=OPEN_STATUSES,
    )


def sweep_breaches(*, now: datetime, batches: list[int]) -> int:
    """Claim every deadline passed as of ``now`` and queue its alerts; returns how many.

    The claim is a flag on the narrow ``TicketClock`` row; the delivery task sets the ticket's
    ``*_breached`` flag (see ``TicketClock``). Until it has, the ticket still shows up in the range
    scan, and its clock's flag keeps the next pass from claiming it again.
    """
    total = 0
    for kind in KINDS:
        claimed_flag = f"{kind}_breach_claimed"
        with transaction.atomic():
            due = list(Ticket.objects.filter(_pending_breach(kind, now)).values_list("pk", flat=True))
            ids: list[int] = []
            for chunk in chunks(due):
                ids += claim(
                    TicketClock.objects.filter(pk__in=chunk, **{claimed_flag: False}),
                    {claimed_flag: True},
                    skip_locked=False,
                )
            batches += record_due(ids, f"{kind}_breach", now=now)
        total += len(ids)
    return total


def sweep_warnings(*, now: datetime, batches: list[int]) -> int:
    """Claim the warnings whose moment has passed; a deadline already passed gets no warning."""
    total = 0
    for kind in WARNED_KINDS:
        warn_field = f"{kind}_warn_at"
        with transaction.atomic():
            ids = claim(
                TicketClock.objects.filter(**{f"{warn_field}__lte": now, "paused": False}),
                {warn_field: None},
                skip_locked=False,
            )
            still_due = Q(
                **{f"{kind}_due__gt": now, f"{DONE_FIELD[kind]}__isnull": True, f"{kind}_warned": False},
                status__in=OPEN_STATUSES,
                sla_paused_at__isnull=True,
            )
            warn: list[int] = []
            for chunk in chunks(ids):
                warn += Ticket.objects.filter(still_due, pk__in=chunk).values_list("pk", flat=True)
            batches += record_due(warn, f"{kind}_warning", now=now)
        total += len(warn)
    return total


def sweep_auto_close(*, now: datetime) -> int:
    """Close resolved tickets whose confirmation window ran out (a client objection cleared it)."""
    due = Q(auto_close_at__lte=now, status=Status.RESOLVED)
    closed = 0
    for pk in Ticket.objects.filter(due).order_by("auto_close_at").values_list("pk", flat=True)[:CLOSE_BATCH]:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(skip_locked=True).filter(due, pk=pk).first()
            if ticket is None:  # another pass has it, or the client objected meanwhile
                continue
            ticket_services.ticket_set_status(
                ticket=ticket,
                status=Status.CLOSED,
                reason=_("Автоматически: клиент не ответил на решение в установленный срок"),
            )
        closed += 1
    return closed


def sweep_stale_close(*, now: datetime) -> int:
    """Close tickets that waited for the client too long, telling the client why."""
    due = Q(stale_close_at__lte=now, status=Status.WAITING)
    closed = 0
    for pk in (
        Ticket.objects.filter(due).order_by("stale_close_at").values_list("pk", flat=True)[:CLOSE_BATCH]
    ):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(skip_locked=True).filter(due, pk=pk).first()
            if ticket is None:
                continue
            ticket_services.ticket_reply(
                ticket=ticket,
                body_text=stale_close_message(ticket),
                source="system",
            )
            ticket_services.ticket_set_status(
                ticket=ticket,
                status=Status.CLOSED,
                reason=_("Автоматически: нет ответа клиента, заявка неактуальна"),
            )
        closed += 1
    return closed


def stale_close_message(ticket: Ticket) -> str:
    return _(
        "Здравствуйте!\n\nМы не получили от вас ответа на наш вопрос или предложенное решение, поэтому "
        "закрываем заявку %(number)s как неактуальную. Если вопрос остался, просто ответьте на это письмо."
    ) % {"number": ticket.display_number}
