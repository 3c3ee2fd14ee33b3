"""Reports for leads: the numbers, each number's link listing exactly those tickets, fixed query counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from helpdesk.models import Role
from tests.agent.conftest import agent_url
from tests.factories import CategoryFactory, MembershipFactory, SLATierFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import Rating, Ticket
from tickets.statuses import Status


def _age(ticket: Ticket, days: float, **fields) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(created_at=timezone.now() - timedelta(days=days), **fields)


@pytest.fixture
def busy(time_machine, world_a, world_b):
    """Alpha with a spread of tickets; Beta's tickets must never show up in Alpha's numbers. At noon, so
    that "today" and "N days ago" cannot straddle a midnight."""
    time_machine.move_to(datetime(2026, 6, 10, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")), tick=False)
    t, w = world_a.tenant, world_a
    gold = SLATierFactory(tenant=t, name="Золото")
    bugs = CategoryFactory(tenant=t, name="Ошибки")
    second = UserFactory(email="second@alpha.test", full_name="Борис Второй")
    MembershipFactory(tenant=t, user=second, role=Role.AGENT)
    mine = [make_ticket(tenant=t, requester=w.client, subject=f"Открытая {i}") for i in range(3)]
    for ticket in mine:
        services.ticket_assign(ticket=ticket, assignee=w.agent, actor=w.lead)
    _age(mine[0], 0.1, first_response_warned=True)
    _age(mine[1], 2, resolution_breached=True, sla_tier_id=gold.pk, category_id=bugs.pk, priority=1)
    _age(mine[2], 45)
    fast = make_ticket(tenant=t, requester=w.client, subject="Решена быстро")
    services.ticket_reply(ticket=fast, body_text="Ответ", actor=w.agent)
    services.ticket_set_status(ticket=fast, status=Status.RESOLVED, actor=w.agent)
    _age(fast, 5, first_response_at=timezone.now() - timedelta(days=5) + timedelta(hours=1))
    Rating.objects.create(
        tenant=t, ticket=fast, score=5, comment="Спасибо, всё быстро", created_at=timezone.now()
    )
    closed = make_ticket(tenant=t, requester=w.other_client, subject="Закрыта с нарушением")
    services.ticket_set_status(ticket=closed, status=Status.CLOSED, actor=w.lead)
    _age(closed, 10, first_response_breached=True, first_response_at=timezone.now() - timedelta(days=8))
    Rating.objects.create(tenant=t, ticket=closed, score=2, comment="Долго", created_at=timezone.now())
    _age(w.ticket, 100)  # outside the default four weeks, still in the backlog's oldest band
    _age(w.other_org_ticket, 0.2)  # the world was built before the clock was set
    for _ in range(3):
        make_ticket(tenant=world_b.tenant, requester=world_b.client, subject="Бета")
    return w


def _report(client, **params):
    response = client.get(agent_url("alpha", "reports"), params)
    assert response.status_code == 200
    return response.context["report"]


def _linked(report):
    for row in report.workload:
        yield f"workload {row.name}", row.open
        yield f"workload {row.name} soon", row.due_soon
        yield f"workload {row.name} breached", row.breached
    for label, c in report.backlog:
        yield f"backlog {label}", c
    for week in report.weeks:
        yield f"created {week.first}", week.created
        yield f"resolved {week.first}", week.resolved
    for title, rows in report.compliance:
        for row in rows:
            yield f"{title} {row.label}", row.total
            yield f"{title} {row.label} breached", row.breached
    for timing in report.timings:
        yield f"timing {timing.label}", timing.sample
    for score, c in report.ratings:
        yield f"rating {score}", c


def test_every_number_links_to_exactly_its_tickets(busy, login):
    client = login(busy.lead)
    report = _report(client)
    checked = 0
    for what, linked in _linked(report):
        page = client.get(agent_url("alpha", "home") + "?" + linked.query)
        assert page.status_code == 200, what
        assert len(page.context["rows"]) == linked.value, (what, linked.query)
        checked += linked.value
    assert checked > 20


def test_the_numbers(busy, login):
    report = _report(login(busy.lead))
    workload = {row.name: row for row in report.workload}
    agent = workload[busy.agent.get_full_name()]
    assert (agent.open.value, agent.due_soon.value, agent.breached.value) == (3, 1, 1)
    assert workload["Борис Второй"].open.value == 0
    assert workload["Не назначены"].open.value == 2  # world's own two tickets
    backlog = {str(label): c.value for label, c in report.backlog}
    assert backlog == {
        "сегодня": 2,
        "1–3 дня": 1,
        "4–7 дней": 0,
        "8–30 дней": 0,
        "31–90 дней": 1,
        "больше 90 дней": 1,
    }
    assert sum(w.created.value for w in report.weeks) == 5  # 2 open + fast + closed + other-org ticket
    assert sum(w.resolved.value for w in report.weeks) == 1
    tiers = dict(report.compliance)[next(t for t, _ in report.compliance if "SLA" in str(t))]
    gold = next(r for r in tiers if r.label == "Золото")
    assert (gold.total.value, gold.breached.value, gold.percent_met) == (1, 1, 0.0)
    first_response = report.timings[0]
    assert first_response.sample.value == 2
    assert first_response.median == timedelta(hours=1) and first_response.p90 == timedelta(days=2)
    assert {s: c.value for s, c in report.ratings} == {5: 1, 4: 0, 3: 0, 2: 1, 1: 0}
    assert report.rating_average == 3.5
    assert sorted(c.comment for c in report.comments) == ["Долго", "Спасибо, всё быстро"]


def test_the_period_is_a_date_range(busy, login):
    client = login(busy.lead)
    today = timezone.localdate()
    report = _report(client, first=(today - timedelta(days=3)).isoformat(), last=today.isoformat())
    assert sum(w.created.value for w in report.weeks) == 3
    page = client.get(agent_url("alpha", "reports"), {"first": today.isoformat(), "last": "2000-01-01"})
    assert "report" not in page.context and "позже" in page.content.decode()


def test_only_leads_and_only_their_tenant(busy, world_b, login):
    assert login(busy.agent).get(agent_url("alpha", "reports")).status_code == 404
    assert login(busy.lead).get(agent_url("beta", "reports")).status_code == 404
    assert login(world_b.lead).get(agent_url("beta", "reports")).status_code == 200


def test_query_count_does_not_grow(busy, login, django_assert_max_num_queries):
    client = login(busy.lead)
    with django_assert_max_num_queries(23) as small:
        _report(client)
    for i in range(20):
        _age(make_ticket(tenant=busy.tenant, requester=busy.client, subject=f"ещё {i}"), i)
    with django_assert_max_num_queries(len(small.captured_queries)):
        _report(client)


def test_a_drill_down_link_keeps_its_filters_on_the_queue_page(busy, login):
    client = login(busy.lead)
    report = _report(client)
    week = next(w for w in report.weeks if w.created.value)
    page = client.get(agent_url("alpha", "home") + "?" + week.created.query).content.decode()
    assert 'name="created_from"' in page and "включая закрытые" in page
    export = client.get(agent_url("alpha", "export", "csv") + "?" + week.created.query).getvalue().decode()
    assert export.count("\r\n") == week.created.value + 1
