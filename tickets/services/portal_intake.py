"""A ticket opened by a client in the portal: their contact details, then the common ``ticket_create``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from tickets import search_index
from tickets.models import Category, Contact, Ticket
from tickets.services import NewAttachment, ticket_create

_PROFILE_FIELDS = ("full_name", "position", "phone")


@transaction.atomic
def portal_ticket_create(
    *,
    contact: Contact,
    subject: str,
    description: str,
    category: Category | None = None,
    priority: int | None = None,
    custom_fields: dict[str, Any] | None = None,
    contact_details: dict[str, str] | None = None,
    attachments: Sequence[NewAttachment] = (),
) -> Ticket:
    """Open a ticket for ``contact``; the contact details they typed update their profile and are
    kept on the ticket as given (SaveIT identifies the client by organisation and person)."""
    details = {key: value for key, value in (contact_details or {}).items() if value}
    changed = [key for key in _PROFILE_FIELDS if details.get(key) and details[key] != getattr(contact, key)]
    for key in changed:
        setattr(contact, key, details[key][:200])
    if changed:
        contact.save(update_fields=changed)
        search_index.index_contact(contact)
    fields = dict(custom_fields or {})
    if details:
        fields["_contact"] = details
    return ticket_create(
        tenant=contact.tenant,
        requester=contact,
        subject=subject,
        body_text=description,
        category=category,
        priority=priority,
        channel="portal",
        custom_fields=fields,
        attachments=attachments,
    )
