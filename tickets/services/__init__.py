"""Domain operations on tickets: the only place that writes tickets, messages and their history.

Views, Celery tasks and the mailgate all call these functions. Each is keyword-only and atomic,
locks the ticket row it changes, writes a ``TicketEvent`` and defers side effects (mail, tasks) to
``transaction.on_commit``.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import math
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Model, Q, signals
from django.db.models.expressions import RawSQL
from django.utils import timezone

from helpdesk.models import Tenant, User
from sla import clocks as sla_clocks
from sla.models import SLATier
from tickets import search_index
from tickets.models import (
    Attachment,
    AuthorKind,
    Category,
    Contact,
    LinkKind,
    Message,
    MessageKind,
    Organization,
    Priority,
    Queue,
    Ticket,
    TicketCounter,
    TicketEvent,
    TicketLink,
    TicketParticipant,
    TimeEntry,
)
from tickets.services.row_writes import insert_sql, insert_together
from tickets.statuses import ALLOWED_TRANSITIONS, InvalidTransition, Status, check_transition


class TicketError(Exception):
    """A domain rule refused the operation; the message is safe to show to the user."""


@dataclass(frozen=True)
class NewAttachment:
    """File content handed to a service; views, the mailgate and tests all build these."""

    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    is_inline: bool = False


# Side effects registered by other apps (mail notifications, SLA alerts). They run after commit.
# Each receives (event_name, ticket_id, extra) and must enqueue work, not do it inline.
_after_commit_listeners: list[Callable[[str, int, dict[str, Any]], None]] = []


def register_after_commit_listener(listener: Callable[[str, int, dict[str, Any]], None]) -> None:
    if listener not in _after_commit_listeners:
        _after_commit_listeners.append(listener)


def _after_commit(event_name: str, ticket_id: int, **extra: Any) -> None:
    def run() -> None:
        for listener in list(_after_commit_listeners):
            listener(event_name, ticket_id, extra)

    transaction.on_commit(run)


def _actor_label(actor: User | None, contact: Contact | None) -> str:
    if actor is not None:
        return actor.get_full_name()
    if contact is not None:
        return str(contact)
    return "Система"


def record_event(
    *,
    ticket: Ticket,
    action: str,
    actor: User | None = None,
    contact: Contact | None = None,
    field: str = "",
    old: object = "",
    new: object = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    return TicketEvent.objects.create(
        **_event_fields(
            ticket=ticket,
            action=action,
            actor=actor,
            contact=contact,
            field=field,
            old=old,
            new=new,
            reason=reason,
            data=data,
            at=at,
        )
    )


def _event_fields(
    *,
    ticket: Ticket,
    action: str,
    actor: User | None,
    contact: Contact | None,
    field: str,
    old: object,
    new: object,
    reason: str,
    data: dict[str, Any] | None,
    at: datetime | None,
) -> dict[str, Any]:
    return {
        "tenant_id": ticket.tenant_id,
        "ticket": ticket,
        "actor": actor,
        "actor_label": _actor_label(actor, contact),
        "action": action,
        "field": field,
        "old_value": "" if old is None else str(old)[:300],
        "new_value": "" if new is None else str(new)[:300],
        "reason": reason,
        "data": data or {},
        "created_at": at or timezone.now(),
    }


def _allocate_number(tenant: Tenant) -> int:
    """The tenant's next ticket number, in one statement.

    The upsert takes the counter row's lock until the surrounding transaction ends (like
    ``select_for_update``), so concurrent creations queue on it: no duplicates, and a rolled-back
    creation rolls its increment back too, so no gaps. Works on PostgreSQL and SQLite ≥ 3.35.
    """
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, last_number) VALUES (%s, 1) "  # noqa: S608 - table name is ours
            f"ON CONFLICT (tenant_id) DO UPDATE SET last_number = {table}.last_number + 1 "
            "RETURNING last_number",
            [tenant.pk],
        )
        return int(cursor.fetchone()[0])


def _insert_numbered(ticket: Ticket) -> None:
    """Allocate the ticket's number and INSERT it. On PostgreSQL in one statement: the counter upsert
    (same locking as ``_allocate_number``) as a data-modifying CTE the ticket's INSERT reads from."""
    if connection.vendor != "postgresql" or (
        signals.pre_save.has_listeners(Ticket) or signals.post_save.has_listeners(Ticket)
    ):
        ticket.number = _allocate_number(ticket.tenant)
        ticket.save(force_insert=True)
        return
    table = connection.ops.quote_name(TicketCounter._meta.db_table)
    ticket.number = RawSQL("SELECT last_number FROM _number", ())
    returning = [*Ticket._meta.db_returning_fields, Ticket._meta.get_field("number")]
    sql, params = insert_sql(ticket, returning=returning)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH _number AS (INSERT INTO {table} (tenant_id, last_number) VALUES (%s, 1) "  # noqa: S608
            f"ON CONFLICT (tenant_id) DO UPDATE SET last_number = {table}.last_number + 1 "
            f"RETURNING last_number) {sql}",
            [ticket.tenant_id, *params],
        )
        returned = cursor.fetchone()
    for value, field in zip(returned, returning, strict=True):
        setattr(ticket, field.attname, value)
    ticket._state.adding = False
    ticket._state.db = connection.alias


def default_tier_for(*, tenant: Tenant, organization: Organization | None) -> SLATier | None:
    if organization is not None and organization.sla_tier_id is not None:
        return organization.sla_tier
    return SLATier.objects.for_tenant(tenant).filter(is_default=True).first()


def _default_tier_id(*, tenant: Tenant, organization: Organization | None) -> int | None:
    """``default_tier_for`` by pk: the organisation's tier, else the tenant's default (cached)."""
    if organization is not None and organization.sla_tier_id is not None:
        return organization.sla_tier_id
    return sla_clocks.default_tier_id(tenant.pk)


def _resolve_priority(*, priority: int | None, category: Category | None, queue: Queue | None) -> int:
    if category is not None and category.default_priority:
        return category.default_priority
    if priority:
        return int(priority)
    if queue is not None:
        return queue.default_priority
    return Priority.NORMAL


def _check_same_tenant(tenant: Tenant, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.tenant_id != tenant.pk:
            raise TicketError(f"{type(obj).__name__} {obj.pk} belongs to another tenant.")


def _store_attachments(
    *, ticket: Ticket, message: Message | None, files: Iterable[NewAttachment]
) -> list[Attachment]:
    stored = []
    for item in files:
        attachment = Attachment(
            tenant_id=ticket.tenant_id,
            ticket=ticket,
            message=message,
            filename=item.filename[:255] or "attachment",
            content_type=item.content_type[:255],
            size=len(item.content),
            sha256=hashlib.sha256(item.content).hexdigest(),
            is_inline=item.is_inline,
        )
        attachment.file.save(item.filename or "attachment", ContentFile(item.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


_Written = TypeVar("_Written")

# True while the caller's own savepoint covers a ``ticket_create`` or ``ticket_reply`` (see ``covered_by_caller_savepoint``).
_caller_savepoint: contextvars.ContextVar[bool] = contextvars.ContextVar("caller_savepoint", default=False)


@contextmanager
def covered_by_caller_savepoint() -> Iterator[None]:
    """Inside this block ``ticket_create`` and ``ticket_reply`` run without a savepoint of their own.

    Only for callers that wrap the call in their own ``transaction.atomic()`` and let any error from it
    propagate out of that block (the mailgate's per-message savepoint): the caller's savepoint then
    rolls back exactly what the inner one would have, and the SAVEPOINT/RELEASE round trips are saved.
    A caller that catches the error and keeps writing in the same block must not use this.
    """
    token = _caller_savepoint.set(True)
    try:
        yield
    finally:
        _caller_savepoint.reset(token)


def _atomic_unless_covered(fn: Callable[..., _Written]) -> Callable[..., _Written]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> _Written:
        with transaction.atomic(savepoint=not _caller_savepoint.get()):
            return fn(*args, **kwargs)

    return wrapper


@_atomic_unless_covered
def ticket_create(
    *,
    tenant: Tenant,
    subject: str,
    body_text: str,
    requester: Contact | None = None,
    actor: User | None = None,
    body_html: str = "",
    organization: Organization | None = None,
    queue: Queue | None = None,
    category: Category | None = None,
    priority: int | None = None,
    channel: str = "portal",
    custom_fields: dict[str, Any] | None = None,
    message_id: str = "",
    attachments: Sequence[NewAttachment] = (),
    participants: Iterable[str] = (),
    created_at: datetime | None = None,
    acknowledge: bool = True,
    quoted_text: str = "",
) -> Ticket:
    """Open a ticket with its first message. ``actor`` is the agent for phone intake, else None.
    ``acknowledge=False``: listeners send no acknowledgement (list mail, monitoring alerts)."""
    if not subject.strip():
        raise TicketError("A ticket needs a subject.")
    organization = organization or (requester.organization if requester else None)
    _check_same_tenant(tenant, requester, organization, queue, category)
    if queue is None:
        queue = Queue.objects.for_tenant(tenant).filter(is_default=True).first()
    now = created_at or timezone.now()
    ticket = Ticket(
        tenant=tenant,
        subject=subject.strip()[:300],
        requester=requester,
        organization=organization,
        queue=queue,
        category=category,
        priority=_resolve_priority(priority=priority, category=category, queue=queue),
        status=Status.NEW,
        sla_tier_id=_default_tier_id(tenant=tenant, organization=organization),
        channel=channel,
        custom_fields=custom_fields or {},
        created_at=now,
        # A ticket an agent registers himself (phone intake) is acknowledged at once.
        ack_at=now if actor is not None else None,
    )
    # The SLA due moments are computed before the INSERT, so the ticket is written once; the number is
    # allocated last, keeping the counter row locked for as short a time as the transaction allows.
    clock = sla_clocks.clock_plan(ticket=ticket, at=now)
    _insert_numbered(ticket)
    if clock is not None:
        clock.ticket = ticket
    message = Message(
        tenant=tenant,
        ticket=ticket,
        kind=MessageKind.PUBLIC,
        author_kind=AuthorKind.AGENT if actor and requester is None else AuthorKind.CONTACT,
        author_user=actor if requester is None else None,
        author_contact=requester,
        body_text=body_text,
        quoted_text=quoted_text,
        body_html=body_html,
        message_id=message_id,
        source=channel,
        created_at=now,
    )
    event = TicketEvent(
        **_event_fields(
            ticket=ticket,
            action="created",
            actor=actor,
            contact=requester if actor is None else None,
            field="",
            old="",
            new="",
            reason="",
            data={"channel": channel, "priority": ticket.priority, "queue": queue.name if queue else None},
            at=now,
        )
    )
    # The clock, the "created" event and the first message in one round trip (the message's pk last).
    insert_together([row for row in (clock, event, message) if row is not None])
    search_index.index_new_ticket(ticket, message)
    _store_attachments(ticket=ticket, message=message, files=attachments)
    _add_new_ticket_participants(ticket=ticket, emails=participants)
    quiet = {} if acknowledge else {"acknowledge": False}
    _after_commit("ticket_created", ticket.pk, message_id=message.pk, **quiet)
    return ticket


def _add_new_ticket_participants(*, ticket: Ticket, emails: Iterable[str]) -> None:
    """The copied addresses of a ticket being created: one query for their contacts, one INSERT.

    The same rows as ``ticket_add_participant`` per address, without its SELECT and savepoint per
    address: a ticket created in this transaction has no participants yet, and duplicates are dropped
    here (``ignore_conflicts`` only guards the unique constraint).
    """
    requester_email = ticket.requester.email.lower() if ticket.requester_id else None
    wanted = list(dict.fromkeys(e.strip().lower() for e in emails))
    wanted = [email for email in wanted if email and email != requester_email]
    if not wanted:
        return
    if signals.pre_save.has_listeners(TicketParticipant) or signals.post_save.has_listeners(
        TicketParticipant
    ):
        for email in wanted:  # bulk_create sends no save signals; a receiver must still see each row
            ticket_add_participant(ticket=ticket, email=email)
        return
    matches = Q()
    for email in wanted:
        matches |= Q(email__iexact=email)
    contact_ids: dict[str, int] = {}
    # In the model's ordering, so an address matching two contacts gets the one ``.first()`` would give.
    for contact_id, contact_email in (
        Contact.objects.for_tenant(ticket.tenant_id).filter(matches).values_list("pk", "email")
    ):
        contact_ids.setdefault(contact_email.lower(), contact_id)
    TicketParticipant.objects.bulk_create(
        [
            TicketParticipant(
                tenant_id=ticket.tenant_id, ticket=ticket, email=email, contact_id=contact_ids.get(email)
            )
            for email in wanted
        ],
        ignore_conflicts=True,
    )


def ticket_add_participant(*, ticket: Ticket, email: str) -> TicketParticipant | None:
    email = email.strip().lower()
    if not email or (ticket.requester_id and ticket.requester.email.lower() == email):
        return None
    contact = Contact.objects.for_tenant(ticket.tenant_id).filter(email__iexact=email).first()
    participant, _ = TicketParticipant.objects.get_or_create(
        ticket=ticket, email=email, defaults={"tenant_id": ticket.tenant_id, "contact": contact}
    )
    return participant


def round_minutes(minutes: int, minimum_unit: int) -> int:
    """Book time in whole units of the tenant's minimum (SaveIT: 10 min of work → 30)."""
    if minutes <= 0:
        return 0
    if minimum_unit <= 0:
        return minutes
    return math.ceil(minutes / minimum_unit) * minimum_unit


# The ticket lock's ``SELECT … FOR UPDATE`` text per connection object: compiled once, then only executed.
_LOCK_MARK = 1_987_654_303
_lock_sql: weakref.WeakKeyDictionary[Any, tuple[str, Any, dict[int, Any]]] = weakref.WeakKeyDictionary()
_TICKET_ATTNAMES = [f.attname for f in Ticket._meta.concrete_fields]
_TICKET_FOREIGN_KEYS = [f for f in Ticket._meta.concrete_fields if f.is_relation]


def _lock(ticket: Ticket) -> Ticket:
    """Re-read the ticket's own columns under a row lock, so concurrent changes serialise instead of
    overwriting each other. The statement is compiled once per connection (Django compiling it on every
    call cost about twice its execution on the mail path); cached related objects whose key changed
    meanwhile are dropped, so ``ticket.assignee`` and the like never show a stale row.
    """
    db = transaction.get_connection()
    cached = _lock_sql.get(db)
    if cached is None:
        queryset = Ticket.objects.select_for_update().filter(pk=_LOCK_MARK).order_by()
        compiler = queryset.query.get_compiler(connection=db)
        sql, params = compiler.as_sql()
        if list(params) != [_LOCK_MARK]:
            raise RuntimeError(f"unexpected parameters in the reply's lock: {params!r}")
        cached = (sql, compiler, compiler.get_converters([column for column, _, _ in compiler.select]))
        _lock_sql[db] = cached
    sql, compiler, converters = cached
    with db.cursor() as cursor:
        cursor.execute(sql, [ticket.pk])
        row = cursor.fetchone()
    if row is None:
        raise Ticket.DoesNotExist("Ticket matching query does not exist.")
    if converters:
        row = next(iter(compiler.apply_converters([row], converters)))
    ticket.__dict__.update(zip(_TICKET_ATTNAMES, row, strict=True))
    cache = ticket._state.fields_cache
    for field in _TICKET_FOREIGN_KEYS:
        if field.name in cache and getattr(cache[field.name], "pk", None) != getattr(ticket, field.attname):
            del cache[field.name]
    return ticket


@_atomic_unless_covered
def ticket_reply(
    *,
    ticket: Ticket,
    body_text: str,
    actor: User | None = None,
    contact: Contact | None = None,
    internal: bool = False,
    body_html: str = "",
    message_id: str = "",
    source: str = "web",
    attachments: Sequence[NewAttachment] = (),
    minutes_spent: int | None = None,
    at: datetime | None = None,
    quoted_text: str = "",
) -> Message:
    """Add a public reply or an internal note from an agent (``actor``) or a client (``contact``).
    ``quoted_text``: the quoted history and signature the mailgate separated from ``body_text``."""
    if actor is not None and contact is not None:
        raise TicketError("A reply has one author: an agent or a client contact, not both.")
    if contact is not None and internal:
        raise TicketError("Clients cannot write internal notes.")
    if not body_text.strip() and not attachments:
        raise TicketError("The message is empty.")
    _check_same_tenant(ticket.tenant, contact)
    _lock(ticket)
    if ticket.status == Status.CLOSED and not internal:
        raise TicketError(f"Ticket {ticket.display_number} is closed.")
    now = at or timezone.now()
    author_kind = AuthorKind.AGENT if actor else (AuthorKind.CONTACT if contact else AuthorKind.SYSTEM)
    message = Message.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        kind=MessageKind.INTERNAL if internal else MessageKind.PUBLIC,
        author_kind=author_kind,
        author_user=actor,
        author_contact=contact,
        body_text=body_text,
        quoted_text=quoted_text,
        body_html=body_html,
        message_id=message_id,
        source=source,
        created_at=now,
    )
    search_index.index_new_messages([message])
    _store_attachments(ticket=ticket, message=message, files=attachments)
    record_event(
        ticket=ticket,
        action="note_added" if internal else "replied",
        actor=actor,
        contact=contact,
        data={"message": message.pk, "author": author_kind},
        at=now,
    )
    if minutes_spent and actor is not None:
        _book_time(ticket=ticket, actor=actor, minutes_spent=minutes_spent, message=message, at=now)
    if not internal:
        if actor is not None and ticket.first_response_at is None:
            ticket.first_response_at = now
            ticket.save(update_fields=["first_response_at", "updated_at"])
            sla_clocks.clock_first_response(ticket=ticket, at=now)
        _status_after_reply(ticket=ticket, actor=actor, contact=contact, at=now)
    _after_commit("message_added", ticket.pk, message_id=message.pk, internal=internal, author=author_kind)
    return message


def _status_after_reply(*, ticket: Ticket, actor: User | None, contact: Contact | None, at: datetime) -> None:
    if actor is not None and ticket.status == Status.NEW:
        _change_status(ticket=ticket, status=Status.OPEN, actor=actor, reason="", at=at)
    elif contact is not None and ticket.status in (Status.WAITING, Status.RESOLVED):
        reason = "Ответ клиента" if ticket.status == Status.WAITING else "Клиент ответил на решённую заявку"
        _change_status(ticket=ticket, status=Status.OPEN, contact=contact, reason=reason, at=at)


def _book_time(
    *, ticket: Ticket, actor: User, minutes_spent: int, message: Message | None, at: datetime
) -> TimeEntry:
    minutes = round_minutes(minutes_spent, ticket.tenant.time_accounting_minimum_minutes)
    entry = TimeEntry.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        message=message,
        user=actor,
        minutes_spent=minutes_spent,
        minutes=minutes,
        created_at=at,
    )
    record_event(
        ticket=ticket,
        action="time_booked",
        actor=actor,
        field="time",
        new=minutes,
        data={"spent": minutes_spent, "booked": minutes},
        at=at,
    )
    return entry


@transaction.atomic
def ticket_book_time(*, ticket: Ticket, actor: User, minutes_spent: int) -> TimeEntry:
    if minutes_spent <= 0:
        raise TicketError("Time spent must be a positive number of minutes.")
    _lock(ticket)
    return _book_time(
        ticket=ticket, actor=actor, minutes_spent=minutes_spent, message=None, at=timezone.now()
    )


def _change_status(
    *,
    ticket: Ticket,
    status: str,
    actor: User | None = None,
    contact: Contact | None = None,
    reason: str,
    at: datetime,
    allowed: frozenset[str] | None = None,
) -> None:
    old = ticket.status
    if allowed is None:
        check_transition(old, status)
    elif status not in allowed:
        raise InvalidTransition(old, status)
    ticket.status = status
    fields = ["status", "updated_at"]
    if status == Status.RESOLVED:
        ticket.resolved_at = at
        fields.append("resolved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = at
        fields.append("closed_at")
    elif old in (Status.RESOLVED, Status.CLOSED):
        ticket.resolved_at = None
        ticket.closed_at = None
        fields += ["resolved_at", "closed_at"]
    ticket.save(update_fields=fields)
    sla_clocks.clock_status_changed(ticket=ticket, old=old, new=status, at=at)
    record_event(
        ticket=ticket,
        action="status_changed",
        actor=actor,
        contact=contact,
        field="status",
        old=old,
        new=status,
        reason=reason,
        at=at,
    )
    _after_commit("status_changed", ticket.pk, old=old, new=status)


@transaction.atomic
def ticket_set_status(
    *,
    ticket: Ticket,
    status: str,
    actor: User | None = None,
    contact: Contact | None = None,
    reason: str = "",
) -> Ticket:
    """Move the ticket along the transition table; a refused move raises ``InvalidTransition``."""
    _lock(ticket)
    if ticket.status == status:
        return ticket
    _change_status(
        ticket=ticket, status=status, actor=actor, contact=contact, reason=reason, at=timezone.now()
    )
    return ticket


@transaction.atomic
def ticket_reopen(
    *, ticket: Ticket, reason: str, actor: User | None = None, contact: Contact | None = None
) -> Ticket:
    """A client objects to a solution, or a reply arrives within the tenant's reopen window.

    Unlike ``ticket_set_status`` this may leave "closed": the caller (portal or mailgate) has
    already applied the tenant's closed-reply policy.
    """
    _lock(ticket)
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise InvalidTransition(ticket.status, Status.OPEN)
    _change_status(
        ticket=ticket,
        status=Status.OPEN,
        actor=actor,
        contact=contact,
        reason=reason,
        at=timezone.now(),
        allowed=frozenset({Status.OPEN}),
    )
    return ticket


def _change_field(
    *, ticket: Ticket, field: str, value: Any, action: str, actor: User | None, reason: str
) -> tuple[bool, Any]:
    """Lock the ticket, set one field and record the change from what to what.

    Returns ``(False, None)`` when the ticket already has that value (nothing written), else
    ``(True, old_value)``.
    """
    _lock(ticket)
    attname = Ticket._meta.get_field(field).attname
    if getattr(ticket, attname) == (value.pk if isinstance(value, Model) else value):
        return False, None
    old = getattr(ticket, field)
    setattr(ticket, field, value)
    ticket.save(update_fields=[field, "updated_at"])
    record_event(
        ticket=ticket,
        action=action,
        actor=actor,
        field=field,
        old="" if old is None else old,
        new="" if value is None else value,
        reason=reason,
    )
    return True, old


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, assignee: User | None, actor: User | None = None, reason: str = ""
) -> Ticket:
    from helpdesk.tenancy import is_agent

    if assignee is not None and not is_agent(assignee, ticket.tenant):
        raise TicketError(f"{assignee} is not a member of {ticket.tenant}.")
    changed, _ = _change_field(
        ticket=ticket, field="assignee", value=assignee, action="assigned", actor=actor, reason=reason
    )
    if not changed:
        return ticket
    if assignee is not None:
        sla_clocks.clock_acknowledge(ticket=ticket, at=timezone.now())
    _after_commit("assigned", ticket.pk, assignee_id=assignee.pk if assignee else None)
    return ticket


@transaction.atomic
def ticket_set_priority(
    *, ticket: Ticket, priority: int, actor: User | None = None, reason: str = ""
) -> Ticket:
    if priority not in Priority.values:
        raise TicketError(f"Priority must be one of {Priority.values}.")
    changed, old = _change_field(
        ticket=ticket, field="priority", value=priority, action="priority_changed", actor=actor, reason=reason
    )
    if not changed:
        return ticket
    _record_sla_recompute(ticket=ticket, actor=actor, reason=f"priority {old} → {priority}")
    _after_commit("priority_changed", ticket.pk, old=old, new=priority)
    return ticket


def _record_sla_recompute(*, ticket: Ticket, actor: User | None, reason: str) -> None:
    """Deadlines follow the new priority/category: recomputed from creation, recorded as an event."""
    now = timezone.now()
    change = sla_clocks.clock_recompute(ticket=ticket, at=now)
    if change:
        record_event(
            ticket=ticket, action="sla_recalculated", actor=actor, reason=reason, data=change, at=now
        )


@transaction.atomic
def ticket_set_category(
    *, ticket: Ticket, category: Category | None, actor: User | None = None, reason: str = ""
) -> Ticket:
    """Change the category; a category that sets a priority applies it (ZooPortal)."""
    _check_same_tenant(ticket.tenant, category)
    changed, _ = _change_field(
        ticket=ticket, field="category", value=category, action="category_changed", actor=actor, reason=reason
    )
    if not changed:
        return ticket
    _record_sla_recompute(ticket=ticket, actor=actor, reason="category")
    if category is not None and category.default_priority and category.default_priority != ticket.priority:
        ticket_set_priority(
            ticket=ticket,
            priority=category.default_priority,
            actor=actor,
            reason=f"Приоритет категории «{category.name}»",
        )
    _after_commit("category_changed", ticket.pk)
    return ticket


@transaction.atomic
def ticket_link(*, source: Ticket, target: Ticket, kind: str, actor: User | None = None) -> TicketLink:
    if source.tenant_id != target.tenant_id:
        raise TicketError("Tickets of different tenants cannot be linked.")
    if source.pk == target.pk:
        raise TicketError("A ticket cannot be linked to itself.")
    if kind not in LinkKind.values:
        raise TicketError(f"Unknown link kind {kind!r}.")
    link, created = TicketLink.objects.get_or_create(
        source=source, target=target, kind=kind, defaults={"tenant_id": source.tenant_id}
    )
    if created:
        record_event(
            ticket=source,
            action="linked",
            actor=actor,
            field="link",
            new=target.display_number,
            data={"kind": kind, "target": target.pk},
        )
        record_event(
            ticket=target,
            action="linked",
            actor=actor,
            field="link",
            new=source.display_number,
            data={"kind": kind, "source": source.pk, "reverse": True},
        )
    return link


def allowed_next_statuses(ticket: Ticket) -> list[str]:
    return sorted(ALLOWED_TRANSITIONS[ticket.status])
