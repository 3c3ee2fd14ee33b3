"""The leads' reports page: every number links to the queue filter that lists those tickets."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from helpdesk.permissions import lead_required
from reports.forms import PeriodForm
from reports.leads import Period, build_lead_report
from sla.selectors import tenant_timezone
from tickets.selectors import tickets_for_agent
from tickets.views.agent.sla_timers import format_duration


@lead_required
@require_GET
def lead_reports(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    tz = tenant_timezone(tenant)
    today = timezone.localtime(timezone=tz).date()
    form = PeriodForm.for_request(request.GET, today=today)
    context: dict[str, object] = {"form": form, "queue_url": reverse("agent:home")}
    if form.is_valid():
        period = Period(form.cleaned_data["first"], form.cleaned_data["last"], tz)
        report = build_lead_report(
            tenant=tenant,
            tickets=tickets_for_agent(tenant=tenant, user=request.user),
            period=period,
            today=today,
        )
        context["report"] = report
        context["timings"] = [
            {
                "label": t.label,
                "sample": t.sample,
                "median": format_duration(t.median) if t.median is not None else "—",
                "p90": format_duration(t.p90) if t.p90 is not None else "—",
            }
            for t in report.timings
        ]
    return render(request, "reports/lead_reports.html", context)
