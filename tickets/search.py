"""Ticket search for agents and clients: one engine (``search``), the same answers on SQLite and PostgreSQL.

Words are found in the ticket's subject and number, requester and organisation, and in its messages —
agents also in internal notes, clients never. Results are tickets, best first (a match in the subject
above one in a message, then the newest), each with a highlighted snippet of where the words were found.
Every search runs inside the caller's scope (``tickets_for_agent`` / ``tickets_for_client`` plus the
queue's filters), passed as a queryset and joined in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from helpdesk.models import Tenant
from search import engine
from search.models import Kind
from search.text import Query, parse_query, snippet
from tickets.models import Message, Ticket, TicketQuerySet
from tickets.search_index import PORTAL_KINDS, TICKET_KINDS


@dataclass
class TicketResults:
    """Matching tickets best first (``ticket_ids``) and, per ticket, its best matching entry."""

    query: Query
    ticket_ids: list[int] = field(default_factory=list)
    best: dict[int, engine.Hit] = field(default_factory=dict)

    def snippets(self, tickets: Sequence[Ticket]) -> dict[int, SafeString]:
        """ticket pk → highlighted snippet for the shown ``tickets``: the subject, or the message or note
        that matched (one query for all of them)."""
        message_ids = [
            hit.object_id
            for t in tickets
            if (hit := self.best.get(t.pk)) is not None and hit.kind in (Kind.MESSAGE, Kind.NOTE)
        ]
        bodies = (
            dict(Message.objects.filter(pk__in=message_ids).values_list("pk", "body_text"))
            if message_ids
            else {}
        )
        out: dict[int, SafeString] = {}
        for ticket in tickets:
            hit = self.best.get(ticket.pk)
            if hit is None:
                continue
            if hit.kind == Kind.TICKET:
                out[ticket.pk] = snippet(ticket.subject, self.query)
            elif hit.object_id in bodies:
                text = snippet(bodies[hit.object_id], self.query)
                if hit.kind == Kind.NOTE:
                    text = format_html("{}: {}", _("Заметка"), text)
                out[ticket.pk] = text
        return out


def _search(
    tickets: TicketQuerySet,
    tenant: Tenant,
    text: str,
    *,
    kinds: Sequence[str],
    public_only: bool,
    capped: bool,
) -> TicketResults:
    query = parse_query(text)
    results = TicketResults(query=query)
    hits = engine.find(
        query,
        tenant_id=tenant.pk,
        kinds=kinds,
        tickets=tickets,
        public_only=public_only,
        newest_per_kind=engine.NEWEST_PER_KIND if capped else None,
    )
    for hit in hits:
        if hit.ticket_id is not None and hit.ticket_id not in results.best:
            results.best[hit.ticket_id] = hit
            results.ticket_ids.append(hit.ticket_id)
    dropped = engine.excluded_tickets(
        query, tenant_id=tenant.pk, ticket_ids=results.ticket_ids, kinds=kinds, public_only=public_only
    )
    if dropped:
        results.ticket_ids = [pk for pk in results.ticket_ids if pk not in dropped]
    return results


def search_for_agent(tickets: TicketQuerySet, tenant: Tenant, text: str) -> TicketResults:
    """``tickets``: what the agent may see, already filtered. Internal notes included."""
    return _search(tickets, tenant, text, kinds=TICKET_KINDS, public_only=False, capped=True)


def search_for_client(tickets: TicketQuerySet, tenant: Tenant, text: str) -> TicketResults:
    """``tickets``: the client's visible tickets. Public texts only; every match of a client's few
    tickets is looked at (no cap on the tenant's newest)."""
    return _search(tickets, tenant, text, kinds=PORTAL_KINDS, public_only=True, capped=False)
