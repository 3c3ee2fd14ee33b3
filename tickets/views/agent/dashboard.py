"""The leads' dashboard: workload, SLA compliance, breaches, response times and ratings."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from helpdesk.permissions import lead_required
from kb.selectors import deflection_summary
from tickets.dashboard import build_dashboard


@lead_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("weeks", "")
    weeks = int(raw) if raw.isdigit() and 1 <= int(raw) <= 104 else 12
    data = build_dashboard(request.tenant, weeks=weeks)  # type: ignore[attr-defined]
    kb = deflection_summary(request.tenant, since=data.since)  # type: ignore[attr-defined]
    return render(request, "agent/dashboard.html", {"dash": data, "weeks": weeks, "kb": kb})
