"""What of the ticket domain goes into the search index, and the calls the services make to keep it so.

* a ticket: its subject and number, the requester's name and e-mail, the organisation's name;
* every message (public) and internal note (``public=False``: never found by clients);
* every contact: name, e-mail, phone, position, organisation.

Services call ``index_new_ticket`` / ``index_new_messages`` right after the INSERTs, ``index_merge`` when
messages move, ``index_contact`` / ``index_organization`` when names change. ``documents`` (also used by
the data migration with historical models) yields everything for ``manage.py search_rebuild``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from typing import Any

from search import index
from search.index import Document
from search.models import Kind
from tickets.models import Contact, Message, MessageKind, Organization, Ticket, format_ticket_number

TICKET_KINDS = (Kind.TICKET, Kind.MESSAGE, Kind.NOTE)
PORTAL_KINDS = (Kind.TICKET, Kind.MESSAGE)


def _ticket_document(ticket: Any, *, prefix: str, requester: Any | None, organization_name: str) -> Document:
    parts = [ticket.subject, format_ticket_number(prefix, ticket.number), organization_name]
    if requester is not None:
        parts += [requester.full_name, requester.email]
    return Document(
        tenant_id=ticket.tenant_id,
        kind=Kind.TICKET,
        object_id=ticket.pk,
        parts=tuple(parts),
        ticket_id=ticket.pk,
    )


def ticket_document(ticket: Ticket) -> Document:
    organization = ticket.organization if ticket.organization_id else None
    return _ticket_document(
        ticket,
        prefix=ticket.tenant.ticket_prefix,
        requester=ticket.requester if ticket.requester_id else None,
        organization_name=organization.name if organization else "",
    )


def message_document(message: Any) -> Document:
    internal = message.kind == MessageKind.INTERNAL
    return Document(
        tenant_id=message.tenant_id,
        kind=Kind.NOTE if internal else Kind.MESSAGE,
        object_id=message.pk,
        parts=(message.body_text,),
        ticket_id=message.ticket_id,
        public=not internal,
    )


def contact_document(contact: Any, *, organization_name: str = "") -> Document:
    return Document(
        tenant_id=contact.tenant_id,
        kind=Kind.CONTACT,
        object_id=contact.pk,
        parts=(contact.full_name, contact.email, contact.phone, contact.position, organization_name),
        public=False,
    )


# --- Calls from the services ----------------------------------------------------------------------------


def index_new_ticket(ticket: Ticket, first_message: Message | None = None) -> None:
    """A ticket just created (and its first message): one INSERT."""
    documents = [ticket_document(ticket)]
    if first_message is not None:
        documents.append(message_document(first_message))
    index.add(documents)


def index_new_messages(messages: Iterable[Message]) -> None:
    """Replies or notes just created: one INSERT for all of them."""
    index.add(message_document(m) for m in messages)


def index_merge(*, source: Ticket, target: Ticket) -> None:
    """``source``'s messages moved to ``target``: their entries follow."""
    index.move_to_ticket(entry_ticket_ids=[source.pk], ticket_id=target.pk)


def index_tickets(tickets: Iterable[Ticket]) -> None:
    """Tickets whose subject, requester or organisation changed."""
    index.put(ticket_document(t) for t in tickets)


def index_contact(contact: Contact, *, created: bool = False) -> None:
    """A contact created or renamed; the ticket texts that carry their name follow a rename."""
    organization = contact.organization if contact.organization_id else None
    document = contact_document(contact, organization_name=organization.name if organization else "")
    if created:
        index.add([document])
    else:
        index.put([document])
        tickets = Ticket.objects.for_tenant(contact.tenant_id).filter(requester=contact)
        index_tickets(tickets.select_related("tenant", "requester", "organization").iterator(chunk_size=500))


def index_organization(organization: Organization) -> None:
    """An organisation renamed: its contacts and tickets carry the name."""
    contacts = Contact.objects.for_tenant(organization.tenant_id).filter(organization=organization)
    index.put(
        contact_document(c, organization_name=organization.name) for c in contacts.iterator(chunk_size=500)
    )
    tickets = Ticket.objects.for_tenant(organization.tenant_id).filter(organization=organization)
    index_tickets(tickets.select_related("tenant", "requester", "organization").iterator(chunk_size=500))


# --- Rebuild ------------------------------------------------------------------------------------------------


def documents(
    tenant_id: int | None,
    *,
    ticket_model: Any = Ticket,
    message_model: Any = Message,
    contact_model: Any = Contact,
) -> Iterator[Document]:
    """Every ticket, message and contact (of one tenant or all), oldest first. The models are parameters
    so that the data migration can pass its historical ones."""
    tickets = ticket_model.objects.all()
    messages = message_model.objects.all()
    contacts = contact_model.objects.all()
    if tenant_id is not None:
        tickets = tickets.filter(tenant_id=tenant_id)
        messages = messages.filter(tenant_id=tenant_id)
        contacts = contacts.filter(tenant_id=tenant_id)
    tickets = tickets.select_related("tenant", "requester", "organization").only(
        "tenant_id",
        "number",
        "subject",
        "tenant__ticket_prefix",
        "requester__full_name",
        "requester__email",
        "organization__name",
        "created_at",
    )
    fields = ("tenant_id", "ticket_id", "kind", "body_text", "created_at")
    # Tickets and messages interleaved by time, as the services write them: entry ids then grow with time
    # across kinds too, which the "newest first" scans rely on.
    for _at, order, item in heapq.merge(
        ((t.created_at, 0, t) for t in tickets.order_by("created_at", "pk").iterator(chunk_size=2000)),
        (
            (m.created_at, 1, m)
            for m in messages.only(*fields).order_by("created_at", "pk").iterator(chunk_size=2000)
        ),
        key=lambda row: row[:2],
    ):
        if order == 0:
            yield _ticket_document(
                item,
                prefix=item.tenant.ticket_prefix,
                requester=item.requester,
                organization_name=item.organization.name if item.organization else "",
            )
        else:
            yield message_document(item)
    for contact in contacts.select_related("organization").order_by("pk").iterator(chunk_size=2000):
        yield contact_document(
            contact, organization_name=contact.organization.name if contact.organization else ""
        )
