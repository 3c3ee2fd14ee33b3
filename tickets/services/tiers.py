"""Changing a ticket's SLA tier by hand (a contract upgrade, a mistaken organisation)."""

from __future__ import annotations

from django.db import transaction

from helpdesk.models import User
from sla.models import SLATier
from tickets.models import Ticket
from tickets.services import TicketError, _after_commit, _change_field


@transaction.atomic
def ticket_set_tier(
    *, ticket: Ticket, tier: SLATier | None, actor: User | None = None, reason: str = ""
) -> Ticket:
    """Set the tier; deadlines already computed stay as they are (DESIGN: a later tier edit does not
    rewrite history unless an admin recalculates), the reason is kept in the history."""
    if tier is not None and tier.tenant_id != ticket.tenant_id:
        raise TicketError("The SLA tier belongs to another tenant.")
    changed, _ = _change_field(
        ticket=ticket, field="sla_tier", value=tier, action="tier_changed", actor=actor, reason=reason
    )
    if not changed:
        return ticket
    _after_commit("tier_changed", ticket.pk, tier_id=tier.pk if tier else None)
    return ticket
