"""List, ticket page and dashboard use a fixed number of queries whatever the volume."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.agent.conftest import agent_url
from tests.factories import make_ticket
from tickets import services
from tickets.models import CannedResponse, Rating, Ticket
from tickets.services.merging import ticket_merge

MAX_QUERIES = 15


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _add_tickets(world, n: int) -> None:
    due = timezone.now() + timedelta(hours=4)
    for i in range(n):
        t = make_ticket(
            tenant=world.tenant,
            requester=world.client if i % 2 else world.other_client,
            subject=f"Заявка {i}",
        )
        services.ticket_assign(ticket=t, assignee=world.agent, actor=world.lead)
        Ticket.objects.filter(pk=t.pk).update(resolution_due=due, first_response_warned=bool(i % 3))


def _add_messages(world, ticket, n: int) -> None:
    for i in range(n):
        services.ticket_reply(
            ticket=ticket,
            body_text=f"Сообщение {i}",
            actor=world.agent if i % 2 else None,
            contact=None if i % 2 else world.client,
            internal=bool(i % 4 == 1),
            minutes_spent=7 if i % 2 else None,
            attachments=[services.NewAttachment(filename=f"f{i}.txt", content=b"x")] if i % 3 == 0 else (),
        )


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_queue_list_queries_do_not_grow(world_a, login, role, django_assert_max_num_queries):
    client = login(getattr(world_a, role))
    url = agent_url("alpha", "home") + "?view=all&q="
    _add_tickets(world_a, 3)
    small = _count(client, url)
    _add_tickets(world_a, 40)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _count(client, url)
    assert large == small
    search = agent_url("alpha", "home") + "?q=Заявка"
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(search)


def test_ticket_page_queries_do_not_grow(world_a, login, django_assert_max_num_queries):
    ticket = world_a.ticket
    Ticket.objects.filter(pk=ticket.pk).update(
        ack_due=timezone.now(),
        first_response_due=timezone.now() + timedelta(hours=1),
        resolution_due=timezone.now() + timedelta(hours=8),
    )
    CannedResponse.objects.create(tenant=world_a.tenant, title="c", body="b")
    client = login(world_a.lead)
    url = agent_url("alpha", "ticket_detail", ticket.display_number)
    _add_messages(world_a, ticket, 2)
    small = _count(client, url)
    _add_messages(world_a, ticket, 30)
    for i in range(4):
        dup = make_ticket(
            tenant=world_a.tenant,
            requester=world_a.client,
            subject=f"Дубль {i}",
            participants=[f"cc{i}@client.test"],
        )
        if i % 2:
            ticket_merge(source=dup, target=ticket, actor=world_a.lead)
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _count(client, url)
    assert large == small
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(agent_url("alpha", "ticket_history", ticket.display_number), HTTP_HX_REQUEST="true")


def test_dashboard_queries_do_not_grow(world_a, login, django_assert_max_num_queries):
    client = login(world_a.lead)
    url = agent_url("alpha", "dashboard")
    small = _count(client, url)
    _add_tickets(world_a, 20)
    for t in Ticket.objects.for_tenant(world_a.tenant)[:10]:
        Rating.objects.create(tenant=world_a.tenant, ticket=t, score=4, created_at=timezone.now())
    Ticket.objects.for_tenant(world_a.tenant).update(
        first_response_breached=True, first_response_at=timezone.now()
    )
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _count(client, url)
    assert large == small
