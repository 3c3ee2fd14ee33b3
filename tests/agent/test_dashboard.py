"""Dashboard aggregates."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.agent.conftest import agent_url
from tests.factories import make_ticket
from tickets.dashboard import build_dashboard
from tickets.models import Rating, Ticket


def test_dashboard_numbers(world_a, world_b, login):
    now = timezone.now()
    t = world_a.tenant
    fast = make_ticket(tenant=t, requester=world_a.client, subject="быстро", priority=1)
    slow = make_ticket(tenant=t, requester=world_a.client, subject="медленно")
    Ticket.objects.filter(pk=fast.pk).update(first_response_at=fast.created_at + timedelta(minutes=30))
    Ticket.objects.filter(pk=slow.pk).update(
        first_response_at=slow.created_at + timedelta(hours=30), first_response_breached=True
    )
    Rating.objects.create(tenant=t, ticket=fast, score=5, created_at=now)
    Rating.objects.create(tenant=t, ticket=slow, score=2, created_at=now)
    make_ticket(tenant=world_b.tenant, requester=world_b.client, priority=1)  # never counted for Alpha

    dash = build_dashboard(t, now=now + timedelta(minutes=1))
    charts = {c.title: dict(c.rows) for c in dash.charts}
    assert charts["Открытые по статусам"]["Новая"] == 4
    assert charts["Открытые по приоритетам"]["1 — критический"] == 1
    assert charts["Время первого ответа"]["≤ 1 ч"] == 1 and charts["Время первого ответа"]["1–3 д"] == 1
    assert charts["Нарушения по очередям"] == {"без очереди": 1}
    assert dash.rating_average == 3.5 and dash.rating_count == 2
    assert sum(r["total"] for r in dash.compliance) == 4
    assert sum(r["first_response_breached"] for r in dash.compliance) == 1

    page = login(world_a.lead).get(agent_url("alpha", "dashboard")).content.decode()
    assert "<svg" in page and "<table" in page and ("3,5" in page or "3.5" in page)
