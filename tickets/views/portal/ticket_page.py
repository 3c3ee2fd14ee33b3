"""The ticket page: public history, reply, "Решение подтверждаю", "Не согласен", rating."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets.due_phrases import ticket_due_phrase
from tickets.forms.portal import ObjectionForm, RatingForm, ReplyForm, attachments_from
from tickets.models import Attachment, CustomField, Message, MessageKind, Rating, TicketEvent, TicketLink
from tickets.services import TicketError, ticket_reply
from tickets.services.client_feedback import (
    can_object,
    can_rate,
    ticket_confirm_solution,
    ticket_object,
    ticket_rate,
)
from tickets.statuses import InvalidTransition, Status
from tickets.views.portal.access import PortalAccess, portal_ticket_view


def _public_messages(access: PortalAccess) -> list[Message]:
    # Internal notes never leave the database for a portal page: the filter is in the query.
    thread = list(
        Message.objects.for_tenant(access.ticket.tenant_id)
        .filter(ticket=access.ticket, kind=MessageKind.PUBLIC)
        .select_related("author_user", "author_contact")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("pk"), to_attr="files")
        )
        .order_by("created_at", "pk")
    )
    # One reverse() for the page instead of one per attachment: long threads stay cheap to render.
    ticket_url = reverse("portal:ticket_detail", kwargs={"number": access.ticket.display_number})
    for message in thread:
        for attachment in message.files:
            attachment.download_url = f"{ticket_url}attachments/{attachment.pk}/"
    return thread


def _linked_tickets(access: PortalAccess) -> list[tuple[str, Any]]:
    """Links to tickets this person may see; others are left out rather than named."""
    ticket, visible = access.ticket, access.visible.values("pk")
    links = (
        TicketLink.objects.for_tenant(ticket.tenant_id)
        .filter(Q(source=ticket, target__in=visible) | Q(target=ticket, source__in=visible))
        .select_related("source", "target")
        .order_by("pk")
    )
    result = []
    for link in links:
        other = link.target if link.source_id == ticket.pk else link.source
        other.tenant = ticket.tenant  # same tenant by construction; saves a query per link
        result.append((link.get_kind_display(), other))
    return result


def _custom_values(access: PortalAccess) -> list[tuple[str, str]]:
    values = access.ticket.custom_fields or {}
    if not any(not key.startswith("_") for key in values):
        return []
    labels = dict(CustomField.objects.for_tenant(access.ticket.tenant_id).values_list("key", "label"))
    return [(labels.get(key, key), str(value)) for key, value in values.items() if not key.startswith("_")]


def _page(request: HttpRequest, access: PortalAccess, *, status: int = 200, **forms: Any) -> HttpResponse:
    ticket = access.ticket
    # A rating exists only once a ticket has been resolved; no query for tickets still in work.
    rating = Rating.objects.filter(ticket=ticket).first() if can_rate(ticket) else None
    status_history = list(
        TicketEvent.objects.for_tenant(ticket.tenant_id)
        .filter(ticket=ticket, action="status_changed")
        .values_list("created_at", "new_value")
        .order_by("created_at", "pk")
    )
    status_labels = dict(Status.choices)
    context = {
        "ticket": ticket,
        "contact": access.contact,
        "via_link": access.via_link,
        "thread": _public_messages(access),
        "linked": _linked_tickets(access),
        "custom_values": _custom_values(access),
        "contact_details": (ticket.custom_fields or {}).get("_contact") or {},
        "status_history": [(at, status_labels.get(value, value)) for at, value in status_history],
        "due_phrase": ticket_due_phrase(ticket),
        "rating": rating,
        "can_reply": ticket.status != Status.CLOSED,
        "can_confirm": ticket.status == Status.RESOLVED,
        "can_object": can_object(ticket),
        "can_rate": can_rate(ticket) and rating is None,
        "reply_form": forms.get("reply_form") or ReplyForm(tenant=ticket.tenant),
        "objection_form": forms.get("objection_form") or ObjectionForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
    }
    return render(request, "portal/ticket_detail.html", context, status=status)


def _back(access: PortalAccess) -> HttpResponse:
    return redirect("portal:ticket_detail", number=access.ticket.display_number)


@portal_ticket_view
def ticket_detail(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    return _page(request, access)


@require_POST
@portal_ticket_view
def ticket_reply_view(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = ReplyForm(request.POST, request.FILES, tenant=access.ticket.tenant)
    if form.is_valid():
        try:
            ticket_reply(
                ticket=access.ticket,
                contact=access.contact,
                body_text=form.cleaned_data["body"].strip(),
                attachments=attachments_from(form.cleaned_data["attachments"]),
                source="portal",
            )
        except TicketError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Ответ добавлен в заявку."))
            return _back(access)
    return _page(request, access, status=400, reply_form=form)


@require_POST
@portal_ticket_view
def ticket_confirm_view(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    try:
        ticket_confirm_solution(ticket=access.ticket, contact=access.contact)
    except (TicketError, InvalidTransition):
        messages.error(request, _("Подтвердить можно только решённую заявку."))
    else:
        messages.success(request, _("Спасибо! Заявка закрыта."))
    return _back(access)


@require_POST
@portal_ticket_view
def ticket_object_view(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            ticket_object(ticket=access.ticket, contact=access.contact, reason=form.cleaned_data["reason"])
        except (TicketError, InvalidTransition):
            messages.error(request, _("Возразить можно только против решения по заявке."))
        else:
            messages.success(request, _("Заявка возвращена в работу. Мы ответим вам."))
        return _back(access)
    return _page(request, access, status=400, objection_form=form)


@require_POST
@portal_ticket_view
def ticket_rate_view(request: HttpRequest, access: PortalAccess) -> HttpResponse:
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            ticket_rate(
                ticket=access.ticket,
                contact=access.contact,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except TicketError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Спасибо за оценку!"))
        return _back(access)
    return _page(request, access, status=400, rating_form=form)
