"""Who may act on a ticket in the portal: a signed-in client who can see it, or a mail link's grant.

A client signed in with a password (or a one-time link) sees what ``tickets_for_client`` allows.
Someone who opened a signed ticket link from a mail sees that one ticket as the contact named in the
link, in this browser session only. Everything else is a 404 (a 302 to sign-in for anonymous visitors).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from tickets.models import Contact, Ticket, TicketParticipant, TicketQuerySet
from tickets.portal_links import granted_contact_id
from tickets.selectors import contact_for_user, parse_ticket_number, ticket_get_for_client, tickets_for_client

_TICKET_RELATED = ("tenant", "requester", "organization", "category", "sla_tier")


@dataclass(frozen=True)
class PortalAccess:
    ticket: Ticket
    contact: Contact
    #: The tickets this person may see (to filter linked tickets): all visible ones when signed in,
    #: only the contact's own when the page was opened through a mail link.
    visible: TicketQuerySet
    via_link: bool


def _access_by_grant(request: HttpRequest, number: str) -> PortalAccess | None:
    tenant = request.tenant  # type: ignore[attr-defined]
    n = parse_ticket_number(tenant, number)
    if n is None:
        return None
    ticket = Ticket.objects.for_tenant(tenant).select_related(*_TICKET_RELATED).filter(number=n).first()
    if ticket is None:
        return None
    contact_id = granted_contact_id(request.session, ticket.pk)
    if contact_id is None:
        return None
    is_party = ticket.requester_id == contact_id or (
        TicketParticipant.objects.filter(ticket=ticket, contact_id=contact_id).exists()
    )
    contact = Contact.objects.for_tenant(tenant).filter(pk=contact_id).first() if is_party else None
    if contact is None:
        return None
    visible = Ticket.objects.for_tenant(tenant).filter(Q(requester=contact) | Q(pk=ticket.pk))
    return PortalAccess(ticket=ticket, contact=contact, visible=visible, via_link=True)


def portal_ticket_access(request: HttpRequest, number: str) -> PortalAccess:
    """The access to ticket ``number`` for this request, or Http404."""
    tenant = request.tenant  # type: ignore[attr-defined]
    if tenant is None:
        raise Http404("No tenant")
    contact = contact_for_user(tenant=tenant, user=request.user)
    if contact is not None:
        try:
            ticket = ticket_get_for_client(tenant=tenant, user=request.user, number=number)
        except Http404:
            pass
        else:
            visible = tickets_for_client(tenant=tenant, user=request.user)
            return PortalAccess(ticket=ticket, contact=contact, visible=visible, via_link=False)
    access = _access_by_grant(request, number)
    if access is None:
        raise Http404("No such ticket")
    return access


TicketView = Callable[..., HttpResponse]


def portal_ticket_view(view: TicketView) -> TicketView:
    """Resolve ``number`` to a :class:`PortalAccess`; anonymous visitors without a grant sign in first."""

    @wraps(view)
    def wrapped(request: HttpRequest, number: str, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            access = portal_ticket_access(request, number)
        except Http404:
            if not request.user.is_authenticated and request.method == "GET":
                return redirect_to_login(request.get_full_path(), reverse("tenant:login"))
            raise
        return view(request, access, *args, **kwargs)

    return wrapped
