"""Ticket events → one delivery row per subscribed endpoint, with the JSON body as it will be sent."""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from helpdesk.tenancy import tenant_absolute_url
from tickets.models import Ticket
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent


def webhook_event_for(service_event: str, extra: dict[str, Any]) -> str | None:
    """Which webhook event a service's after-commit event is, if any."""
    if service_event == "ticket_created":
        return WebhookEvent.TICKET_CREATED
    if service_event == "message_added" and extra.get("author") == "contact" and not extra.get("internal"):
        return WebhookEvent.CLIENT_REPLIED
    if service_event == "status_changed":
        return WebhookEvent.STATUS_CHANGED
    return None


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def ticket_snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.display_number,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "organization": ticket.organization.name if ticket.organization else None,
        "requester": ticket.requester.email if ticket.requester else None,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "created_at": _when(ticket.created_at),
        "first_response_due": _when(ticket.first_response_due),
        "resolution_due": _when(ticket.resolution_due),
        "url": tenant_absolute_url(ticket.tenant, "agent:ticket_detail", number=ticket.display_number),
    }


def plan_deliveries(*, event: str, ticket_id: int, data: dict[str, Any], notice_id: str) -> list[int]:
    """Rows for every active endpoint of the ticket's tenant that subscribed to ``event``. Planning the
    same notice again (a retried task) adds nothing: the key is per (notice, endpoint)."""
    ticket = (
        Ticket.objects.select_related("tenant", "organization", "requester", "assignee")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return []
    endpoints = [
        e
        for e in WebhookEndpoint.objects.for_tenant(ticket.tenant_id).filter(is_active=True)
        if event in e.events
    ]
    if not endpoints:
        return []
    now = timezone.now()
    snapshot = ticket_snapshot(ticket)
    rows = []
    for endpoint in endpoints:
        key = f"{notice_id}:{endpoint.pk}"
        body = {
            "id": key,
            "event": event,
            "occurred_at": now.isoformat(),
            "tenant": ticket.tenant.slug,
            "ticket": snapshot,
            "data": data,
        }
        rows.append(
            WebhookDelivery(
                tenant_id=ticket.tenant_id,
                endpoint=endpoint,
                event=event,
                key=key,
                body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                next_attempt_at=now,
            )
        )
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        WebhookDelivery.objects.filter(key__in=[r.key for r in rows], status="pending").values_list(
            "pk", flat=True
        )
    )
