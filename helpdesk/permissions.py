"""Access decorators for tenant views: sign-in first, then a 404 for people outside the tenant."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from helpdesk.tenancy import is_agent, is_lead
from tickets.selectors import contact_for_user

View = Callable[..., HttpResponse]


def _require(check: Callable[[Any, Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            tenant = getattr(request, "tenant", None)
            if tenant is None:
                raise Http404("No tenant")
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("tenant:login"))
            if not check(request.user, tenant):
                raise Http404("Not found")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


agent_required = _require(is_agent)
lead_required = _require(is_lead)
client_required = _require(lambda user, tenant: contact_for_user(tenant=tenant, user=user) is not None)
