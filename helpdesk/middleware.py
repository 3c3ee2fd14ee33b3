"""Resolve the current tenant from the URL prefix ``/t/<slug>/`` or from the host name.

The middleware only sets ``request.tenant`` and routes tenant requests to the tenant URLconf.
For the path form it moves ``/t/<slug>`` into the script prefix, so the tenant URLconf and every
``{% url %}`` work unchanged whether a tenant is served under a prefix or on its own host.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import get_script_prefix, set_script_prefix

from helpdesk.models import Tenant, TenantDomain

# Served by the platform on every host name, tenants' own included (probes and scrapers use any).
PLATFORM_PATHS = ("/admin/", "/healthz/", "/readyz/", "/metrics", "/monitoring/", "/static/", "/api/")

_TENANT_PREFIX = re.compile(r"^/t/(?P<slug>[-a-zA-Z0-9_]+)(?P<rest>/.*)?$")


class TenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.tenant = None  # type: ignore[attr-defined]
        match = _TENANT_PREFIX.match(request.path_info)
        if match:
            tenant = Tenant.objects.filter(slug=match["slug"], is_active=True).first()
            if tenant is None:
                raise Http404("Unknown tenant")
            rest = match["rest"]
            if rest is None:
                # "/t/saveit" → "/t/saveit/": the tenant URLconf is rooted at the slash.
                from django.shortcuts import redirect

                return redirect(request.get_full_path().split("?")[0] + "/")
            return self._serve_tenant(request, tenant, prefix=f"t/{tenant.slug}/", path_info=rest)

        tenant = self._tenant_for_host(request)
        if tenant is not None and not request.path_info.startswith(PLATFORM_PATHS):
            return self._serve_tenant(request, tenant, prefix="", path_info=request.path_info)
        request.tenant = tenant  # type: ignore[attr-defined]
        return self.get_response(request)

    def _tenant_for_host(self, request: HttpRequest) -> Tenant | None:
        host = request.get_host().split(":")[0].lower()
        domain = (
            TenantDomain.objects.select_related("tenant").filter(host=host, tenant__is_active=True).first()
        )
        return domain.tenant if domain else None

    def _serve_tenant(
        self, request: HttpRequest, tenant: Tenant, *, prefix: str, path_info: str
    ) -> HttpResponse:
        request.tenant = tenant  # type: ignore[attr-defined]
        request.urlconf = settings.TENANT_URLCONF  # type: ignore[attr-defined]
        request.path_info = path_info
        outer_prefix = get_script_prefix()
        set_script_prefix(outer_prefix + prefix)
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(outer_prefix)
