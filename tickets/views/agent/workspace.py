"""The ticket workspace: conversation, reply and notes, property changes, SLA timers, merge and split."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.db.models import CharField, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.media_files import open_stored
from helpdesk.models import User
from helpdesk.permissions import agent_required
from helpdesk.tenancy import is_lead
from kb import services as kb_services
from kb.services import articles_linked_in
from sla.models import SLATier
from tickets import services
from tickets.attachment_policy import attachment_refusal
from tickets.canned import render_canned
from tickets.forms.agent import ChangeForm, MergeForm, ReplyForm, SplitForm
from tickets.models import (
    Attachment,
    AuthorKind,
    CannedResponse,
    Category,
    Priority,
    Ticket,
    TicketLink,
    TimeEntry,
)
from tickets.selectors import ticket_get_for_agent, tickets_for_agent
from tickets.services.merging import ticket_merge, ticket_split
from tickets.services.tiers import ticket_set_tier
from tickets.statuses import InvalidTransition, Status
from tickets.templatetags.agent_workspace import minutes
from tickets.views.agent.sla_timers import calendar_for, ticket_timers

OTHER_TICKETS = 5


def _ticket(request: HttpRequest, number: str) -> Ticket:
    return ticket_get_for_agent(tenant=request.tenant, user=request.user, number=number)  # type: ignore[attr-defined]


def _to_ticket(ticket: Ticket, anchor: str = "") -> HttpResponse:
    response = redirect("agent:ticket_detail", number=ticket.display_number)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def side_panel_choices(tenant: Any) -> dict[str, list[tuple[int, str]]]:
    """Categories, SLA tiers, staff and canned responses of the side panel and reply form in one round
    trip (a UNION of four lists)."""
    label = Value("", output_field=CharField())
    categories = (
        Category.objects.for_tenant(tenant)
        .filter(is_active=True)
        .values_list(Value("category", output_field=CharField()), "pk", "name", "ordering")
    )
    tiers = SLATier.objects.for_tenant(tenant).values_list(
        Value("tier", output_field=CharField()), "pk", "name", Value(0, output_field=IntegerField())
    )
    staff = (
        User.objects.filter(memberships__tenant=tenant, is_active=True)
        .annotate(label=Coalesce(NullIf("full_name", label), "email", output_field=CharField()))
        .values_list(
            Value("staff", output_field=CharField()), "pk", "label", Value(0, output_field=IntegerField())
        )
    )
    canned = (
        CannedResponse.objects.for_tenant(tenant)
        .filter(is_active=True)
        .values_list(
            Value("canned", output_field=CharField()), "pk", "title", Value(0, output_field=IntegerField())
        )
    )
    grouped: dict[str, list[tuple[int, str, int]]] = {"category": [], "tier": [], "staff": [], "canned": []}
    union = categories.order_by().union(tiers.order_by(), staff.order_by(), canned.order_by(), all=True)
    for kind, pk, name, order in union:
        grouped[kind].append((order, name, pk))
    return {kind: [(pk, name) for _order, name, pk in sorted(rows)] for kind, rows in grouped.items()}


def prepare_messages(conversation: list[Any], *, ticket: Ticket, booked: dict[int | None, int]) -> None:
    """Display data of each message, computed once here: with 50 messages the per-message filters,
    ``{% url %}`` tags and related-manager lookups in the template were most of the page's CPU time."""
    attachment_url = reverse("agent:ticket_attachment", args=[ticket.display_number, 0])
    head, tail = attachment_url.rsplit("0", 1)
    for m in conversation:
        when = timezone.localtime(m.created_at)
        m.css = (  # type: ignore[attr-defined]
            "note"
            if m.is_internal
            else ("from-agent" if m.author_kind == AuthorKind.AGENT else "from-client")
        )
        m.when_iso = when.isoformat()  # type: ignore[attr-defined]
        m.when_text = when.strftime("%d.%m.%Y %H:%M")  # type: ignore[attr-defined]
        m.booked_minutes = booked.get(m.pk, 0)  # type: ignore[attr-defined]
        m.booked_text = minutes(m.booked_minutes) if m.booked_minutes else ""  # type: ignore[attr-defined]
        m.files = [  # type: ignore[attr-defined]
            (f"{head}{a.pk}{tail}", a.filename, filesizeformat(a.size)) for a in m.attachments.all()
        ]


def workspace_context(request: HttpRequest, ticket: Ticket, **forms: Any) -> dict[str, Any]:
    tenant = request.tenant  # type: ignore[attr-defined]
    conversation = list(
        ticket.messages.select_related("author_user", "author_contact").prefetch_related("attachments")
    )
    entries = list(TimeEntry.objects.filter(ticket=ticket).values("message_id", "minutes", "minutes_spent"))
    booked_by_message: dict[int | None, int] = {}
    for entry in entries:
        booked_by_message[entry["message_id"]] = (
            booked_by_message.get(entry["message_id"], 0) + entry["minutes"]
        )
    prepare_messages(conversation, ticket=ticket, booked=booked_by_message)
    links = list(
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
            "source__tenant", "target__tenant"
        )
    )
    other = []
    if ticket.requester_id:
        other = list(
            tickets_for_agent(tenant=tenant, user=request.user)
            .filter(requester_id=ticket.requester_id)
            .exclude(pk=ticket.pk)
            .select_related("tenant")
            .order_by("-created_at")[:OTHER_TICKETS]
        )
    timers = ticket_timers(ticket)
    if any(t.remaining is not None for t in timers):
        timers = ticket_timers(ticket, calendar=calendar_for(ticket))
    lead = is_lead(request.user, tenant)
    choices = side_panel_choices(tenant)
    statuses = [(ticket.status, ticket.get_status_display())] + [
        (s, Status(s).label) for s in services.allowed_next_statuses(ticket)
    ]
    changes = [
        ("status", _("Статус"), statuses, ticket.status, False),
        ("priority", _("Приоритет"), Priority.choices, ticket.priority, False),
        ("category", _("Категория"), choices["category"], ticket.category_id, True),
        ("tier", _("Уровень SLA"), choices["tier"], ticket.sla_tier_id, True),
    ]
    if lead:
        changes.insert(3, ("assignee", _("Исполнитель"), choices["staff"], ticket.assignee_id, True))
    return {
        "ticket": ticket,
        "conversation": conversation,
        "time_total": sum(e["minutes"] for e in entries),
        "time_spent_total": sum(e["minutes_spent"] for e in entries),
        "links": links,
        "other_tickets": other,
        "participants": list(ticket.participants.all()),
        "timers": timers,
        "canned": choices["canned"],
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "changes": changes,
        "merge_form": forms.get("merge_form") or MergeForm(),
        "next_statuses": services.allowed_next_statuses(ticket),
        "can_reassign": lead,
        "time_minimum": tenant.time_accounting_minimum_minutes,
    }


@agent_required
@require_GET
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    return render(request, "agent/tickets/detail.html", workspace_context(request, ticket))


@agent_required
@require_GET
def ticket_history(request: HttpRequest, number: str) -> HttpResponse:
    """The audit history; a fragment for the htmx tab, a page of its own without JavaScript."""
    ticket = _ticket(request, number)
    events = ticket.events.select_related("actor").order_by("created_at", "pk")
    template = "agent/tickets/_history.html" if request.htmx else "agent/tickets/history.html"  # type: ignore[attr-defined]
    return render(request, template, {"ticket": ticket, "events": events})


@agent_required
@require_GET
def canned_insert(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the reply textarea with the chosen canned response, placeholders filled, appended."""
    ticket = _ticket(request, number)
    body = request.GET.get("body", "")
    raw_pk = request.GET.get("canned", "")
    if raw_pk.isdigit():
        response = CannedResponse.objects.for_tenant(request.tenant).filter(pk=int(raw_pk)).first()  # type: ignore[attr-defined]
        if response is None:
            raise Http404("No such canned response")
        text = render_canned(response, ticket=ticket, agent=request.user)
        body = f"{body.rstrip()}\n\n{text}" if body.strip() else text
    return render(request, "agent/tickets/_reply_body.html", {"body": body})


@agent_required
@require_POST
def ticket_reply(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        files = form.cleaned_data["attachments"]
        refusals = [
            r
            for f in files
            if (r := attachment_refusal(ticket.tenant, filename=f.name, size=f.size)) is not None
        ]
        for refusal in refusals:
            form.add_error("attachments", refusal)
    if not form.is_valid():
        context = workspace_context(request, ticket, reply_form=form)
        return render(request, "agent/tickets/detail.html", context, status=400)
    data = form.cleaned_data
    try:
        message = services.ticket_reply(
            ticket=ticket,
            body_text=data["body"],
            actor=request.user,  # type: ignore[arg-type]
            internal=data["internal"],
            minutes_spent=data.get("minutes_spent") or None,
            attachments=[
                services.NewAttachment(
                    filename=f.name,
                    content=f.read(),
                    content_type=f.content_type or "application/octet-stream",
                )
                for f in data["attachments"]
            ],
        )
        if not data["internal"]:
            kb_services.articles_sent_record(
                ticket=ticket,
                message=message,
                articles=articles_linked_in(ticket.tenant, data["body"]),
                actor=request.user,
            )
        if data.get("then_status") and not data["internal"]:
            services.ticket_set_status(ticket=ticket, status=data["then_status"], actor=request.user)  # type: ignore[arg-type]
    except (services.TicketError, InvalidTransition) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Заметка добавлена.") if data["internal"] else _("Ответ отправлен."))
    return _to_ticket(ticket, "conversation-end")


@agent_required
@require_POST
def ticket_take(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    services.ticket_assign(
        ticket=ticket, assignee=request.user, actor=request.user, reason=_("Взял в работу")
    )  # type: ignore[arg-type]
    messages.success(request, _("Заявка назначена на вас."))
    return _to_ticket(ticket)


@agent_required
@require_POST
def ticket_change(request: HttpRequest, number: str) -> HttpResponse:
    """One property change (status, priority, category, assignee, tier) with its reason."""
    tenant = request.tenant  # type: ignore[attr-defined]
    ticket = _ticket(request, number)
    form = ChangeForm(request.POST, tenant=tenant)
    if not form.is_valid():
        messages.error(request, _("Проверьте значение: %(errors)s") % {"errors": form.errors.as_text()})
        return _to_ticket(ticket)
    data = form.cleaned_data
    what, reason, actor = data["what"], data.get("reason") or "", request.user
    try:
        if what == "status":
            services.ticket_set_status(ticket=ticket, status=data["status"], actor=actor, reason=reason)  # type: ignore[arg-type]
        elif what == "priority":
            services.ticket_set_priority(ticket=ticket, priority=data["priority"], actor=actor, reason=reason)  # type: ignore[arg-type]
        elif what == "category":
            services.ticket_set_category(ticket=ticket, category=data["category"], actor=actor, reason=reason)  # type: ignore[arg-type]
        elif what == "tier":
            ticket_set_tier(ticket=ticket, tier=data["tier"], actor=actor, reason=reason)  # type: ignore[arg-type]
        elif what == "assignee":
            assignee = data["assignee"]
            if not is_lead(actor, tenant) and assignee not in (None, actor):
                raise services.TicketError(
                    _("Назначать заявки другим сотрудникам может только руководитель.")
                )
            services.ticket_assign(ticket=ticket, assignee=assignee, actor=actor, reason=reason)  # type: ignore[arg-type]
    except (services.TicketError, InvalidTransition) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Изменено."))
    return _to_ticket(ticket)


@agent_required
@require_POST
def ticket_merge_view(request: HttpRequest, number: str) -> HttpResponse:
    """Merge this ticket (a duplicate) into the one named in the form, which survives."""
    ticket = _ticket(request, number)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите номер заявки."))
        return _to_ticket(ticket)
    # The survivor goes through the same selector: a foreign or invisible number is "not found".
    try:
        target = _ticket(request, form.cleaned_data["target"])
    except Http404:
        messages.error(request, _("Заявка %(n)s не найдена.") % {"n": form.cleaned_data["target"]})
        return _to_ticket(ticket)
    try:
        ticket_merge(source=ticket, target=target, actor=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
    except services.TicketError as exc:
        messages.error(request, str(exc))
        return _to_ticket(ticket)
    messages.success(
        request,
        _("Заявка %(a)s объединена с %(b)s.") % {"a": ticket.display_number, "b": target.display_number},
    )
    return _to_ticket(target)


@agent_required
@require_POST
def ticket_split_view(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    form = SplitForm(request.POST)
    if not form.is_valid():
        raise Http404("No such message")
    message = ticket.messages.filter(pk=form.cleaned_data["message"]).first()
    if message is None:
        raise Http404("No such message")
    message.ticket = ticket
    try:
        new_ticket = ticket_split(message=message, actor=request.user, subject=form.cleaned_data["subject"])  # type: ignore[arg-type]
    except services.TicketError as exc:
        messages.error(request, str(exc))
        return _to_ticket(ticket)
    messages.success(request, _("Создана заявка %(n)s.") % {"n": new_ticket.display_number})
    return _to_ticket(new_ticket)


@agent_required
@require_GET
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """Files are served only through the ticket the agent may see; the storage path is never exposed."""
    ticket = _ticket(request, number)
    attachment = Attachment.objects.for_tenant(ticket.tenant_id).filter(ticket=ticket, pk=pk).first()
    if attachment is None:
        raise Http404("No such attachment")
    inline = attachment.content_type.startswith("image/") and request.GET.get("inline") == "1"
    try:
        stored = open_stored(attachment.file)
    except FileNotFoundError as exc:
        raise Http404("File is missing") from exc
    response = FileResponse(
        stored.file,
        as_attachment=not inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    if stored.size is not None:
        response["Content-Length"] = str(stored.size)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def organisation_time_totals(tenant: Any, *, since: Any) -> list[dict[str, Any]]:
    return list(
        TimeEntry.objects.for_tenant(tenant)
        .filter(created_at__gte=since)
        .values("ticket__organization__name")
        .annotate(minutes=Sum("minutes"), spent=Sum("minutes_spent"))
        .order_by("ticket__organization__name")
    )


@agent_required
@require_GET
def time_report(request: HttpRequest) -> HttpResponse:
    """Booked time per organisation for the current month (or ?days=N)."""
    days = request.GET.get("days", "")
    now = timezone.localtime()
    since = (
        now - timedelta(days=int(days))
        if days.isdigit() and 0 < int(days) <= 3660
        else now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    )
    rows = organisation_time_totals(request.tenant, since=since)  # type: ignore[attr-defined]
    return render(
        request,
        "agent/time_report.html",
        {"rows": rows, "since": since, "total": sum(r["minutes"] or 0 for r in rows)},
    )
