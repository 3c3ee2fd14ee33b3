"""The one pipeline every source hands raw bytes to: store → parse → route → screen → thread → apply.

``receive`` stores the raw bytes first (one INSERT; a batch is one bulk INSERT) and only then does the
source acknowledge (IMAP flag, webhook 200, pipe exit 0). ``process`` runs the stages; a typed error
becomes a stored outcome with its stage and reason (quarantine), so nothing is dropped and one bad
message never blocks the rest. Database outages are the one thing re-raised: they are temporary.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from helpdesk import metrics
from helpdesk.log_context import add_to_context, log_context
from mailgate import apply, routing, screening, thread_matching
from mailgate.apply import Outcome
from mailgate.models import InboundMessage, InboundStatus, Mailbox, Source
from mailgate.parsing import ParsedEmail, ParseError, parse_email
from mailgate.routing import Route, RoutingError
from tickets.models import Message
from tickets.services import TicketError, covered_by_caller_savepoint
from tickets.services.mail import contact_get_or_create_for_email
from tickets.statuses import InvalidTransition

logger = logging.getLogger(__name__)

TEMPORARY_ERRORS = (OperationalError, InterfaceError)


@dataclass
class Incoming:
    raw: bytes
    envelope_recipient: str = ""


@dataclass
class _Peek:
    parsed: ParsedEmail | None
    route: Route | None


def _peek(raw: bytes, envelope_recipient: str, mailbox: Mailbox | None = None) -> _Peek:
    try:
        parsed: ParsedEmail | None = parse_email(raw, max_bytes=screening.max_message_bytes())
    except ParseError:
        parsed = None
    try:
        found: Route | None = routing.route(parsed, envelope_recipient=envelope_recipient, mailbox=mailbox)
    except RoutingError:
        found = None
    return _Peek(parsed, found)


def dedupe_key(raw: bytes, parsed: ParsedEmail | None) -> str:
    if parsed is not None and parsed.message_id:
        mid = parsed.message_id
        return mid if len(mid) <= 240 else "mid-sha256:" + hashlib.sha256(mid.encode()).hexdigest()
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def _new_row(
    raw: bytes, *, source: str, envelope_recipient: str, peek: _Peek, mailbox: Mailbox | None
) -> InboundMessage:
    parsed, found = peek.parsed, peek.route
    return InboundMessage(
        tenant=found.tenant if found else (mailbox.tenant if mailbox else None),
        mailbox=found.mailbox if found else mailbox,
        source=source,
        envelope_recipient=envelope_recipient[:320],
        raw=raw,
        size=len(raw),
        message_id=parsed.message_id if parsed else "",
        dedupe_key=dedupe_key(raw, parsed) if found else None,
        sender=(parsed.from_email[:320] if parsed else ""),
        subject=(parsed.subject[:300] if parsed else ""),
        is_automatic=bool(parsed and screening.automatic_kind(parsed)),
        shape=screening.body_shape(parsed) if parsed else "",
        received_at=timezone.now(),
    )


def _mark_duplicate(row: InboundMessage) -> None:
    row.dedupe_key = None
    row.status = InboundStatus.IGNORED
    row.stage = "screen"
    row.reason = "duplicate"
    row.processed_at = timezone.now()


def _insert(row: InboundMessage) -> None:
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        # The same Message-ID already arrived for this tenant (MTA retry, second mailbox, webhook resend).
        row.pk = None
        _mark_duplicate(row)
        row.save(force_insert=True)
        metrics.count_inbound([(row.status, row.source)])


def receive(
    raw: bytes, *, source: str, envelope_recipient: str = "", mailbox: Mailbox | None = None
) -> tuple[InboundMessage, ParsedEmail | None]:
    """Store one message. Returns the stored row and the parse to hand to ``process``."""
    peek = _peek(raw, envelope_recipient, mailbox)
    row = _new_row(raw, source=source, envelope_recipient=envelope_recipient, peek=peek, mailbox=mailbox)
    _insert(row)
    return row, peek.parsed


def receive_many(
    items: Iterable[Incoming], *, source: str, mailbox: Mailbox | None = None
) -> list[tuple[InboundMessage, ParsedEmail | None]]:
    """Store a batch in one INSERT (IMAP fetches, the benchmark); duplicates found in one query."""
    rows: list[tuple[InboundMessage, ParsedEmail | None]] = []
    for item in items:
        peek = _peek(item.raw, item.envelope_recipient, mailbox)
        row = _new_row(
            item.raw, source=source, envelope_recipient=item.envelope_recipient, peek=peek, mailbox=mailbox
        )
        rows.append((row, peek.parsed))
    keyed = [row for row, _ in rows if row.dedupe_key]
    taken = (
        set(
            InboundMessage.objects.filter(
                tenant_id__in={r.tenant_id for r in keyed}, dedupe_key__in=[r.dedupe_key for r in keyed]
            ).values_list("tenant_id", "dedupe_key")
        )
        if keyed
        else set()
    )
    for row in keyed:
        if (row.tenant_id, row.dedupe_key) in taken:
            _mark_duplicate(row)
        else:
            taken.add((row.tenant_id, row.dedupe_key))
    try:
        with transaction.atomic():
            InboundMessage.objects.bulk_create([row for row, _ in rows])
        metrics.count_inbound(
            (row.status, row.source) for row, _ in rows if row.status != InboundStatus.RECEIVED
        )
    except IntegrityError:
        for row, _ in rows:  # a concurrent copy won a key between our check and insert: go one by one
            row.pk = None
            _insert(row)
    return rows


# --- processing ----------------------------------------------------------------------------------
def _quarantine(stage: str, reason: str) -> Outcome:
    return Outcome(InboundStatus.QUARANTINED, reason[:500], stage)


def _decide(
    row: InboundMessage, parsed: ParsedEmail, route: Route, contacts: routing.ContactCache | None = None
) -> Outcome:
    tenant = route.tenant
    if routing.is_own_address(parsed.from_email):
        # Our own notification coming back (a forward rule, a misconfigured alias): answering it loops.
        return Outcome(InboundStatus.IGNORED, "sent from our own mailbox", "screen")
    screened = screening.screen(parsed)
    kind = screened.kind
    if kind is not None and not (
        kind == screening.AUTO_REPLY and screening.automatic_mail_is_work(route.queue)
    ):
        if screening.over_loop_cap(tenant=tenant, sender=parsed.from_email):
            return Outcome(InboundStatus.IGNORED, f"{kind} loop cap reached", "screen")
        ticket = thread_matching.find_ticket(tenant=tenant, parsed=parsed, with_embedded=kind == "bounce")
        if ticket is None:
            return Outcome(InboundStatus.IGNORED, kind, "screen")
        return apply.record_automatic(ticket=ticket, parsed=parsed, kind=kind, inbound_id=row.pk)
    if not parsed.from_email:
        return _quarantine("screen", "no sender address")
    acknowledge = not screened.no_auto_reply and kind is None

    contact = routing.find_contact(tenant=tenant, email=parsed.from_email, cache=contacts)
    if contact is None:
        if not tenant.accept_unknown_senders:
            if acknowledge:
                _queue_unregistered_reply(row.pk)
            return Outcome(InboundStatus.IGNORED, "unregistered sender", "screen")
        contact, _ = contact_get_or_create_for_email(
            tenant=tenant, email=parsed.from_email, full_name=parsed.from_name
        )
        if contacts is not None:
            contacts.remember(contact)
    verdict = screening.screen_attachments(tenant, parsed.attachments)
    ticket = thread_matching.find_ticket(tenant=tenant, parsed=parsed)
    joins = ticket is not None and thread_matching.is_participant(
        ticket=ticket, email=parsed.from_email, contact=contact
    )
    if not joins and screening.burst_loop(row=row):
        # Only a new ticket's acknowledgement can feed a loop, so only new tickets pay for the check.
        _queue_loop_notice(row.pk)
        return _quarantine("screen", "loop: the same text from this sender again and again")
    if not joins:
        # A stranger naming a ticket number is never appended: their own ticket, linked for the agent.
        return apply.create_ticket(
            route=route,
            parsed=parsed,
            contact=contact,
            accepted=verdict.accepted,
            refusals=verdict.refusals,
            link_to=ticket,
            acknowledge=acknowledge,
        )
    assert ticket is not None
    return apply.append_reply(
        route=route,
        parsed=parsed,
        contact=contact,
        ticket=ticket,
        accepted=verdict.accepted,
        refusals=verdict.refusals,
        acknowledge=acknowledge,
    )


def _queue_loop_notice(inbound_id: int) -> None:
    from mailgate import tasks

    transaction.on_commit(lambda: tasks.enqueue(tasks.send_loop_notice, inbound_id))


def _queue_unregistered_reply(inbound_id: int) -> None:
    from mailgate import tasks

    transaction.on_commit(lambda: tasks.enqueue(tasks.send_unregistered_reply, inbound_id))


def _polled_mailbox(row: InboundMessage) -> Mailbox | None:
    """For IMAP mail the box it was read from stands in for the missing envelope."""
    return row.mailbox if row.source == Source.IMAP and row.mailbox_id else None


def _run_stages(
    row: InboundMessage, parsed: ParsedEmail | None, contacts: routing.ContactCache | None = None
) -> tuple[Outcome, Route | None]:
    """The stages for one message, its id (then tenant and ticket) on every log line they write."""
    with log_context(inbound_id=row.pk):
        outcome, found = _stages(row, parsed, contacts)
        add_to_context(ticket=outcome.ticket_number)
        logger.info(
            "mailgate: inbound %s %s %s", row.pk, outcome.status, outcome.ticket_number or outcome.reason
        )
    return outcome, found


def _stages(
    row: InboundMessage, parsed: ParsedEmail | None, contacts: routing.ContactCache | None
) -> tuple[Outcome, Route | None]:
    stage = "parse"
    found: Route | None = None
    try:
        if parsed is None:
            parsed = parse_email(bytes(row.raw), max_bytes=screening.max_message_bytes())
        stage = "route"
        found = routing.route(parsed, envelope_recipient=row.envelope_recipient, mailbox=_polled_mailbox(row))
        add_to_context(tenant=found.tenant.slug)
        stage = "screen"
        # One message's writes stand or fall together; its notifications wait for the commit. This
        # savepoint is the only one a new ticket needs: errors leave the block, so it rolls back all.
        with transaction.atomic(), covered_by_caller_savepoint():
            return _decide(row, parsed, found, contacts), found
    except ParseError as exc:
        return _quarantine(stage, str(exc)), found
    except RoutingError as exc:
        return _quarantine(stage, str(exc)), found
    except (TicketError, InvalidTransition) as exc:
        return _quarantine("apply", str(exc)), found
    except TEMPORARY_ERRORS:
        raise
    except Exception as exc:  # noqa: BLE001 - a bug on one message must not block the mailbox
        logger.exception("mailgate: message %s failed at %s", row.pk, stage)
        return _quarantine(stage, f"{type(exc).__name__}: {exc}"), found


OUTCOME_FIELDS = [
    "status",
    "stage",
    "reason",
    "ticket",
    "ticket_number",
    "processed_at",
    "attempts",
    "tenant",
    "mailbox",
]


def _record(row: InboundMessage, outcome: Outcome, found: Route | None) -> None:
    row.status = outcome.status
    row.stage = outcome.stage
    row.reason = outcome.reason
    row.ticket = outcome.ticket
    row.ticket_number = outcome.ticket_number
    row.processed_at = timezone.now()
    row.attempts += 1
    if found is not None:
        row.tenant, row.mailbox = found.tenant, found.mailbox


def _save(row: InboundMessage, outcome: Outcome, found: Route | None) -> None:
    _record(row, outcome, found)
    row.save(update_fields=OUTCOME_FIELDS)
    metrics.count_inbound([(row.status, row.source)])


def _write_outcomes(rows: list[InboundMessage]) -> None:
    """One UPDATE for a batch's outcomes. On PostgreSQL an ``UPDATE … FROM (VALUES …)``: Django's
    ``bulk_update`` builds a CASE expression per field and row, which cost more CPU than the rest of
    the batch's bookkeeping together."""
    if connection.vendor != "postgresql":
        InboundMessage.objects.bulk_update(rows, OUTCOME_FIELDS)
        return
    fields = [InboundMessage._meta.get_field(name) for name in ["id", *OUTCOME_FIELDS]]
    quote = connection.ops.quote_name
    row_sql = "(" + ", ".join(f"%s::{field.db_type(connection)}" for field in fields) + ")"
    columns = ", ".join(quote(field.column) for field in fields)
    assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields[1:])
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows for field in fields
    ]
    table = quote(InboundMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS m SET {assignments} "  # noqa: S608 - identifiers are the model's own
            f"FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v({columns}) WHERE m.id = v.id",
            params,
        )


def process(row: InboundMessage, parsed: ParsedEmail | None = None) -> InboundMessage:
    """Run the stages on a stored message (first pass). Already-decided rows are left alone."""
    if row.status != InboundStatus.RECEIVED:
        return row
    outcome, found = _run_stages(row, parsed)
    _save(row, outcome, found)
    return row


def process_batch(stored: list[tuple[InboundMessage, ParsedEmail | None]]) -> None:
    """Process a stored batch in one transaction: one commit (one fsync) for the batch, senders
    looked up in one query, outcomes written in one UPDATE. Each message still runs in its own
    savepoint, so a failing one is quarantined without touching the others. If the database goes
    away mid-batch, everything rolls back to "received" and the sweep runs it again."""
    pending = [(row, parsed) for row, parsed in stored if row.status == InboundStatus.RECEIVED]
    if not pending:
        return
    contacts = routing.ContactCache(
        (row.tenant_id, parsed.from_email) for row, parsed in pending if parsed is not None and row.tenant_id
    )
    try:
        with transaction.atomic():
            for row, parsed in pending:
                outcome, found = _run_stages(row, parsed, contacts)
                _record(row, outcome, found)
            _write_outcomes([row for row, _ in pending])
    except TEMPORARY_ERRORS:
        for row, _ in pending:  # rolled back: in memory too, so callers do not report outcomes
            row.status = InboundStatus.RECEIVED
        raise
    metrics.count_inbound((row.status, row.source) for row, _ in pending)


def handle(
    raw: bytes, *, source: str, envelope_recipient: str = "", mailbox: Mailbox | None = None
) -> InboundMessage:
    row, parsed = receive(raw, source=source, envelope_recipient=envelope_recipient, mailbox=mailbox)
    return process(row, parsed)


def reprocess(row: InboundMessage) -> InboundMessage:
    """Run a quarantined (or stuck) message again, e.g. after an admin added the missing mailbox.

    A previous attempt may have created the ticket and died before recording it: adopt that ticket
    instead of opening a second one.
    """
    if row.status not in (InboundStatus.QUARANTINED, InboundStatus.RECEIVED):
        return row
    try:
        parsed = parse_email(bytes(row.raw), max_bytes=screening.max_message_bytes())
        found = routing.route(parsed, envelope_recipient=row.envelope_recipient, mailbox=_polled_mailbox(row))
    except (ParseError, RoutingError):
        parsed, found = None, None
    if parsed is not None and found is not None:
        key = dedupe_key(bytes(row.raw), parsed)
        if InboundMessage.objects.filter(tenant=found.tenant, dedupe_key=key).exclude(pk=row.pk).exists():
            _save(row, Outcome(InboundStatus.IGNORED, "duplicate", "screen"), found)
            return row
        if parsed.message_id:
            earlier = (
                Message.objects.for_tenant(found.tenant)
                .filter(message_id=parsed.message_id)
                .select_related("ticket__tenant")
                .first()
            )
            if earlier is not None:
                first = (
                    Message.objects.filter(ticket_id=earlier.ticket_id).order_by("created_at", "pk").first()
                )
                status = InboundStatus.CREATED if first == earlier else InboundStatus.APPENDED
                _save(row, Outcome(status, "recovered", "apply", earlier.ticket), found)
                return row
        if row.dedupe_key != key:
            row.tenant, row.dedupe_key = found.tenant, key
            try:
                with transaction.atomic():
                    row.save(update_fields=["tenant", "dedupe_key"])
            except IntegrityError:
                row.dedupe_key = None
                _save(row, Outcome(InboundStatus.IGNORED, "duplicate", "screen"), found)
                return row
    row.status = InboundStatus.RECEIVED
    outcome, found = _run_stages(row, parsed)
    _save(row, outcome, found)
    return row


def reprocess_many(
    rows: Iterable[InboundMessage], progress: Callable[[int], None] | None = None
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for done, row in enumerate(rows, start=1):
        reprocess(row)
        counts[row.status] = counts.get(row.status, 0) + 1
        if progress is not None:
            progress(done)
    return counts
