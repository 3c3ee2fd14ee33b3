"""Queue lists: views, filters, keyset pagination, search, saved filters, bulk actions, export."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.agent.conftest import agent_url
from tests.factories import QueueFactory, make_ticket
from tickets import services
from tickets.models import SavedFilter, Ticket
from tickets.statuses import Status
from tickets.views.agent import filtering

ROW = re.compile(r'data-number="([A-Z]+-\d+)"')


def numbers(response) -> list[str]:
    return ROW.findall(response.content.decode())


@pytest.fixture
def desk(world_a):
    """Tickets in every state the list views tell apart."""
    t = world_a.tenant
    now = timezone.now()
    mk = lambda subject, **kw: make_ticket(tenant=t, requester=world_a.client, subject=subject, **kw)  # noqa: E731
    tickets = {
        "mine": mk("Моя"),
        "warned": mk("Скоро срок"),
        "breached": mk("Просрочена"),
        "waiting": mk("Ждём клиента"),
        "closed": mk("Закрытая"),
    }
    services.ticket_assign(ticket=tickets["mine"], assignee=world_a.agent, actor=world_a.agent)
    Ticket.objects.filter(pk=tickets["warned"].pk).update(first_response_warned=True, first_response_due=now)
    Ticket.objects.filter(pk=tickets["breached"].pk).update(resolution_breached=True)
    services.ticket_set_status(ticket=tickets["waiting"], status=Status.WAITING, actor=world_a.agent)
    services.ticket_set_status(ticket=tickets["closed"], status=Status.CLOSED, actor=world_a.agent)
    return {k: v.display_number for k, v in tickets.items()}


@pytest.mark.parametrize(
    "view, expected",
    [("mine", {"mine"}), ("warning", {"warned"}), ("breached", {"breached"}), ("waiting", {"waiting"})],
)
def test_list_views(world_a, desk, login, view, expected):
    shown = set(numbers(login(world_a.agent).get(agent_url("alpha", "home"), {"view": view})))
    assert shown == {desk[k] for k in expected}


def test_default_list_is_open_work_and_unassigned_excludes_mine(world_a, desk, login):
    client = login(world_a.agent)
    everything = set(numbers(client.get(agent_url("alpha", "home"))))
    assert desk["closed"] not in everything and desk["mine"] in everything
    unassigned = set(numbers(client.get(agent_url("alpha", "home"), {"view": "unassigned"})))
    assert desk["mine"] not in unassigned and desk["warned"] in unassigned
    closed = numbers(client.get(agent_url("alpha", "home"), {"status": "closed"}))
    assert closed == [desk["closed"]]


def test_filters_by_queue_priority_organisation_and_assignee(world_a, login):
    queue = QueueFactory(tenant=world_a.tenant)
    in_queue = make_ticket(tenant=world_a.tenant, requester=world_a.client, queue=queue, priority=1)
    client = login(world_a.lead)
    assert numbers(client.get(agent_url("alpha", "home"), {"queue": queue.pk})) == [in_queue.display_number]
    assert numbers(client.get(agent_url("alpha", "home"), {"priority": 1})) == [in_queue.display_number]
    by_org = numbers(client.get(agent_url("alpha", "home"), {"organization": world_a.other_org.pk}))
    assert by_org == [world_a.other_org_ticket.display_number]
    services.ticket_assign(ticket=in_queue, assignee=world_a.lead, actor=world_a.lead)
    assert numbers(client.get(agent_url("alpha", "home"), {"assignee": world_a.lead.pk})) == [
        in_queue.display_number
    ]


def test_keyset_pages_follow_the_next_due_moment(world_a, login, monkeypatch):
    monkeypatch.setattr(filtering, "PAGE_SIZE", 3)
    now = timezone.now()
    made = [make_ticket(tenant=world_a.tenant, requester=world_a.client, subject=f"T{i}") for i in range(6)]
    # Two share one deadline (ties broken by pk), one has a first-response deadline, two have none.
    dues = [now + timedelta(hours=5), now + timedelta(hours=1), now + timedelta(hours=1), None, None, None]
    for ticket, due in zip(made, dues, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(resolution_due=due)
    Ticket.objects.filter(pk=made[5].pk).update(
        first_response_due=now + timedelta(hours=2), resolution_due=now + timedelta(hours=9)
    )
    client = login(world_a.lead)
    seen, url = [], agent_url("alpha", "home")
    params: dict[str, str] = {}
    for _ in range(10):
        response = client.get(url, params, HTTP_HX_REQUEST="true" if params.get("after") else None)
        seen += numbers(response)
        match = re.search(r'hx-get="\?([^"]*after=([^"&]+))"', response.content.decode())
        if not match:
            break
        params = {"after": match.group(2).replace("&amp;", "&")}
    expected = [
        made[1],
        made[2],
        made[5],
        made[0],
        world_a.ticket,
        world_a.other_org_ticket,
        made[3],
        made[4],
    ]
    assert seen == [t.display_number for t in expected]


def test_newest_first_sort_pages_too(world_a, login, monkeypatch):
    monkeypatch.setattr(filtering, "PAGE_SIZE", 2)
    for i in range(3):
        make_ticket(tenant=world_a.tenant, requester=world_a.client, subject=f"N{i}")
    visible = Ticket.objects.for_tenant(world_a.tenant).open()
    first, cursor = filtering.page(visible, sort="new")
    second, cursor2 = filtering.page(visible, sort="new", after=cursor)
    third, cursor3 = filtering.page(visible, sort="new", after=cursor2)
    ordered = [t.pk for t in visible.order_by("-created_at", "-pk")]
    assert [t.pk for t in first + second + third] == ordered and cursor3 == ""
    assert filtering.page(visible, sort="due", after="nonsense~x")[0]  # a broken cursor is page one


def test_search_by_number_subject_body_and_requester(world_a, login):
    a = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Не печатает принтер")
    b = make_ticket(
        tenant=world_a.tenant,
        requester=world_a.other_client,
        subject="Вопрос",
        body_text="Сломалась выгрузка отчётов в 1С",
    )
    client = login(world_a.lead)
    search = lambda q: set(numbers(client.get(agent_url("alpha", "home"), {"q": q})))  # noqa: E731
    assert search(a.display_number) == {a.display_number}
    assert a.display_number in search("принтер")
    assert search("выгрузка") == {b.display_number}
    assert b.display_number in search(world_a.other_client.email)
    services.ticket_set_status(ticket=a, status=Status.CLOSED, actor=world_a.lead)
    assert a.display_number in search("принтер")  # search reaches closed tickets


def test_saved_filter_round_trip(world_a, login):
    client = login(world_a.agent)
    response = client.post(
        agent_url("alpha", "filter_save"), {"name": "Срочные", "query": "view=breached&priority=1&evil=1"}
    )
    saved = SavedFilter.objects.get(user=world_a.agent)
    assert saved.query == "view=breached&priority=1" and response["Location"].endswith("?" + saved.query)
    assert "Срочные" in client.get(agent_url("alpha", "home")).content.decode()
    assert "Срочные" not in login(world_a.lead).get(agent_url("alpha", "home")).content.decode()


def test_bulk_assign_status_priority_and_merge(world_a, login):
    extra = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Дубль")
    ids = [world_a.ticket.pk, extra.pk]
    lead = login(world_a.lead)
    lead.post(agent_url("alpha", "bulk"), {"action": "assign", "assignee": world_a.agent.pk, "tickets": ids})
    lead.post(agent_url("alpha", "bulk"), {"action": "priority", "priority": 2, "tickets": ids})
    lead.post(agent_url("alpha", "bulk"), {"action": "status", "status": "waiting", "tickets": ids})
    rows = list(Ticket.objects.filter(pk__in=ids).values_list("assignee", "priority", "status"))
    assert rows == [(world_a.agent.pk, 2, "waiting")] * 2
    lead.post(agent_url("alpha", "bulk"), {"action": "merge", "tickets": ids})
    extra.refresh_from_db()
    assert extra.merged_into_id == world_a.ticket.pk and extra.status == Status.CLOSED


def test_bulk_assign_to_someone_else_needs_a_lead(world_a, login):
    agent = login(world_a.agent)
    agent.post(
        agent_url("alpha", "bulk"),
        {"action": "assign", "assignee": world_a.lead.pk, "tickets": [world_a.ticket.pk]},
    )
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.assignee is None


def test_export_follows_the_filter_and_neutralises_formulas(world_a, login):
    evil = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject='=HYPERLINK("x")', priority=1)
    client = login(world_a.lead)
    csv = client.get(agent_url("alpha", "export", "csv"), {"priority": 1}).getvalue().decode()
    assert evil.display_number in csv and world_a.ticket.display_number not in csv
    assert "'=HYPERLINK" in csv
    response = client.get(agent_url("alpha", "export", "xlsx"), {"priority": 1})
    assert "attachment" in response["Content-Disposition"]
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell.value for cell in sheet[2]]
    assert values[0] == evil.display_number and values[1].startswith("'=")
    assert client.get(agent_url("alpha", "export", "pdf")).status_code == 404
