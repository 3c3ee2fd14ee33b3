"""One beat pass: warnings, breaches, auto-close of resolved tickets, stale close of waiting ones.

Each sweep is a range scan over a stored moment (``Ticket.*_due``, ``TicketClock.*_warn_at``,
``Ticket.auto_close_at``, ``Ticket.stale_close_at``) through a partial index that holds only the rows
still pending, never a loop over open tickets computing deadlines. Each item is claimed atomically (rows
locked with ``SKIP LOCKED`` and their flag flipped in the same transaction), so two passes at the same
moment, or a retried one, act on every item exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sla.alerts import DueTicket, queue_alert_emails, store_alerts
from sla.clocks import DONE_FIELD, KINDS, WARNED_KINDS
from sla.models import TicketClock
from tickets import services as ticket_services
from tickets.models import Ticket
from tickets.statuses import OPEN_STATUSES, Status

logger = logging.getLogger(__name__)

CHUNK = 5000
CLOSE_BATCH = 1000


def run_tick(*, now: datetime) -> dict[str, int]:
    """One pass of every beat job as of ``now``; returns counts of what it did."""
    counts = {
        "warned": sweep_warnings(now=now),
        "breached": sweep_breaches(now=now),
        "auto_closed": sweep_auto_close(now=now),
        "stale_closed": sweep_stale_close(now=now),
    }
    if counts["warned"] or counts["breached"]:
        # One mailer task per pass, after the alert rows are committed; it claims rows itself, so a
        # lost or duplicated task only delays or repeats a no-op, never a message.
        queue_alert_emails()
    return counts


def _chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def sweep_breaches(*, now: datetime) -> int:
    total = 0
    for kind in KINDS:
        due_field, flag = f"{kind}_due", f"{kind}_breached"
        # The filter matches the partial index ticket_<kind>_pending; status excludes closed tickets
        # that never got the clock's event (closed straight from "new").
        pending = Q(**{f"{due_field}__lte": now, f"{DONE_FIELD[kind]}__isnull": True, flag: False}) & Q(
            sla_paused_at__isnull=True, status__in=OPEN_STATUSES
        )
        with transaction.atomic():
            rows = list(
                Ticket.objects.filter(pending)
                .select_for_update(skip_locked=True)
                .values_list("pk", "tenant_id", "assignee_id", "queue_id", due_field)
            )
            if not rows:
                continue
            for chunk in _chunks([row[0] for row in rows]):
                Ticket.objects.filter(pk__in=chunk).update(**{flag: True})
            store_alerts([DueTicket(*row) for row in rows], f"{kind}_breach", now=now)
        total += len(rows)
    return total


def sweep_warnings(*, now: datetime) -> int:
    total = 0
    for kind in WARNED_KINDS:
        warn_field, due_field = f"{kind}_warn_at", f"{kind}_due"
        with transaction.atomic():
            ids = list(
                TicketClock.objects.filter(**{f"{warn_field}__lte": now, "paused": False})
                .select_for_update(skip_locked=True)
                .values_list("ticket_id", flat=True)
            )
            if not ids:
                continue
            rows = []
            for chunk in _chunks(ids):
                TicketClock.objects.filter(pk__in=chunk).update(**{warn_field: None})
                # A ticket whose deadline already passed gets the breach alert instead.
                rows += Ticket.objects.filter(
                    Q(pk__in=chunk, status__in=OPEN_STATUSES, sla_paused_at__isnull=True)
                    & Q(
                        **{
                            f"{due_field}__gt": now,
                            f"{DONE_FIELD[kind]}__isnull": True,
                            f"{kind}_warned": False,
                        }
                    )
                ).values_list("pk", "tenant_id", "assignee_id", "queue_id", due_field)
            for chunk in _chunks([row[0] for row in rows]):
                Ticket.objects.filter(pk__in=chunk).update(**{f"{kind}_warned": True})
            store_alerts([DueTicket(*row) for row in rows], f"{kind}_warning", now=now)
        total += len(rows)
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
