"""The client's ticket list: own tickets (and the organisation's when the tenant allows), filters, search."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from helpdesk.models import ClientVisibility
from helpdesk.permissions import client_required
from tickets.models import Message, MessageKind, TicketQuerySet
from tickets.selectors import contact_for_user, parse_ticket_number, tickets_for_client
from tickets.statuses import OPEN_STATUSES, Status

PAGE_SIZE = 25
STATUS_FILTERS = {
    "open": (_("Открытые"), OPEN_STATUSES),
    "resolved": (_("Решённые"), {Status.RESOLVED}),
    "closed": (_("Закрытые"), {Status.CLOSED}),
}


def _search(tickets: TicketQuerySet, request: HttpRequest, query: str) -> TicketQuerySet:
    tenant = request.tenant  # type: ignore[attr-defined]
    number = parse_ticket_number(tenant, query)
    if number is None and query.isdigit() and len(query) <= 18:
        number = int(query)
    if number is not None:
        return tickets.filter(number=number)
    for word in query.split()[:6]:
        in_public_text = Message.objects.filter(
            ticket_id=OuterRef("pk"), kind=MessageKind.PUBLIC, body_text__icontains=word
        )
        tickets = tickets.filter(Q(subject__icontains=word) | Exists(in_public_text))
    return tickets


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
    if query:
        tickets = _search(tickets, request, query)
    tickets = tickets.select_related("requester").order_by("-created_at", "-pk")
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    # Every row is of this tenant and links under the list's URL: no join and no reverse() per row.
    list_url = reverse("portal:ticket_list")
    for ticket in page.object_list:
        ticket.tenant = tenant
        ticket.portal_url = f"{list_url}{ticket.display_number}/"
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
