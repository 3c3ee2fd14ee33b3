"""Reads of tickets for agents and clients. "Missing" and "not yours" raise the same 404."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q
from django.http import Http404

from helpdesk.models import ClientVisibility, Tenant
from helpdesk.tenancy import membership_for
from tickets.models import Contact, Queue, Ticket, TicketQuerySet

_NUMBER = re.compile(r"^(?P<prefix>[A-Za-z][A-Za-z0-9]{0,9})-(?P<n>\d{1,18})$")


def parse_ticket_number(tenant: Tenant, display_number: str) -> int | None:
    """``"SV-1042"`` → 1042 for the tenant whose prefix is SV; anything else → None."""
    match = _NUMBER.match(display_number.strip())
    if not match or match["prefix"].upper() != tenant.ticket_prefix:
        return None
    return int(match["n"])


def contact_for_user(*, tenant: Tenant, user: Any) -> Contact | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cache: dict[int, Contact | None] = user.__dict__.setdefault("_contact_cache", {})
    if tenant.pk not in cache:
        cache[tenant.pk] = (
            Contact.objects.for_tenant(tenant).select_related("organization").filter(user=user).first()
        )
    return cache[tenant.pk]


def tickets_for_agent(*, tenant: Tenant, user: Any) -> TicketQuerySet:
    """Leads and admins see all of the tenant's tickets; an agent sees the queues they belong to,
    tickets assigned to them, and tickets not yet put in any queue (so nothing waits unseen)."""
    membership = membership_for(user, tenant)
    if membership is None:
        return Ticket.objects.none()
    tickets = Ticket.objects.for_tenant(tenant)
    if membership.is_lead:
        return tickets
    own_queues = Queue.agents.through.objects.filter(user_id=user.pk, queue__tenant_id=tenant.pk)
    return tickets.filter(
        Q(queue_id__in=own_queues.values("queue_id")) | Q(assignee_id=user.pk) | Q(queue__isnull=True)
    )


def tickets_for_client(*, tenant: Tenant, user: Any) -> TicketQuerySet:
    """The tickets a client may see: their organisation's (by tenant setting) or their own."""
    contact = contact_for_user(tenant=tenant, user=user)
    if contact is None:
        return Ticket.objects.none()
    visible = Q(requester=contact)
    if tenant.client_visibility == ClientVisibility.ORGANIZATION and contact.organization_id:
        visible |= Q(organization_id=contact.organization_id)
    return Ticket.objects.for_tenant(tenant).filter(visible)


def _get_by_number(queryset: TicketQuerySet, tenant: Tenant, number: str) -> Ticket:
    n = parse_ticket_number(tenant, number)
    if n is None:
        raise Http404("No such ticket")
    ticket = (
        queryset.select_related(
            "tenant", "requester", "organization", "queue", "category", "assignee", "sla_tier"
        )
        .filter(number=n)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket")
    return ticket


def ticket_get_for_agent(*, tenant: Tenant, user: Any, number: str) -> Ticket:
    return _get_by_number(tickets_for_agent(tenant=tenant, user=user), tenant, number)


def ticket_get_for_client(*, tenant: Tenant, user: Any, number: str) -> Ticket:
    return _get_by_number(tickets_for_client(tenant=tenant, user=user), tenant, number)


def ticket_get_by_number(*, tenant: Tenant, number: str) -> Ticket | None:
    """For the mailgate and tasks: a ticket of this tenant by display number, or None."""
    n = parse_ticket_number(tenant, number)
    if n is None:
        return None
    return Ticket.objects.for_tenant(tenant).select_related("tenant").filter(number=n).first()
