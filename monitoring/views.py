"""Readiness, the monitoring page (platform admin or tenant admin) and its JSON for external monitors."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from helpdesk.admin_scoping import admin_tenant_ids, is_platform_admin
from helpdesk.models import Tenant
from monitoring.health import health_report
from monitoring.readiness import readiness
from monitoring.token_auth import metrics_token_required


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    result = readiness()
    return JsonResponse(result, status=200 if result["status"] == "ok" else 503)


@never_cache
@metrics_token_required
def health_json(request: HttpRequest) -> JsonResponse:
    """Every signal of every tenant, for a monitor holding the metrics token."""
    return JsonResponse(health_report(), json_dumps_params={"ensure_ascii": False})


@never_cache
def _overview(request: HttpRequest) -> HttpResponse:
    if is_platform_admin(request):
        tenant_ids = None
        tenants = None
    elif admin_tenant_ids(request):
        tenant_ids = admin_tenant_ids(request)
        tenants = list(Tenant.objects.filter(pk__in=tenant_ids).order_by("name"))
    else:
        raise Http404("Not found")
    report = health_report(tenant_ids=tenant_ids)
    report["processes"] = [(_("Celery worker"), report["worker"]), (_("Celery beat"), report["beat"])]
    context = {
        **admin.site.each_context(request),
        "title": _("Мониторинг"),
        "report": report,
        "tenants": tenants,
        "platform": tenant_ids is None,
    }
    return render(request, "monitoring/overview.html", context)


def overview(request: HttpRequest) -> HttpResponse:
    """``/admin/monitoring/``: staff sign-in through the admin, then the page scoped to the person."""
    return admin.site.admin_view(_overview)(request)
