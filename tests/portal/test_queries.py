"""Portal pages run a fixed number of queries however many tickets, messages or attachments there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_ticket
from tickets import services
from tickets.services import NewAttachment

pytestmark = pytest.mark.django_db

LIST_QUERIES = 10
DETAIL_QUERIES = 14


def _count(browser, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


def test_list_queries_do_not_grow_with_tickets(as_client, world_a, django_assert_max_num_queries):
    few = _count(as_client, "/t/alpha/tickets/")
    for n in range(30):
        make_ticket(tenant=world_a.tenant, requester=world_a.client, subject=f"Заявка номер {n} про отчёт")
    many = _count(as_client, "/t/alpha/tickets/")
    assert many == few
    with django_assert_max_num_queries(LIST_QUERIES):
        as_client.get("/t/alpha/tickets/?q=отчёт&status=open")


def test_detail_queries_do_not_grow_with_messages(as_client, world_a, django_assert_max_num_queries):
    url = f"/t/alpha/tickets/{world_a.ticket.display_number}/"
    few = _count(as_client, url)
    for n in range(10):
        services.ticket_reply(
            ticket=world_a.ticket,
            actor=world_a.agent,
            body_text=f"Ответ {n}",
            attachments=[NewAttachment(f"file{n}.png", b"\x89PNG", "image/png")],
        )
        services.ticket_reply(ticket=world_a.ticket, contact=world_a.client, body_text=f"Вопрос {n}")
    other = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Связанная заявка про отчёт")
    services.ticket_link(source=other, target=world_a.ticket, kind="related")
    many = _count(as_client, url)
    assert many <= few + 1  # the link list and custom-field labels appear once there is something to show
    with django_assert_max_num_queries(DETAIL_QUERIES):
        as_client.get(url)
