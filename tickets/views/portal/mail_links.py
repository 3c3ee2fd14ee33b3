"""The signed ticket link from a notification mail: opens that one ticket in this browser session."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tickets.models import Ticket
from tickets.portal_links import grant_ticket_access, read_ticket_token


def ticket_link(request: HttpRequest, token: str) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    claim = read_ticket_token(token, tenant=tenant)
    ticket = (
        Ticket.objects.for_tenant(tenant).select_related("tenant").filter(pk=claim.ticket_id).first()
        if claim
        else None
    )
    if ticket is None:
        return render(request, "portal/link_invalid.html", status=404)
    grant_ticket_access(request.session, claim)
    if not request.user.is_authenticated:
        messages.info(request, _("Вы открыли заявку по ссылке из письма. Чтобы увидеть все заявки, войдите."))
    return redirect("portal:ticket_detail", number=ticket.display_number)
