"""The queue page: SLA-first lists with filters, search, saved filters, bulk actions and export."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.permissions import agent_required
from helpdesk.tenancy import is_lead
from reports.drilldown import DRILLDOWN_PARAMETERS, DrillDown
from reports.journal import (
    XLSX_CONTENT_TYPE,
    Dialect,
    journal_csv_chunks,
    journal_records,
    journal_tickets,
    journal_xlsx,
)
from sla.selectors import tenant_timezone
from tickets.forms.agent import QUEUE_VIEWS, BulkForm, QueueFilterForm, SavedFilterForm
from tickets.models import SavedFilter
from tickets.search import TicketResults, search_for_agent
from tickets.selectors import tickets_for_agent
from tickets.services.bulk import bulk_apply
from tickets.views.agent.filtering import filter_tickets, page, ranked_page
from tickets.views.agent.rows import queue_rows

FILTER_KEYS = (
    "view",
    "q",
    "queue",
    "status",
    "priority",
    "category",
    "tier",
    "organization",
    "assignee",
    "sort",
    *DRILLDOWN_PARAMETERS,  # the extra filters of report links
)


def _filtered(request: HttpRequest) -> tuple[QueueFilterForm, Any, TicketResults | None]:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = QueueFilterForm(request.GET or None, tenant=tenant)
    data = form.cleaned_data if form.is_valid() else {}
    visible = tickets_for_agent(tenant=tenant, user=request.user)
    drilldown = DrillDown.from_query(request.GET)
    tickets = filter_tickets(visible, tenant=tenant, user=request.user, data=data, drilldown=drilldown)
    found = None
    if data.get("q"):
        found = search_for_agent(tickets, tenant, data["q"])
        tickets = tickets.filter(pk__in=found.ticket_ids)
    return form, tickets, found


def _filter_query(request: HttpRequest) -> str:
    return urlencode([(k, v) for k in FILTER_KEYS for v in request.GET.getlist(k) if v])


@agent_required
@require_GET
def queue_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form, tickets, found = _filtered(request)
    sort = (form.cleaned_data.get("sort") if form.is_bound and form.is_valid() else "") or "due"
    after = request.GET.get("after", "")
    if found is not None and not request.GET.get("sort"):
        tickets_page, next_cursor = ranked_page(tickets, found, after=after, tenant=tenant)
    else:
        tickets_page, next_cursor = page(tickets, sort=sort, after=after, tenant=tenant)
    now = timezone.now()
    filter_query = _filter_query(request)
    context = {
        "form": form,
        "rows": queue_rows(tickets_page, now=now, snippets=found.snippets(tickets_page) if found else None),
        "searching": found is not None,
        "next_url": f"?{filter_query}&after={next_cursor}" if next_cursor else "",
        "filter_query": filter_query,
        "drilldown": DrillDown.from_query(request.GET).described(),
    }
    if request.htmx and request.GET.get("after"):  # type: ignore[attr-defined]
        return render(request, "agent/_ticket_rows.html", context)
    context.update(
        {
            "views": QUEUE_VIEWS,
            "current_view": request.GET.get("view") or "all",
            "saved_filters": SavedFilter.objects.for_tenant(tenant).filter(user=request.user),
            "bulk_form": BulkForm(tenant=tenant),
            "can_reassign": is_lead(request.user, tenant),
            # The bulk bar reuses the filter's staff list instead of querying it a second time.
            "staff": list(form.fields["assignee"].queryset),
        }
    )
    return render(request, "agent/queue.html", context)


@agent_required
@require_GET
def journal_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The journal (same columns as ``manage.py journal``) of exactly the rows the current filter shows.

    CSV in the Russian Excel dialect unless ``?dialect=rfc4180`` asks for plain RFC 4180."""
    if fmt not in ("csv", "xlsx"):
        raise Http404("Unknown format")
    tenant = request.tenant  # type: ignore[attr-defined]
    _form, tickets, _found = _filtered(request)
    records = journal_records(journal_tickets(tickets).iterator(chunk_size=2000))
    tz = tenant_timezone(tenant)
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        dialect = Dialect.RFC4180 if request.GET.get("dialect") == Dialect.RFC4180.value else Dialect.EXCEL_RU
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in journal_csv_chunks(records, tz=tz, dialect=dialect)),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(journal_xlsx(records, tz=tz), content_type=XLSX_CONTENT_TYPE)
    stamp = timezone.localtime(timezone=tz).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="journal-{tenant.slug}-{stamp}.{fmt}"'
    return response


def _back_to_list(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("agent:home")


@agent_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = BulkForm(request.POST, tenant=tenant)
    if not form.is_valid():
        messages.error(request, _("Выберите заявки и действие."))
        return _back_to_list(request)
    data = form.cleaned_data
    assignee = data.get("assignee")
    if (
        data["action"] == "assign"
        and not is_lead(request.user, tenant)
        and assignee not in (None, request.user)
    ):
        messages.error(request, _("Назначать заявки другим сотрудникам может только руководитель."))
        return _back_to_list(request)
    # Ids the agent may not see are silently dropped: they are indistinguishable from missing ones.
    tickets = list(
        tickets_for_agent(tenant=tenant, user=request.user)
        .filter(pk__in=data["tickets"])
        .select_related("tenant", "requester")
    )
    if not tickets:
        raise Http404("No such tickets")
    result = bulk_apply(
        tickets=tickets,
        action=data["action"],
        actor=request.user,  # type: ignore[arg-type]
        assignee=assignee,
        status=data.get("status") or "",
        priority=data.get("priority"),
        reason=data.get("reason") or "",
    )
    if result.done:
        messages.success(request, _("Готово: %(list)s") % {"list": ", ".join(result.done)})
    for number, error in result.failed:
        messages.error(request, f"{number}: {error}" if number else error)
    return _back_to_list(request)


@agent_required
@require_POST
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        # Keep only the known filter keys: the stored string is replayed as a query string later.
        raw = QueryDict(form.cleaned_data["query"] or "")
        query = urlencode([(k, v) for k in FILTER_KEYS for v in raw.getlist(k) if v])
        SavedFilter.objects.update_or_create(
            tenant=request.tenant,  # type: ignore[attr-defined]
            user=request.user,
            name=form.cleaned_data["name"],
            defaults={"query": query},
        )
        messages.success(request, _("Фильтр сохранён."))
        return redirect(reverse("agent:home") + (f"?{query}" if query else ""))
    messages.error(request, _("Укажите название фильтра."))
    return redirect("agent:home")


@agent_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    deleted, _rows = (
        SavedFilter.objects.for_tenant(request.tenant)  # type: ignore[attr-defined]
        .filter(user=request.user, pk=pk)
        .delete()
    )
    if not deleted:
        raise Http404("No such filter")
    return redirect("agent:home")
