"""Customer portal views (clients of a tenant)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.permissions import client_required
from tickets.selectors import tickets_for_client


@client_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    tickets = (
        tickets_for_client(tenant=request.tenant, user=request.user)  # type: ignore[attr-defined]
        .select_related("tenant")
        .order_by("-created_at")[:100]
    )
    return render(request, "portal/ticket_list.html", {"tickets": tickets})
