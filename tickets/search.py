"""Agent search: ticket number, subject, message text and requester, always inside one tenant.

On PostgreSQL subject and message text use Russian full-text search backed by the GIN indexes of
migration 0003 (the SQL expressions here must match the indexed ones). SQLite falls back to icontains.
Each text source yields at most ``limit`` ticket ids; the caller intersects them with what the agent may see.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from helpdesk.models import Tenant
from tickets.models import Contact, Message, Ticket, TicketQuerySet
from tickets.selectors import parse_ticket_number

MAX_MATCHES_PER_SOURCE = 200


def _fts(column: str, query: str) -> RawSQL:
    # ``column`` is one of two constants below; the user's text is a bound parameter. Django's SearchVector
    # wraps the column in COALESCE, which would no longer match the indexed expression.
    return RawSQL(  # noqa: S611
        f"to_tsvector('russian'::regconfig, {column}) @@ websearch_to_tsquery('russian'::regconfig, %s)",
        (query,),
        output_field=BooleanField(),
    )


def search_condition(tenant: Tenant, query: str, *, limit: int = MAX_MATCHES_PER_SOURCE) -> Q:
    """A filter on tickets of ``tenant`` matching ``query``; two queries run now (the text indexes), the
    number and requester parts stay inside the caller's single ticket query."""
    query = query.strip()
    if not query:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    number = parse_ticket_number(tenant, query)
    if number is None and query.isdigit() and len(query) <= 18:
        number = int(query)
    if number is not None:
        condition |= Q(number=number)

    tickets = Ticket.objects.for_tenant(tenant)
    messages = Message.objects.for_tenant(tenant)
    if connection.vendor == "postgresql":
        tickets = tickets.filter(_fts('"tickets_ticket"."subject"', query))
        messages = messages.filter(_fts('"tickets_message"."body_text"', query))
    else:
        tickets = tickets.filter(subject__icontains=query)
        messages = messages.filter(body_text__icontains=query)
    # No ORDER BY: with it PostgreSQL must fetch and recheck every match of a common word before the
    # LIMIT (1.5 s at 1M tickets); without it the scan stops at ``limit`` rows (25 ms). The page orders.
    ids = set(tickets.order_by().values_list("pk", flat=True)[:limit])
    ids.update(messages.order_by().values_list("ticket_id", flat=True)[:limit])
    if ids:
        condition |= Q(pk__in=sorted(ids))

    if len(query) >= 3:
        contacts = Contact.objects.for_tenant(tenant).filter(
            Q(email__icontains=query) | Q(full_name__icontains=query)
        )
        condition |= Q(requester_id__in=contacts.values("pk")[:limit])
    return condition


def search_tickets(visible: TicketQuerySet, tenant: Tenant, query: str) -> TicketQuerySet:
    """``visible`` (already scoped to the agent) narrowed to the tickets matching ``query``."""
    return visible.filter(search_condition(tenant, query))
