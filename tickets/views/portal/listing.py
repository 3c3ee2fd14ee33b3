"""The client's ticket list: own tickets (and the organisation's when the tenant allows), filters, search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpdesk.models import ClientVisibility
from helpdesk.permissions import client_required
from tickets.search import search_for_client
from tickets.selectors import contact_for_user, tickets_for_client
from tickets.statuses import OPEN_STATUSES, Status

PAGE_SIZE = 25
STATUS_FILTERS = {
    "open": (_("Открытые"), OPEN_STATUSES),
    "resolved": (_("Решённые"), {Status.RESOLVED}),
    "closed": (_("Закрытые"), {Status.CLOSED}),
}


@client_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    contact = contact_for_user(tenant=tenant, user=request.user)
    tickets = tickets_for_client(tenant=tenant, user=request.user)
    status = request.GET.get("status", "")
    if status in STATUS_FILTERS:
        tickets = tickets.filter(status__in=STATUS_FILTERS[status][1])
    org_wide = tenant.client_visibility == ClientVisibility.ORGANIZATION and contact.organization_id
    mine_only = bool(org_wide and request.GET.get("mine"))
    if mine_only:
        tickets = tickets.filter(requester=contact)
    query = request.GET.get("q", "").strip()[:200]
    found = search_for_client(tickets, tenant, query) if query else None
    if found is not None:
        # Best match first: the ranked ids (at most a few hundred) in their order.
        position = {pk: i for i, pk in enumerate(found.ticket_ids)}
        ranked = sorted(
            tickets.filter(pk__in=found.ticket_ids).select_related("requester"), key=lambda t: position[t.pk]
        )
        page = Paginator(ranked, PAGE_SIZE).get_page(request.GET.get("page"))
    else:
        tickets = tickets.select_related("requester").order_by("-created_at", "-pk")
        page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    # Every row is of this tenant and links under the list's URL: no join and no reverse() per row.
    list_url = reverse("portal:ticket_list")
    for ticket in page.object_list:
        ticket.tenant = tenant
        ticket.portal_url = f"{list_url}{ticket.display_number}/"
    snippets = found.snippets(page.object_list) if found is not None else {}
    for ticket in page.object_list:
        ticket.search_snippet = snippets.get(ticket.pk, "")
    return render(
        request,
        "portal/ticket_list.html",
        {
            "page": page,
            "tickets": page.object_list,
            "status": status,
            "status_filters": [(key, label) for key, (label, _statuses) in STATUS_FILTERS.items()],
            "query": query,
            "org_wide": org_wide,
            "mine_only": mine_only,
            "contact": contact,
        },
    )
