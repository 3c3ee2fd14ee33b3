"""Signed links in notification mails that open one ticket for its requester, without a password.

The mailgate calls :func:`portal_ticket_link` for every mail to a client. The link carries a signed,
timestamped token naming the tenant, the ticket and the contact; opening it grants this browser
session access to that one ticket (see ``tickets.views.portal.access``) — never to the rest of the
portal — for a limited time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core import signing

from helpdesk.models import Tenant
from helpdesk.tenancy import tenant_absolute_url
from tickets.models import Contact, Ticket

_SALT = "reglament.portal.ticket-link"
#: How long a link in a mail stays valid.
TICKET_LINK_MAX_AGE = timedelta(days=30)
#: How long the session opened by such a link keeps access to the ticket.
TICKET_GRANT_TTL = timedelta(hours=12)
_SESSION_KEY = "portal_ticket_grants"


@dataclass(frozen=True)
class TicketLinkClaim:
    ticket_id: int
    contact_id: int


def portal_ticket_token(ticket: Ticket, contact: Contact) -> str:
    return signing.dumps({"tn": ticket.tenant_id, "tk": ticket.pk, "ct": contact.pk}, salt=_SALT)


def portal_ticket_link(ticket: Ticket, contact: Contact) -> str:
    """Absolute URL for a mail: opens ``ticket`` for ``contact`` (its requester or a participant)."""
    return tenant_absolute_url(
        ticket.tenant, "portal:ticket_link", token=portal_ticket_token(ticket, contact)
    )


def read_ticket_token(
    token: str, *, tenant: Tenant, max_age: timedelta = TICKET_LINK_MAX_AGE
) -> TicketLinkClaim | None:
    """The claim in a valid, unexpired token of this tenant; None for anything else."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("tn") != tenant.pk:
        return None
    try:
        return TicketLinkClaim(ticket_id=int(data["tk"]), contact_id=int(data["ct"]))
    except (KeyError, TypeError, ValueError):
        return None


def grant_ticket_access(session: Any, claim: TicketLinkClaim) -> None:
    grants = dict(session.get(_SESSION_KEY, {}))
    now = time.time()
    grants = {k: v for k, v in grants.items() if v[1] > now}
    grants[str(claim.ticket_id)] = [claim.contact_id, now + TICKET_GRANT_TTL.total_seconds()]
    session[_SESSION_KEY] = grants


def granted_contact_id(session: Any, ticket_id: int) -> int | None:
    """The contact a mail link opened this ticket for in this session, if the grant is still valid."""
    grant = session.get(_SESSION_KEY, {}).get(str(ticket_id))
    if not grant or grant[1] <= time.time():
        return None
    return int(grant[0])


def session_has_grants(session: Any) -> bool:
    now = time.time()
    return any(v[1] > now for v in session.get(_SESSION_KEY, {}).values())
