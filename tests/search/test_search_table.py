"""One table of searches, run through the agent and portal pages on whichever database the suite uses.

The suite runs on SQLite by default and on PostgreSQL with ``DATABASE_URL`` (CI): the expected ticket
numbers below are the same for both — that is the point of one normalised index. Tenant alpha numbers
its tickets AL-1…; AL-1 and AL-2 are the world's own two tickets.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from django.test import Client

from helpdesk.models import ClientVisibility
from tests.factories import ContactFactory, OrganizationFactory, make_client, make_ticket
from tickets import services


@pytest.fixture
def corpus(world_a, world_b):
    """AL-3 … AL-11 in alpha (client = alpha-client's contact, other = another organisation), one in beta."""
    tenant, client, other = world_a.tenant, world_a.client, world_a.other_client
    tenant.client_visibility = ClientVisibility.ORGANIZATION
    tenant.save(update_fields=["client_visibility"])

    def ticket(subject, body, requester=client):
        return make_ticket(tenant=tenant, requester=requester, subject=subject, body_text=body)

    ticket("Не работает печать накладных", "С утра принтер молчит.")  # AL-3
    ticket("Ошибка печати накладной", "При печати накладной выходит ошибка 1042.")  # AL-4
    ticket("Ошибка обновления базы", "После обновления до версии 3.2 не открывается.")  # AL-5
    ticket("Выставление счёта", "Нужен счет за ноябрь.")  # AL-6
    ticket("Печать счетов", "Зависает на втором листе.")  # AL-7
    ticket("Не работает печать в филиале", "Принтер в филиале.", requester=other)  # AL-8
    secret = ticket("Вопрос по договору", "Когда продлеваем?")  # AL-9
    services.ticket_reply(
        ticket=secret,
        actor=world_a.agent,
        internal=True,
        body_text="Клиенту не говорить: секретный пароль сервера.",
    )
    romashka = OrganizationFactory(tenant=tenant, name="ООО Ромашка")
    ivanova = ContactFactory(
        tenant=tenant, organization=romashka, email="ivanova@romashka.test", full_name="Мария Иванова"
    )
    ticket("Вопрос по лицензии", "Сколько мест в лицензии?", requester=ivanova)  # AL-10
    report = ticket("Вопрос по отчёту", "Отчёт выходит пустым.")  # AL-11
    services.ticket_reply(ticket=report, actor=world_a.agent, body_text="Проверьте настройки печати отчёта.")
    make_ticket(
        tenant=world_b.tenant, requester=world_b.client, subject="Не работает печать", body_text="печать"
    )
    return world_a


def _numbers(client: Client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    return list(dict.fromkeys(re.findall(r'href="[^"]*/(AL-\d+|BE-\d+)/"', html)))


# query → tickets the lead finds (all of alpha), and what alpha-client's contact finds in the portal.
TABLE = [
    ("не работает", {"AL-3", "AL-8"}, {"AL-3"}),
    ("печать", {"AL-3", "AL-4", "AL-7", "AL-8", "AL-11"}, {"AL-3", "AL-4", "AL-7", "AL-11"}),
    ("ПЕЧАТИ", {"AL-3", "AL-4", "AL-7", "AL-8", "AL-11"}, {"AL-3", "AL-4", "AL-7", "AL-11"}),
    ("обновление", {"AL-5"}, {"AL-5"}),
    ("счёт", {"AL-6", "AL-7"}, {"AL-6", "AL-7"}),
    ("счет", {"AL-6", "AL-7"}, {"AL-6", "AL-7"}),
    ("счетов печать", {"AL-7"}, {"AL-7"}),
    ("печать не работает", {"AL-3", "AL-8"}, {"AL-3"}),
    ('"не работает печать"', {"AL-3", "AL-8"}, {"AL-3"}),
    ('"печать не работает"', set(), set()),
    ("печать -накладная", {"AL-7", "AL-8", "AL-11"}, {"AL-7", "AL-11"}),
    ("AL-4", {"AL-4"}, {"AL-4"}),
    ("1042", {"AL-4"}, {"AL-4"}),
    ("ivanova@romashka.test", {"AL-10"}, set()),
    ("ромашка", {"AL-10"}, set()),
    ("Иванова", {"AL-10"}, set()),
    ("пароль", {"AL-9"}, set()),  # an internal note: agents only
    ("питомец", set(), set()),
    ("a\x00b", set(), set()),  # a NUL byte: an empty result, not an error
]


@pytest.mark.parametrize(("query", "lead_sees", "client_sees"), TABLE, ids=[row[0] for row in TABLE])
def test_search_table(corpus, login, query, lead_sees, client_sees):
    url_q = quote(query)
    assert set(_numbers(login(corpus.lead), f"/t/alpha/agent/?q={url_q}")) == lead_sees
    assert set(_numbers(login(corpus.client.user), f"/t/alpha/tickets/?q={url_q}")) == client_sees


def test_other_tenant_finds_nothing_of_alpha(corpus, world_b, login):
    assert _numbers(login(world_b.lead), "/t/beta/agent/?q=печать") == ["BE-3"]
    for query in ("накладной", "пароль", "ромашка", "AL-4"):
        assert _numbers(login(world_b.lead), f"/t/beta/agent/?q={quote(query)}") == []


def test_other_organisation_client_sees_only_its_own(corpus, login):
    other = login(corpus.other_client.user)
    assert set(_numbers(other, "/t/alpha/tickets/?q=печать")) == {"AL-8"}
    assert _numbers(other, "/t/alpha/tickets/?q=накладной") == []


def test_ranked_subject_before_message_then_newest(corpus, login):
    """A match in the subject outranks one in a message; among equals the newest comes first."""
    assert _numbers(login(corpus.lead), "/t/alpha/agent/?q=печать") == [
        "AL-8",
        "AL-7",
        "AL-4",
        "AL-3",
        "AL-11",
    ]


def test_snippet_marks_the_words_and_never_shows_notes_to_clients(corpus, login):
    html = login(corpus.lead).get("/t/alpha/agent/?q=пароль").content.decode()
    assert "<mark>пароль</mark>" in html and "Заметка" in html
    html = login(corpus.lead).get(f"/t/alpha/agent/?q={quote('настройки печати')}").content.decode()
    assert "<mark>настройки</mark> <mark>печати</mark>" in html
    html = login(corpus.client.user).get("/t/alpha/tickets/?q=" + quote("секретный")).content.decode()
    assert "секретный" not in html.replace('value="секретный"', "")


def test_agent_sees_only_queues_they_may(corpus, login):
    """An agent outside the ticket's queue finds nothing the queue page would not show them."""
    from tests.factories import QueueFactory
    from tickets.models import Ticket

    queue = QueueFactory(tenant=corpus.tenant)
    Ticket.objects.filter(tenant=corpus.tenant, number=4).update(queue=queue)
    assert "AL-4" not in _numbers(login(corpus.agent), "/t/alpha/agent/?q=1042")
    assert "AL-4" in _numbers(login(corpus.lead), "/t/alpha/agent/?q=1042")
    stranger = make_client(tenant=corpus.tenant)
    assert _numbers(login(stranger.user), "/t/alpha/tickets/?q=1042") == []
