"""Reads of SLA state for the UIs: a staff member's in-app alerts, the tenant's time zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import QuerySet

from helpdesk.models import Tenant, User
from sla.models import SLAAlert, WorkSchedule


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


def tenant_timezone(tenant: Tenant) -> ZoneInfo:
    """The time zone of the tenant's default work schedule (the project's ``TIME_ZONE`` without one)."""
    name = (
        WorkSchedule.objects.for_tenant(tenant)
        .filter(is_default=True)
        .values_list("timezone", flat=True)
        .first()
    )
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)
