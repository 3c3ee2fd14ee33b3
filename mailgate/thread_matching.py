"""Which ticket does a message continue? Always inside one tenant.

1. A ticket tag ``[SV-1042]`` anywhere in the subject, whatever Re:/Fwd:/Отв:/НА:/AW: prefixes
   surround it. A tag with another tenant's prefix is just text.
2. Else In-Reply-To/References against the Message-IDs of our own outbound mail.
A bounce carries the original message inside it: its Message-ID is matched the same way.
"""

from __future__ import annotations

import re
from email import policy
from email.parser import BytesParser

from helpdesk.models import Tenant
from mailgate.models import OutboundMail
from mailgate.parsing import ParsedEmail
from tickets.models import Contact, Ticket, TicketParticipant

_TAG = re.compile(r"\[\s*([A-Za-z][A-Za-z0-9]{0,9})-(\d{1,18})\s*\]")
_MSGID = re.compile(r"<([^<>\s]+)>")
_HEADERS_PARSER = BytesParser(policy=policy.default)


def subject_tags(subject: str) -> list[tuple[str, int]]:
    return [(prefix.upper(), int(number)) for prefix, number in _TAG.findall(subject)]


def number_in_subject(tenant: Tenant, subject: str) -> int | None:
    for prefix, number in subject_tags(subject):
        if prefix == tenant.ticket_prefix:
            return number
    return None


def embedded_message_ids(parsed: ParsedEmail) -> list[str]:
    """Message-IDs of the original message quoted inside a bounce (message/rfc822 or headers part)."""
    ids: list[str] = []
    for item in parsed.attachments:
        if item.content_type not in ("message/rfc822", "text/rfc822-headers"):
            continue
        try:
            headers = _HEADERS_PARSER.parsebytes(item.content, headersonly=True)
            for name in ("Message-ID", "In-Reply-To", "References"):
                ids += _MSGID.findall(str(headers.get(name, "") or ""))
        except Exception:  # noqa: BLE001, S112 - a mangled quoted original is just not a clue
            continue
    return ids


def find_ticket(*, tenant: Tenant, parsed: ParsedEmail, with_embedded: bool = False) -> Ticket | None:
    """The tenant's ticket this message continues; a merged ticket hands over to the one it joined."""
    number = number_in_subject(tenant, parsed.subject)
    ids = (
        []
        if number is not None
        else parsed.thread_ids + (embedded_message_ids(parsed) if with_embedded else [])
    )
    if number is None and not ids:
        return None  # most new requests: nothing to match, so not even a queryset to build
    # Only the requester is needed (``is_participant``); the tenant is the one we hold, so it is attached
    # below instead of joined — fewer joins are cheaper to plan on every message.
    tickets = Ticket.objects.for_tenant(tenant).select_related("requester")
    if number is not None:
        ticket = tickets.filter(number=number).first()
    else:
        outbound = (
            OutboundMail.objects.for_tenant(tenant)
            .filter(message_id__in=ids[:50], ticket__isnull=False)
            .values_list("ticket_id", flat=True)
            .first()
        )
        ticket = tickets.filter(pk=outbound).first() if outbound else None
    for _ in range(5):  # merge chains are short; the bound guards against a cycle
        if ticket is None or ticket.merged_into_id is None:
            break
        ticket = tickets.filter(pk=ticket.merged_into_id).first()
    if ticket is not None:
        ticket.tenant = tenant
    return ticket


def is_participant(*, ticket: Ticket, email: str, contact: Contact | None) -> bool:
    """The requester, a contact of the ticket's organisation, or an address copied on the ticket."""
    email = email.lower()
    if ticket.requester_id and ticket.requester.email.lower() == email:
        return True
    if contact is not None and ticket.organization_id and contact.organization_id == ticket.organization_id:
        return True
    return TicketParticipant.objects.filter(ticket=ticket, email__iexact=email).exists()
