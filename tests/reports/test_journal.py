"""The journal for people: CSV as Russian Excel opens it, XLSX read back with openpyxl, formula
injection in every format and whatever the delimiter, the same columns in the command and the UI."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from reports.cells import FORMULA_TRIGGERS
from reports.journal import JOURNAL_COLUMNS
from sla.models import WorkSchedule
from tests.agent.conftest import agent_url
from tests.factories import make_ticket
from tickets import services
from tickets.models import Ticket
from tickets.statuses import Status

TITLES = [str(c.title) for c in JOURNAL_COLUMNS]
EVIL = ['=HYPERLINK("http://evil")', "+1+cmd", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", " =1+1", "＝1+1"]
# Payloads hidden behind a delimiter: harmless in the writer's dialect, a formula in a reader that splits
# on another delimiter unless every field is quoted.
HIDDEN = ["безопасно;=cmd|' /C calc'!A0", "безопасно,=1+1", "безопасно\t=1+1"]


def _command(*args: str) -> str:
    out = StringIO()
    call_command("journal", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def journal_world(world_a):
    tenant = world_a.tenant
    tenant.time_accounting_minimum_minutes = 30
    tenant.save()
    WorkSchedule.objects.create(
        tenant=tenant, name="Екатеринбург", is_default=True, timezone="Asia/Yekaterinburg"
    )
    ticket = world_a.ticket
    services.ticket_book_time(ticket=ticket, actor=world_a.agent, minutes_spent=10)
    services.ticket_book_time(ticket=ticket, actor=world_a.agent, minutes_spent=40)
    created = datetime(2025, 3, 3, 9, 15, tzinfo=timezone.get_fixed_timezone(0))
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=created,
        first_response_due=created + timedelta(hours=4),
        first_response_breached=True,
        priority=1,
    )
    return world_a


def test_csv_opens_in_russian_excel(journal_world):
    raw = _command("--tenant", "alpha").encode("utf-8")
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark, or Excel guesses windows-1251"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == TITLES and rows[0][:2] == ["Номер", "Тема"]
    row = dict(
        zip(rows[0], next(r for r in rows[1:] if r[0] == journal_world.ticket.display_number), strict=True)
    )
    assert row["Тема"] == "Заявка клиента alpha"
    assert row["Организация"] == "alpha-client"
    assert row["Статус"] == "Новая" and row["Приоритет"] == "1 — критический"
    assert row["Создана"] == "03.03.2025 14:15", "the tenant's time zone (Yekaterinburg, UTC+5)"
    assert row["Срок первого ответа"] == "03.03.2025 18:15"
    assert row["Первый ответ просрочен"] == "да" and row["Решение просрочено"] == "нет"
    assert row["Учтено времени, мин"] == "90" and row["Затрачено времени, мин"] == "50"
    assert raw.count(b"\r\n") == len(rows)


def test_csv_rfc4180_dialect(journal_world):
    text = _command("--tenant", "alpha", "--dialect", "rfc4180")
    assert not text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == TITLES and len(rows) == 3


def test_xlsx_has_dates_labels_and_a_usable_sheet(journal_world, tmp_path):
    path = tmp_path / "journal.xlsx"
    _command("--tenant", "alpha", "--format", "xlsx", "--output", str(path))
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    assert header == TITLES
    row = next(
        dict(zip(header, (c.value for c in r), strict=True))
        for r in sheet.iter_rows(min_row=2)
        if r[0].value == journal_world.ticket.display_number
    )
    assert row["Создана"] == datetime(2025, 3, 3, 14, 15), "a real date-time cell, local time"
    created_cell = sheet.cell(row=2, column=header.index("Создана") + 1)
    assert created_cell.is_date and created_cell.number_format == "DD.MM.YYYY HH:MM"
    assert row["Статус"] == "Новая" and row["Приоритет"] == "1 — критический" and row["Канал"] == "Портал"
    assert row["Первый ответ просрочен"] == "да" and row["Регистрация просрочена"] == "нет"
    assert row["Учтено времени, мин"] == 90 and row["Затрачено времени, мин"] == 50
    assert row["Решена"] is None
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:AB{sheet.max_row}"
    assert sheet.column_dimensions["B"].width > sheet.column_dimensions["A"].width


def test_json_keeps_codes_and_offsets(journal_world):
    rows = json.loads(_command("--tenant", "alpha", "--format", "json"))
    row = next(r for r in rows if r["number"] == journal_world.ticket.display_number)
    assert set(row) == {c.key for c in JOURNAL_COLUMNS}
    assert row["status"] == "new" and row["priority"] == 1 and row["first_response_breached"] is True
    assert row["created"] == "2025-03-03T14:15:00+05:00" and row["resolved_at"] is None
    assert row["minutes_booked"] == 90


def _plant_evil(world, payloads):
    for payload in payloads:
        ticket = make_ticket(tenant=world.tenant, requester=world.client, subject="x")
        Ticket.objects.filter(pk=ticket.pk).update(subject=payload)
    world.org.name = "=1+2"
    world.org.save()


@pytest.mark.parametrize("dialect", ["excel-ru", "rfc4180"])
def test_csv_neutralises_formulas_whatever_the_delimiter(world_a, dialect):
    _plant_evil(world_a, EVIL + HIDDEN)
    text = _command("--tenant", "alpha", "--dialect", dialect).removeprefix("\ufeff")
    for delimiter in (";", ",", "\t"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            for cell in row:
                assert cell.lstrip(' "')[:1] not in FORMULA_TRIGGERS and cell[:1] not in FORMULA_TRIGGERS, (
                    delimiter,
                    cell,
                )
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";" if dialect == "excel-ru" else ","))
    subjects = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil")' in subjects and "'\r'=1+1" in subjects
    assert "безопасно;'=cmd|' /C calc'!A0" in subjects, "a cell start for a reader that splits on ';'"
    assert "Заявка клиента alpha" in subjects, "harmless text is kept as it is"


def test_xlsx_neutralises_formulas(world_a, tmp_path):
    _plant_evil(world_a, EVIL)
    path = tmp_path / "journal.xlsx"
    _command("--tenant", "alpha", "--format", "xlsx", "--output", str(path))
    sheet = load_workbook(path).active
    texts = []
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert (
                    cell.value[:1] not in FORMULA_TRIGGERS and cell.value.lstrip()[:1] not in FORMULA_TRIGGERS
                )
                texts.append(cell.value)
    assert '\'=HYPERLINK("http://evil")' in texts and "'=1+2" in texts


def test_the_ui_export_has_the_command_columns(journal_world, login, django_assert_max_num_queries):
    client = login(journal_world.lead)
    with django_assert_max_num_queries(12):
        response = client.get(agent_url("alpha", "export", "csv"), {"status": Status.NEW})
        body = b"".join(response.streaming_content)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbf")
    ui = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    command = list(
        csv.reader(
            io.StringIO(_command("--tenant", "alpha").removeprefix("\ufeff"), newline=""), delimiter=";"
        )
    )
    assert ui[0] == command[0]
    assert sorted(ui[1:]) == sorted(r for r in command[1:] if r[TITLES.index("Статус")] == "Новая")
    xlsx = client.get(agent_url("alpha", "export", "xlsx"), {"status": Status.NEW})
    assert [c.value for c in load_workbook(io.BytesIO(xlsx.content)).active[1]] == TITLES


def test_journal_query_count_does_not_grow_with_tickets(world_a, django_assert_num_queries):
    for _ in range(5):
        make_ticket(tenant=world_a.tenant, requester=world_a.client)
    with django_assert_num_queries(3):  # tenant, time zone, one ticket query with joins and sums
        _command("--tenant", "alpha", "--format", "json")
