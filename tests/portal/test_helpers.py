"""Pure helpers: generic subjects, due times in the client's terms, similar tickets."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from tests.factories import make_ticket
from tickets.due_phrases import ticket_due_phrase, when_phrase
from tickets.forms.subject_rules import is_generic_subject
from tickets.models import Ticket
from tickets.views.portal.similar import similar_open_tickets

MSK = ZoneInfo("Europe/Moscow")
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=MSK)  # a Tuesday


@pytest.mark.parametrize(
    "subject",
    [
        "Помогите",
        "помогите!!!",
        "ВОПРОС",
        "Вопрос?",
        "Проблема",
        "нет темы",
        "Без темы",
        "Help",
        "HELP ME",
        "Срочно",
        "?",
        "",
        "...",
        "Не работает",
        "ошибка",
        "Re",
        "abc",
    ],
)
def test_generic_subjects(subject):
    assert is_generic_subject(subject)


@pytest.mark.parametrize(
    "subject",
    [
        "Не стартует middleware после обновления до 5.2",
        "Пропадает HLS-поток",
        "Ошибка 500 в отчёте",
        "Перенос лицензии",
        "VPN down",
    ],
)
def test_concrete_subjects(subject):
    assert not is_generic_subject(subject)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(hours=4), "14:00 сегодня"),
        (timedelta(days=1, hours=4), "14:00 завтра"),
        (timedelta(days=-1, hours=4), "14:00 вчера"),
        (timedelta(days=3, hours=4), "14:00, пятница 27 ноября"),
        (timedelta(days=30, hours=4), "14:00 24 декабря 2026"),
    ],
)
def test_when_phrase_in_russian(delta, expected):
    with translation.override("ru"):
        assert when_phrase(NOW + delta, now=NOW, tz=MSK) == expected


def test_when_phrase_uses_local_midnight():
    late = datetime(2026, 11, 24, 23, 30, tzinfo=MSK)
    due = datetime(2026, 11, 24, 22, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 Moscow, the next day
    with translation.override("ru"):
        assert when_phrase(due, now=late, tz=MSK) == "01:00 завтра"


def test_ticket_due_phrase():
    ticket = Ticket(status="new", first_response_due=NOW + timedelta(days=1, hours=4))
    with translation.override("ru"):
        assert ticket_due_phrase(ticket, now=NOW, tz=MSK) == "ответим до 14:00 завтра"
        ticket.first_response_at = NOW
        ticket.resolution_due = NOW + timedelta(hours=6)
        assert ticket_due_phrase(ticket, now=NOW, tz=MSK) == "решим до 16:00 сегодня"
        assert ticket_due_phrase(ticket, now=NOW + timedelta(hours=7), tz=MSK).startswith(
            "срок истёк в 16:00"
        )
        ticket.sla_paused_at = NOW  # waiting for the client: no promise shown
        assert ticket_due_phrase(ticket, now=NOW, tz=MSK) == ""
        ticket.status = "resolved"
        assert ticket_due_phrase(ticket, now=NOW, tz=MSK) == ""
        assert ticket_due_phrase(Ticket(status="open"), now=NOW, tz=MSK) == ""


def test_due_phrase_in_english():
    ticket = Ticket(status="new", first_response_due=NOW + timedelta(days=1, hours=4))
    with translation.override("en"):
        assert ticket_due_phrase(ticket, now=NOW, tz=MSK) == "we will reply by 14:00 tomorrow"
        assert when_phrase(NOW + timedelta(days=3, hours=4), now=NOW, tz=MSK) == "14:00, Friday 27 November"


@pytest.mark.django_db
def test_similar_open_tickets(world_a):
    make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Не выгружается отчёт по продажам")
    closed = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Отчёт по продажам пустой")
    Ticket.objects.filter(pk=closed.pk).update(status="closed")
    own = Ticket.objects.filter(requester=world_a.client)
    found = [t.subject for t in similar_open_tickets(own, "отчёт по продажам не выгружается")]
    assert found == ["Не выгружается отчёт по продажам"]
    assert similar_open_tickets(own, "принтер не печатает") == []
    assert similar_open_tickets(own, "") == []
