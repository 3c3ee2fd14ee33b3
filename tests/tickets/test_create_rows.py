"""ticket_create on PostgreSQL: the number upsert with the ticket's INSERT, then its clock, "created"
event and first message in one statement. The rows must be exactly what saving them one by one gives."""

from __future__ import annotations

from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from sla.models import TicketClock
from tickets import services
from tickets.models import Message, TicketEvent
from tickets.services import row_writes


def _create(world, **kwargs):
    return services.ticket_create(
        tenant=world.tenant,
        subject="Не печатает",
        body_text="Текст",
        requester=world.client,
        channel="email",
        message_id="<one@client.test>",
        **kwargs,
    )


def test_clock_event_and_message_rows_are_complete(world_a):
    captured = []
    services.register_after_commit_listener(lambda name, ticket_id, extra: captured.append((name, extra)))
    try:
        with CaptureQueriesContext(connection):
            ticket = _create(world_a, attachments=[services.NewAttachment("a.txt", b"x", "text/plain")])
    finally:
        services._after_commit_listeners.pop()
    message = Message.objects.get(ticket=ticket)
    assert (message.body_text, message.message_id, message.source) == ("Текст", "<one@client.test>", "email")
    assert message.created_at == ticket.created_at and message.author_contact == world_a.client
    assert ticket.attachments.get().message == message
    (event,) = TicketEvent.objects.filter(ticket=ticket, action="created")
    assert event.actor_label == str(world_a.client) and event.actor is None
    assert event.created_at == ticket.created_at and event.tenant_id == world_a.tenant.pk
    assert event.data == {"channel": "email", "priority": ticket.priority, "queue": None}
    clock = TicketClock.objects.get(ticket=ticket)
    assert clock.tier_id == ticket.sla_tier_id


def test_after_commit_listener_gets_the_first_messages_pk(world_a, django_capture_on_commit_callbacks):
    seen = []
    services.register_after_commit_listener(
        lambda name, ticket_id, extra: seen.append((name, ticket_id, extra))
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = _create(world_a)
    finally:
        services._after_commit_listeners.pop()
    assert seen == [("ticket_created", ticket.pk, {"message_id": Message.objects.get(ticket=ticket).pk})]


def test_two_statements_for_the_five_rows_on_postgresql(world_a):
    with CaptureQueriesContext(connection) as ctx:
        _create(world_a)
    # The search index's own INSERT (tests/search/test_indexing.py) is not one of the five rows.
    inserts = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"] and "search_" not in q["sql"]]
    # On PostgreSQL: counter upsert + ticket, then clock + event + message; one by one on SQLite.
    assert len(inserts) == (2 if connection.vendor == "postgresql" else 5)


def test_a_save_signal_receiver_still_sees_every_row(world_a):
    saved = []

    def receiver(sender, instance, created, **kwargs):
        saved.append((sender.__name__, created, instance.pk is not None))

    post_save.connect(receiver, sender=TicketEvent, dispatch_uid="test-create-rows")
    try:
        _create(world_a)
    finally:
        post_save.disconnect(dispatch_uid="test-create-rows", sender=TicketEvent)
    assert saved == [("TicketEvent", True, True)]


def test_numbers_are_consecutive_per_tenant_and_returned_on_the_object(world_a, world_b):
    a1, b1, a2 = _create(world_a), _create(world_b), _create(world_a)
    assert a2.number == a1.number + 1 and a1.tenant_id != b1.tenant_id
    for ticket in (a1, b1, a2):
        ticket.refresh_from_db(fields=["number"])
    assert a2.number == a1.number + 1
    assert not a1._state.adding and a1.pk is not None


def _compiled(obj, returning):
    from django.db.models.sql import InsertQuery

    meta = obj._meta
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = list(returning)
    [(sql, params)] = compiler.as_sql()
    return sql, params


def _plain(values):
    return [getattr(value, "obj", value) for value in values]  # JSON adapters wrap their value


def test_cached_insert_text_and_parameters_equal_the_compilers(world_a):
    import time_machine

    row_writes.insert_sql_cache.clear()
    ticket = _create(world_a)
    message = Message.objects.get(ticket=ticket)
    event = TicketEvent.objects.get(ticket=ticket, action="created")
    for obj in (ticket, message, event):
        obj.pk, obj._state.adding = None, True
        returning = obj._meta.db_returning_fields
        with time_machine.travel(ticket.created_at, tick=False):  # auto_now fields: one moment
            first = row_writes.insert_sql(obj, returning=returning)  # compiled, text cached
            second = row_writes.insert_sql(obj, returning=returning)  # from the cache
            sql, params = _compiled(obj, returning)
        assert first[0] == second[0] == sql
        assert _plain(first[1]) == _plain(second[1]) == _plain(params)


def _participant_rows(ticket):
    return sorted(ticket.participants.values_list("tenant_id", "email", "contact_id"))


def test_participants_are_the_rows_ticket_add_participant_writes(world_a):
    from tests.factories import ContactFactory

    known = ContactFactory(
        tenant=world_a.tenant, organization=world_a.org, email="Known.Person@alpha-client.test"
    )
    emails = [
        " known.person@ALPHA-client.test",
        "stranger@elsewhere.test",
        "STRANGER@elsewhere.test",
        "",
        world_a.client.email.upper(),
    ]
    bulk = _create(world_a, participants=emails)
    one_by_one = _create(world_a)
    for email in emails:
        services.ticket_add_participant(ticket=one_by_one, email=email)
    assert _participant_rows(bulk) == _participant_rows(one_by_one)
    assert _participant_rows(bulk) == [
        (world_a.tenant.pk, "known.person@alpha-client.test", known.pk),
        (world_a.tenant.pk, "stranger@elsewhere.test", None),
    ]


def test_participants_take_one_contact_query_one_insert_and_no_savepoint(world_a):
    from django.db import transaction

    participants = ["a@elsewhere.test", "b@elsewhere.test", "c@elsewhere.test"]
    with (
        transaction.atomic(),
        services.covered_by_caller_savepoint(),
        CaptureQueriesContext(connection) as ctx,
    ):
        ticket = _create(world_a, participants=participants)
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not [sql for sql in sqls if sql.startswith("SAVEPOINT")]
    assert len([sql for sql in sqls if "tickets_ticketparticipant" in sql]) == 1
    assert len([sql for sql in sqls if 'FROM "tickets_contact"' in sql]) == 1
    assert ticket.participants.count() == 3


def test_participants_one_by_one_when_a_save_signal_receiver_is_connected(world_a):
    from tickets.models import TicketParticipant

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.email)

    post_save.connect(receiver, sender=TicketParticipant)
    try:
        ticket = _create(world_a, participants=["a@elsewhere.test", "b@elsewhere.test"])
    finally:
        post_save.disconnect(receiver, sender=TicketParticipant)
    assert sorted(seen) == ["a@elsewhere.test", "b@elsewhere.test"]
    assert ticket.participants.count() == 2
