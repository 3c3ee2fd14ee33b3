"""Request latency by view for Prometheus: the outermost middleware, so it times the whole stack."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from helpdesk import metrics


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        # The URL name, never the path: paths carry ticket numbers and would make a series per ticket.
        view = (match.view_name if match is not None else "") or "unresolved"
        metrics.observe_request(
            view=view,
            method=request.method or "",
            status=response.status_code,
            seconds=time.perf_counter() - started,
        )
        return response
