"""The organisation's monthly SLA report in the portal, for contacts with the right (a per-contact flag)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from helpdesk.permissions import client_required
from reports.client_formats import (
    PdfUnavailable,
    client_report_context,
    client_report_pdf,
    client_report_xlsx,
    pdf_available,
)
from reports.clients import ClientReport, Month, build_client_report
from reports.journal import XLSX_CONTENT_TYPE
from sla.selectors import tenant_timezone
from tickets.selectors import contact_for_user

MONTHS_OFFERED = 12


def _report(request: HttpRequest) -> ClientReport:
    """One 404 for "no right", "no organisation" and "not a client here" alike."""
    tenant = request.tenant  # type: ignore[attr-defined]
    contact = contact_for_user(tenant=tenant, user=request.user)
    if contact is None or not contact.can_view_sla_report or contact.organization is None:
        raise Http404("No report")
    tz = tenant_timezone(tenant)
    month = Month.parse(request.GET.get("month"), today=timezone.localtime(timezone=tz).date())
    return build_client_report(tenant=tenant, organization=contact.organization, month=month, tz=tz)


@client_required
@require_GET
def sla_report(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    today = timezone.localtime(timezone=report.tz).date()
    context = {
        **client_report_context(report),
        "months": Month(today.year, today.month).recent(MONTHS_OFFERED),
        "pdf_available": pdf_available(),
    }
    return render(request, "reports/client_report.html", context)


@client_required
@require_GET
def sla_report_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "pdf"):
        raise Http404("Unknown format")
    report = _report(request)
    if fmt == "xlsx":
        response = HttpResponse(client_report_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    else:
        try:
            response = HttpResponse(client_report_pdf(report), content_type="application/pdf")
        except PdfUnavailable as exc:
            raise Http404("PDF is not available on this server") from exc
    name = f"sla-{report.tenant.slug}-{report.month.key}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
