"""Reads of SLA state for the UIs: a staff member's in-app alerts."""

from __future__ import annotations

from django.db.models import QuerySet

from helpdesk.models import Tenant, User
from sla.models import SLAAlert


def alerts_for_user(*, tenant: Tenant, user: User, unread_only: bool = True) -> QuerySet[SLAAlert]:
    """The user's alerts in this tenant, newest first, with the ticket for display."""
    alerts = (
        SLAAlert.objects.for_tenant(tenant).filter(recipient=user).select_related("ticket", "ticket__tenant")
    )
    if unread_only:
        alerts = alerts.filter(read_at__isnull=True)
    return alerts.order_by("-created_at", "-pk")


def unread_alert_count(*, tenant: Tenant, user: User) -> int:
    return SLAAlert.objects.for_tenant(tenant).filter(recipient=user, read_at__isnull=True).count()
