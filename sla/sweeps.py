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

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from sla.alerts import queue_delivery, record_due
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


def _chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _pending_breach(kind: str, now: datetime) -> Q:
    # Matches the partial index ticket_<kind>_pending; the status excludes closed tickets whose clock
    # was never stopped by an event (closed straight from "new").
    return Q(
        **{f"{kind}_due__lte": now, f"{DONE_FIELD[kind]}__isnull": True, f"{kind}_breached": False},
        sla_paused_at__isnull=True,
        status__in=OPEN_STATUSES,
    )


def _claim(queryset: QuerySet[Any], flag_updates: dict[str, Any]) -> list[int]:
    """Lock the matching rows (skipping rows another pass holds), flip their flags, return their ids.

    On PostgreSQL one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING id``; elsewhere
    (SQLite takes the write lock for the whole transaction anyway) a select and a chunked update.
    """
    model = queryset.model
    if connection.vendor == "postgresql":
        select_sql, params = queryset.select_for_update(skip_locked=True).values("pk").query.sql_with_params()
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        assignments = ", ".join(
            f"{connection.ops.quote_name(model._meta.get_field(f).column)} = %s" for f in flag_updates
        )
        with connection.cursor() as cursor:
            cursor.execute(
                # "= ANY(ARRAY(…))" makes the locked ids an init-plan array probed through the primary key;
                # "IN (…)" lets the planner pick a hash join over a sequential scan of the whole table.
                f"UPDATE {table} SET {assignments} WHERE {pk} = ANY(ARRAY({select_sql})) RETURNING {pk}",  # noqa: S608
                [*flag_updates.values(), *params],
            )
            return [row[0] for row in cursor.fetchall()]
    ids = list(queryset.select_for_update(skip_locked=True).values_list("pk", flat=True))
    for chunk in _chunks(ids):
        model.objects.filter(pk__in=chunk).update(**flag_updates)
    return ids


def sweep_breaches(*, now: datetime, batches: list[int]) -> int:
    """Flag every deadline passed as of ``now`` and queue its alerts; returns how many."""
    total = 0
    for kind in KINDS:
        with transaction.atomic():
            ids = _claim(Ticket.objects.filter(_pending_breach(kind, now)), {f"{kind}_breached": True})
            batches += record_due(ids, f"{kind}_breach", now=now)
        total += len(ids)
    return total


def sweep_warnings(*, now: datetime, batches: list[int]) -> int:
    """Warn about deadlines whose warning share has passed; a deadline already passed gets no warning."""
    total = 0
    for kind in WARNED_KINDS:
        warn_field = f"{kind}_warn_at"
        with transaction.atomic():
            ids = _claim(
                TicketClock.objects.filter(**{f"{warn_field}__lte": now, "paused": False}), {warn_field: None}
            )
            if not ids:
                continue
            still_due = Q(
                **{f"{kind}_due__gt": now, f"{DONE_FIELD[kind]}__isnull": True, f"{kind}_warned": False},
                status__in=OPEN_STATUSES,
                sla_paused_at__isnull=True,
            )
            warned: list[int] = []
            for chunk in _chunks(ids):
                warned += _claim(Ticket.objects.filter(still_due, pk__in=chunk), {f"{kind}_warned": True})
            batches += record_due(warned, f"{kind}_warning", now=now)
        total += len(warned)
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
