"""The client organisation's monthly SLA report in the portal: who may see it, its numbers, XLSX and PDF."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from openpyxl import load_workbook

from reports.client_formats import pdf_available
from sla.models import SLATarget, SLATier
from tests.factories import make_ticket
from tickets import services
from tickets.models import Ticket, TimeEntry

MOSCOW = ZoneInfo("Europe/Moscow")
NOON = datetime(2026, 11, 18, 12, 0, tzinfo=MOSCOW)


def _url(slug: str, fmt: str = "") -> str:
    return f"/t/{slug}/sla-report/" + (f"report.{fmt}" if fmt else "")


@pytest.fixture
def november(time_machine, world_a, world_b):
    """SaveIT-like Alpha (30-minute units): in November three tickets of the client's organisation (one
    breached, one resolved), one of the other organisation; one October ticket; Beta's ticket."""
    time_machine.move_to(NOON, tick=False)
    w = world_a
    w.tenant.time_accounting_minimum_minutes = 30
    w.tenant.save()
    w.client.can_view_sla_report = True
    w.client.save()
    tier = SLATier.objects.get(tenant=w.tenant, is_default=True)
    for priority in (1, 3):
        SLATarget.objects.create(
            tenant=w.tenant, tier=tier, priority=priority, ack_hours=1, first_response_hours=4, resolution_hours=40
        )
    urgent = make_ticket(tenant=w.tenant, requester=w.client, subject='=HYPERLINK("x")', priority=1)
    Ticket.objects.filter(pk=urgent.pk).update(first_response_breached=True)
    done = make_ticket(tenant=w.tenant, requester=w.client, subject="Решённая")
    services.ticket_reply(ticket=done, body_text="Готово", actor=w.agent, minutes_spent=10)  # 30 booked
    services.ticket_book_time(ticket=done, actor=w.agent, minutes_spent=40)  # 60 booked
    services.ticket_set_status(ticket=done, status="resolved", actor=w.agent)
    Ticket.objects.filter(pk=w.ticket.pk).update(created_at=NOON - timedelta(days=40))  # October
    Ticket.objects.filter(pk=w.other_org_ticket.pk).update(created_at=NOON - timedelta(days=1))
    services.ticket_book_time(ticket=w.other_org_ticket, actor=w.agent, minutes_spent=300)
    make_ticket(tenant=world_b.tenant, requester=world_b.client)
    return w


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_report_counts_the_organisations_month(november):
    page = _client(november.client.user).get(_url("alpha"))
    assert page.status_code == 200
    report = page.context["report"]
    assert report.organization == november.org and report.month.key == "2026-11"
    assert report.total == 2
    priorities = {row.label: (row.total, row.done, row.breached) for row in report.priorities}
    assert priorities == {"1 — критический": (1, 0, 1), "3 — обычный": (1, 1, 0)}
    clocks = {row.label: row for row in report.clocks}
    assert clocks["Первый ответ"].breached == 1 and clocks["Первый ответ"].met == 1
    assert report.minutes_booked == 90 and report.units_booked == 3, "SaveIT's 30-minute units"
    assert sorted(r["number"] for r in report.tickets) == sorted(
        t.display_number
        for t in Ticket.objects.filter(
            tenant=november.tenant, organization=november.org, created_at__month=11
        )
    )
    html = page.content.decode()
    assert "единиц учёта по 30 мин: 3" in html
    assert "1 ч 30 мин" in html


def test_october_is_another_report(november):
    report = _client(november.client.user).get(_url("alpha"), {"month": "2026-10"}).context["report"]
    assert report.total == 1 and report.minutes_booked == 0
    future = _client(november.client.user).get(_url("alpha"), {"month": "2030-01"}).context["report"]
    assert future.month.key == "2026-11"


def test_only_contacts_with_the_right_see_it(november, world_b):
    no_right = november.other_client.user
    for url in (_url("alpha"), _url("alpha", "xlsx"), _url("alpha", "pdf")):
        assert _client(no_right).get(url).status_code == 404, url
        assert _client(november.agent).get(url).status_code == 404, url
        assert _client(world_b.client.user).get(url).status_code == 404, url
    assert "Отчёт SLA" not in _client(no_right).get("/t/alpha/tickets/").content.decode()
    assert "Отчёт SLA" in _client(november.client.user).get("/t/alpha/tickets/").content.decode()
    assert Client().get(_url("alpha")).status_code == 302  # sign in first


def test_xlsx_download(november):
    response = _client(november.client.user).get(_url("alpha", "xlsx"), {"month": "2026-11"})
    assert response.status_code == 200 and "sla-alpha-2026-11.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Сводка", "Заявки"]
    summary = [[c.value for c in row][:2] for row in book["Сводка"].iter_rows()]
    assert ["Учтено времени, мин", 90] in summary and ["Единиц учёта по 30 мин", 3] in summary
    sheet = book["Заявки"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {r[1] for r in rows} == {'\'=HYPERLINK("x")', "Решённая"}
    assert all(isinstance(r[5], datetime) for r in rows) and {r[4] for r in rows} == {"Новая", "Решена"}
    assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


@pytest.mark.skipif(
    not pdf_available(), reason="WeasyPrint needs Debian's Pango (libpango-1.0-0, libpangoft2-1.0-0)"
)
def test_pdf_download(november):
    response = _client(november.client.user).get(_url("alpha", "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-") and len(response.content) > 2000


def test_query_count_is_fixed(november, django_assert_max_num_queries):
    client = _client(november.client.user)
    with django_assert_max_num_queries(20) as few:
        client.get(_url("alpha"))
    for _ in range(5):
        t = make_ticket(tenant=november.tenant, requester=november.client)
        TimeEntry.objects.create(
            tenant=november.tenant,
            ticket=t,
            user=november.agent,
            minutes_spent=5,
            minutes=30,
            created_at=NOON,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(_url("alpha"))
