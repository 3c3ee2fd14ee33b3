"""Changing a ticket's SLA tier by hand (a contract upgrade, a mistaken organisation)."""

from __future__ import annotations

from django.db import transaction

from helpdesk.models import User
from sla.models import SLATier
from tickets.models import Ticket
from tickets.services import TicketError, _after_commit, _lock, record_event


@transaction.atomic
def ticket_set_tier(
    *, ticket: Ticket, tier: SLATier | None, actor: User | None = None, reason: str = ""
) -> Ticket:
    """Set the tier; deadlines already computed stay as they are (DESIGN: a later tier edit does not
    rewrite history unless an admin recalculates), the reason is kept in the history."""
    if tier is not None and tier.tenant_id != ticket.tenant_id:
        raise TicketError("The SLA tier belongs to another tenant.")
    _lock(ticket)
    if ticket.sla_tier_id == (tier.pk if tier else None):
        return ticket
    old = SLATier.objects.filter(pk=ticket.sla_tier_id).first() if ticket.sla_tier_id else None
    ticket.sla_tier = tier
    ticket.save(update_fields=["sla_tier", "updated_at"])
    record_event(
        ticket=ticket,
        action="tier_changed",
        actor=actor,
        field="sla_tier",
        old=old or "",
        new=tier or "",
        reason=reason,
    )
    _after_commit("tier_changed", ticket.pk, tier_id=tier.pk if tier else None)
    return ticket
