"""SLA operations an admin triggers explicitly (a tier edit alone never rewrites existing tickets)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from helpdesk.models import Tenant, User
from sla.clocks import clock_recompute
from sla.models import SLAAlert, SLATier
from tickets.models import Ticket
from tickets.services import record_event
from tickets.statuses import Status


def tier_recalculate_open_tickets(*, tier: SLATier, actor: User | None = None) -> int:
    """Re-fix the tier's current targets on its tickets that are not closed; returns how many."""
    count = 0
    ids = list(
        Ticket.objects.filter(sla_tier=tier).exclude(status=Status.CLOSED).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().filter(pk=pk).exclude(status=Status.CLOSED).first()
            if ticket is None:
                continue
            now = timezone.now()
            change = clock_recompute(ticket=ticket, at=now, resnapshot_tier=tier)
            record_event(
                ticket=ticket,
                action="sla_recalculated",
                actor=actor,
                reason="Пересчёт по уровню SLA администратором",
                data=change,
                at=now,
            )
            count += 1
    return count


def alerts_mark_read(*, tenant: Tenant, user: User, alert_ids: list[int] | None = None) -> int:
    """Mark the user's alerts read (all of them when no ids are given); returns how many changed."""
    alerts = SLAAlert.objects.for_tenant(tenant).filter(recipient=user, read_at__isnull=True)
    if alert_ids is not None:
        alerts = alerts.filter(pk__in=alert_ids)
    return alerts.update(read_at=timezone.now())
