"""In-app SLA alerts of the signed-in staff member: the list and mark-as-read.

The alerts themselves are created by the SLA app; reads and the write go through its selectors and
service (``sla.selectors.alerts_for_user``, ``sla.services.alerts_mark_read``), which scope every row by
tenant and recipient, so another tenant's or colleague's alert id is silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from helpdesk.permissions import agent_required
from sla.selectors import alerts_for_user
from sla.services import alerts_mark_read

ALERTS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class AlertRow:
    pk: int
    kind: str
    label: str
    number: str
    subject: str
    url: str
    due_at: datetime | None
    created_at: datetime
    unread: bool


@agent_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    """The newest alerts, unread and read; a fragment for the htmx drop-down, a page without JavaScript."""
    alerts = alerts_for_user(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user=request.user,  # type: ignore[arg-type]
        unread_only=request.GET.get("unread") == "1",
    )[:ALERTS_SHOWN]
    rows = [
        AlertRow(
            pk=a.pk,
            kind=a.kind,
            label=a.get_kind_display(),
            number=a.ticket.display_number,
            subject=a.ticket.subject,
            url=reverse("agent:ticket_detail", args=[a.ticket.display_number]),
            due_at=a.due_at,
            created_at=a.created_at,
            unread=a.read_at is None,
        )
        for a in alerts
    ]
    template = "agent/_alerts.html" if request.htmx else "agent/alerts.html"  # type: ignore[attr-defined]
    return render(request, template, {"alerts": rows, "any_unread": any(r.unread for r in rows)})


@agent_required
@require_POST
def alert_mark_read(request: HttpRequest) -> HttpResponse:
    """Mark the ticked alerts read (``alert`` ids), or all of the user's unread ones (``all=1``)."""
    ids = [int(raw) for raw in request.POST.getlist("alert") if raw.isdigit()]
    if ids or request.POST.get("all") == "1":
        alerts_mark_read(
            tenant=request.tenant,  # type: ignore[attr-defined]
            user=request.user,  # type: ignore[arg-type]
            alert_ids=ids or None,
        )
    return redirect("agent:alerts")
