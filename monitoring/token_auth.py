"""The bearer token of the machine-readable endpoints (``/metrics``, ``/monitoring/health.json``)."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse


def metrics_token_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 while ``METRICS_TOKEN`` is unset (the endpoints are off), 401 without the right token."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        expected = settings.METRICS_TOKEN
        if not expected:
            raise Http404("Metrics are off")
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
            response = HttpResponse("Bearer token required\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="reglament"'
            return response
        return view(request, *args, **kwargs)

    return wrapped
