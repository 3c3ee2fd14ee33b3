"""Agent workspace views (staff of a tenant)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.permissions import agent_required
from tickets.selectors import tickets_for_agent


@agent_required
def home(request: HttpRequest) -> HttpResponse:
    tickets = (
        tickets_for_agent(tenant=request.tenant, user=request.user)  # type: ignore[attr-defined]
        .open()
        .select_related("tenant", "requester", "assignee")
        .order_by("resolution_due", "-created_at")[:100]
    )
    return render(request, "agent/home.html", {"tickets": tickets})
