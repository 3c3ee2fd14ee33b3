"""Which ticket does a message continue? Always inside one tenant.

1. A ticket tag ``[SV-1042]`` anywhere in the subject, whatever Re:/Fwd:/Отв:/НА:/AW: prefixes
   surround it. A tag with another tenant's prefix is just text.
   Every tag of this tenant is tried in order.
2. Else In-Reply-To/References, nearest first, against the Message-IDs of our own outbound mail and of
   the messages our tickets received.
A bounce carries the original message inside it: its Message-ID is matched the same way.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

from django.db import connections, router

from helpdesk.models import Tenant
from mailgate.models import OutboundMail
from mailgate.parsing import MAX_THREAD_IDS, ParsedEmail
from tickets.models import Contact, Message, Ticket, TicketParticipant

_TAG = re.compile(r"\[\s*([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,18})\s*\]")


def subject_tags(subject: str) -> list[tuple[str, int]]:
    return [(prefix.upper(), int(number)) for prefix, number in _TAG.findall(subject)]


def numbers_in_subject(tenant: Tenant, subject: str) -> list[int]:
    """This tenant's ticket numbers tagged in the subject, in order, each once."""
    return list(dict.fromkeys(n for prefix, n in subject_tags(subject) if prefix == tenant.ticket_prefix))


def number_in_subject(tenant: Tenant, subject: str) -> int | None:
    numbers = numbers_in_subject(tenant, subject)
    return numbers[0] if numbers else None


def embedded_message_ids(parsed: ParsedEmail) -> list[str]:
    """Message-IDs of the original message quoted inside a bounce (message/rfc822 or headers part)."""
    return parsed.embedded_ids


def _ticket_by_thread_ids(tenant: Tenant, ids: list[str]) -> Ticket | None:
    """The ticket of the nearest Message-ID that is ours: our outbound mail first, then the messages
    a ticket received (a colleague's reply-all to the client's original joins the client's ticket)."""
    ids = ids[:MAX_THREAD_IDS]
    found = dict(
        OutboundMail.objects.for_tenant(tenant)
        .filter(message_id__in=ids, ticket__isnull=False)
        .values_list("message_id", "ticket_id")
    )
    missing = [mid for mid in ids if mid not in found]
    if missing:
        found.update(
            Message.objects.for_tenant(tenant)
            .filter(message_id__in=missing)
            .values_list("message_id", "ticket_id")
        )
    for mid in ids:  # nearest first
        if mid in found:
            return _ticket_by(tenant, "pk", found[mid])
    return None


def find_ticket(*, tenant: Tenant, parsed: ParsedEmail, with_embedded: bool = False) -> Ticket | None:
    """The tenant's ticket this message continues; a merged ticket hands over to the one it joined.

    Every tag of this tenant in the subject is tried in order (``[SV-9999] [SV-1042]`` with the first
    unknown still finds SV-1042); then the thread headers, nearest first.
    """
    ticket = None
    for number in numbers_in_subject(tenant, parsed.subject)[:5]:
        ticket = _ticket_by(tenant, "number", number)
        if ticket is not None:
            break
    if ticket is None:
        ids = parsed.thread_ids + (embedded_message_ids(parsed) if with_embedded else [])
        if not ids:
            return None  # most new requests: nothing to match, so not even a queryset to build
        ticket = _ticket_by_thread_ids(tenant, ids)
    for _ in range(5):  # merge chains are short; the bound guards against a cycle
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = _ticket_by(tenant, "pk", ticket.merged_into_id)
    if ticket is not None:
        ticket.tenant = tenant
    return ticket


# Stand-ins compiled into the cached SQL; their positions in the parameters are where the real values go.
_TENANT_MARK, _VALUE_MARK = 1_987_654_301, 1_987_654_302


@dataclass(frozen=True)
class _Lookup:
    sql: str
    tenant_at: int
    value_at: int
    compiler: Any  # applies the backend's and the fields' converters to a raw row
    converters: dict[int, Any]


# Per connection object (one per thread and alias), so a compiler is only used on its own connection.
_lookups: weakref.WeakKeyDictionary[Any, dict[str, _Lookup]] = weakref.WeakKeyDictionary()


def _compiled_lookup(connection: Any, key: str) -> _Lookup:
    """The SQL of ``tenant's ticket by <key>, with its requester``, compiled once per connection and key.

    Building this queryset through the ORM on every reply was most of the lookup's cost; the statement
    is the ORM's own (same columns, joins and tenant filter), only its parameters change per message.
    """
    per_connection = _lookups.setdefault(connection, {})
    lookup = per_connection.get(key)
    if lookup is None:
        queryset = (
            Ticket.objects.for_tenant(_TENANT_MARK)
            .filter(**{key: _VALUE_MARK})
            .select_related("requester")
            .order_by()[:1]
        )
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        if sorted(params) != sorted([_TENANT_MARK, _VALUE_MARK]):
            raise RuntimeError(f"unexpected parameters in the ticket lookup: {params!r}")
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        lookup = _Lookup(sql, params.index(_TENANT_MARK), params.index(_VALUE_MARK), compiler, converters)
        per_connection[key] = lookup
    return lookup


_TICKET_FIELDS = [f.attname for f in Ticket._meta.concrete_fields]
_CONTACT_FIELDS = [f.attname for f in Contact._meta.concrete_fields]


def _ticket_by(tenant: Tenant, key: str, value: Any) -> Ticket | None:
    """``Ticket.objects.for_tenant(tenant).select_related("requester").filter(<key>=value).first()``.

    Only the requester is needed (``is_participant``); the tenant is the one we hold, so it is attached
    by the caller instead of joined — fewer joins are cheaper to plan on every message.
    """
    alias = router.db_for_read(Ticket)
    connection = connections[alias]
    lookup = _compiled_lookup(connection, key)
    params: list[Any] = [None, None]
    params[lookup.tenant_at], params[lookup.value_at] = tenant.pk, value
    with connection.cursor() as cursor:
        cursor.execute(lookup.sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    if lookup.converters:
        row = next(iter(lookup.compiler.apply_converters([row], lookup.converters)))
    split = len(_TICKET_FIELDS)
    ticket = Ticket.from_db(alias, _TICKET_FIELDS, row[:split])
    requester = (
        Contact.from_db(alias, _CONTACT_FIELDS, row[split:]) if ticket.requester_id is not None else None
    )
    Ticket.requester.field.set_cached_value(ticket, requester)
    return ticket


def is_participant(*, ticket: Ticket, email: str, contact: Contact | None) -> bool:
    """The requester, a contact of the ticket's organisation, or an address copied on the ticket."""
    email = email.lower()
    if ticket.requester_id and ticket.requester.email.lower() == email:
        return True
    if contact is not None and ticket.organization_id and contact.organization_id == ticket.organization_id:
        return True
    return TicketParticipant.objects.filter(ticket=ticket, email__iexact=email).exists()
