"""The index follows the services that write text, costs one INSERT per written text on PostgreSQL, and
a rebuild gives the same answers."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from search import engine
from search.models import Kind, SearchEntry
from search.text import index_text, parse_query
from tests.factories import make_ticket
from tickets import services
from tickets.search import search_for_agent
from tickets.services.mail import contact_get_or_create_for_email
from tickets.services.merging import ticket_merge
from tickets.services.portal_intake import portal_ticket_create


def _found(world, text: str) -> list[int]:
    tickets = services.Ticket.objects.for_tenant(world.tenant)
    return [
        services.Ticket.objects.get(pk=pk).number
        for pk in search_for_agent(tickets, world.tenant, text).ticket_ids
    ]


def _search_inserts(ctx) -> list[str]:
    return [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"] and "search_" in q["sql"]]


def test_a_new_ticket_and_a_reply_each_cost_one_index_insert(world_a):
    per_backend = 1 if connection.vendor == "postgresql" else 2  # SQLite also writes its FTS5 row(s)
    with CaptureQueriesContext(connection) as ctx:
        ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Сбой синхронизации")
    assert len(_search_inserts(ctx)) == per_backend
    with CaptureQueriesContext(connection) as ctx:
        services.ticket_reply(ticket=ticket, actor=world_a.agent, body_text="Перезапустили синхронизатор")
    assert len(_search_inserts(ctx)) == per_backend
    assert _found(world_a, "синхронизатор") == [ticket.number]
    kinds = set(SearchEntry.objects.filter(ticket_id=ticket.pk).values_list("kind", flat=True))
    assert kinds == {Kind.TICKET, Kind.MESSAGE}


def test_merged_messages_are_found_in_the_survivor(world_a):
    target = world_a.ticket
    source = make_ticket(
        tenant=world_a.tenant, requester=world_a.client, subject="Дубль", body_text="Мигает лампа"
    )
    ticket_merge(source=source, target=target, actor=world_a.lead)
    assert target.number in _found(world_a, "лампа")
    hits = engine.find(parse_query("лампа"), tenant_id=world_a.tenant.pk, kinds=[Kind.MESSAGE])
    assert {hit.ticket_id for hit in hits} == {target.pk}


def test_renamed_contact_is_found_by_the_new_name(world_a):
    contact = world_a.client
    portal_ticket_create(
        contact=contact,
        subject="Смена реквизитов",
        description="…",
        contact_details={"full_name": "Пётр Сидоров"},
    )
    assert world_a.ticket.number in _found(world_a, "Сидоров")
    assert SearchEntry.objects.filter(kind=Kind.CONTACT, object_id=contact.pk).exists()


def test_a_new_contact_from_mail_is_indexed(world_a):
    contact, created = contact_get_or_create_for_email(
        tenant=world_a.tenant, email="Nina@Example.test", full_name="Нина Орлова"
    )
    assert created
    hits = engine.find(parse_query("орлова"), tenant_id=world_a.tenant.pk, kinds=[Kind.CONTACT])
    assert [hit.object_id for hit in hits] == [contact.pk]


def test_rebuild_gives_the_same_answers(world_a, world_b):
    ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Не печатает принтер")
    services.ticket_reply(ticket=ticket, actor=world_a.agent, internal=True, body_text="Заменить картридж")
    before = {q: _found(world_a, q) for q in ("принтер", "картридж", "заявка", world_a.ticket.display_number)}
    texts = SearchEntry.objects.exclude(kind=Kind.CONTACT)  # factories make contacts without the services
    count = texts.count()
    out = StringIO()
    call_command("search_rebuild", stdout=out)
    assert '"tickets":' in out.getvalue()
    assert texts.count() == count
    assert {q: _found(world_a, q) for q in before} == before
    call_command("search_rebuild", "--tenant", "beta", stdout=StringIO())
    assert {q: _found(world_a, q) for q in before} == before
    assert _found(world_b, "заявка")


def test_updating_a_text_replaces_its_terms(world_a):
    from search import index
    from search.index import Document

    doc = Document(tenant_id=world_a.tenant.pk, kind=Kind.CONTACT, object_id=999_001, parts=("Старое имя",))
    index.put([doc])
    index.put([Document(tenant_id=world_a.tenant.pk, kind=Kind.CONTACT, object_id=999_001, parts=("Новое",))])
    find = lambda text: engine.find(parse_query(text), tenant_id=world_a.tenant.pk, kinds=[Kind.CONTACT])  # noqa: E731
    assert find("старое") == [] and [h.object_id for h in find("новое")] == [999_001]
    index.remove(Kind.CONTACT, [999_001])
    assert find("новое") == []


@pytest.mark.postgres
def test_postgresql_splits_the_stored_terms_exactly_like_search_text(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    text = "Не работает печать накладных SV-1042, пишите ivanova@romashka.test; версия 3.2.1e5 Ёлка Müller ΑΒΓ 0x1f"
    terms = index_text(text)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(to_tsvector('simple'::regconfig, %s))", [terms])
        lexemes = set(cursor.fetchone()[0])
    assert lexemes == set(terms.split())


def test_the_newest_matches_are_looked_at_not_the_newest_entries(world_a, monkeypatch):
    """With a cap of two matches per kind, two older matching tickets are still found behind newer
    tickets that do not match (the cap counts matches, not entries)."""
    monkeypatch.setattr(engine, "NEWEST_PER_KIND", 2)
    older = [make_ticket(tenant=world_a.tenant, subject=f"Мигает лампа {i}") for i in range(3)]
    for i in range(4):
        make_ticket(tenant=world_a.tenant, subject=f"Другая тема {i}", body_text="Другой текст")
    assert _found(world_a, "лампа") == [older[2].number, older[1].number]
