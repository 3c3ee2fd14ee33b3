"""A new ticket from the portal, and the live "similar open tickets" hint beside the subject."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helpdesk.permissions import client_required
from tickets.forms.portal import TicketCreateForm, attachments_from
from tickets.models import Contact, Ticket, TicketQuerySet
from tickets.selectors import contact_for_user
from tickets.services import TicketError
from tickets.services.portal_intake import portal_ticket_create
from tickets.views.portal.similar import similar_open_tickets


def _own_tickets(request: HttpRequest, contact: Contact) -> TicketQuerySet:
    # Duplicates are the client's own: a colleague's ticket is not "yours to reopen".
    return Ticket.objects.for_tenant(request.tenant).filter(requester=contact)  # type: ignore[attr-defined]


def _create(request: HttpRequest, form: TicketCreateForm, contact: Contact) -> Ticket | None:
    try:
        ticket = portal_ticket_create(
            contact=contact,
            subject=form.cleaned_data["subject"],
            description=form.cleaned_data["description"],
            category=form.cleaned_data.get("category"),
            priority=form.cleaned_data.get("priority"),
            custom_fields=form.custom_field_values(),
            contact_details=form.contact_details(),
            attachments=attachments_from(form.cleaned_data["attachments"]),
        )
    except TicketError as exc:
        form.add_error(None, str(exc))
        return None
    messages.success(
        request,
        _("Заявка %(number)s зарегистрирована. Подтверждение придёт на %(email)s.")
        % {"number": ticket.display_number, "email": contact.email},
    )
    return ticket


@client_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    contact = contact_for_user(tenant=tenant, user=request.user)
    if request.method != "POST":
        form = TicketCreateForm(tenant=tenant, contact=contact)
        return render(request, "portal/ticket_new.html", {"form": form, "similar": []})
    form = TicketCreateForm(request.POST, request.FILES, tenant=tenant, contact=contact)
    similar: list[Ticket] = []
    if form.is_valid():
        if not form.cleaned_data["not_duplicate"]:
            similar = similar_open_tickets(_own_tickets(request, contact), form.cleaned_data["subject"])
        if not similar and (ticket := _create(request, form, contact)) is not None:
            return redirect("portal:ticket_detail", number=ticket.display_number)
    # Browsers never re-send chosen files with a re-rendered form: say so rather than lose them silently.
    context = {"form": form, "similar": similar, "files_dropped": bool(request.FILES)}
    return render(request, "portal/ticket_new.html", context)


@client_required
@require_GET
def similar_tickets(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the client's open tickets that look like the subject being typed."""
    contact = contact_for_user(tenant=request.tenant, user=request.user)  # type: ignore[attr-defined]
    subject = request.GET.get("subject", "")[:300]
    similar = similar_open_tickets(_own_tickets(request, contact), subject) if len(subject) >= 5 else []
    return render(request, "portal/_similar.html", {"similar": similar})
