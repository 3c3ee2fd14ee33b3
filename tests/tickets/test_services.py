"""Each domain operation does its job and leaves an event in the ticket's history."""

import pytest

from tests.factories import CategoryFactory, QueueFactory, make_ticket
from tickets import services
from tickets.models import Message, MessageKind, Priority, TicketEvent, TicketLink, TimeEntry
from tickets.statuses import Status


def events(ticket, action):
    return list(TicketEvent.objects.filter(ticket=ticket, action=action))


def test_create_numbers_per_tenant_fixes_tier_and_records_event(world_a, world_b):
    ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="  Сбой печати  ")
    assert ticket.display_number == "AL-3"  # two tickets exist in the fixture
    assert make_ticket(tenant=world_b.tenant, requester=world_b.client).display_number == "BE-3"
    assert ticket.subject == "Сбой печати"
    assert ticket.organization == world_a.org
    assert ticket.sla_tier.name == "Стандарт" and ticket.sla_tier.tenant == world_a.tenant
    assert ticket.status == Status.NEW
    first = ticket.messages.get()
    assert first.author_contact == world_a.client and first.kind == MessageKind.PUBLIC
    (event,) = events(ticket, "created")
    assert event.actor_label == str(world_a.client)


def test_organisation_contract_tier_wins_over_default(world_a):
    from tests.factories import SLATierFactory

    premium = SLATierFactory(tenant=world_a.tenant, name="Премиум")
    world_a.org.sla_tier = premium
    world_a.org.save()
    assert make_ticket(tenant=world_a.tenant, requester=world_a.client).sla_tier == premium


def test_priority_set_by_category_wins_then_explicit_then_queue(world_a):
    tenant = world_a.tenant
    merge_dupes = CategoryFactory(tenant=tenant, name="Дубликаты", default_priority=Priority.LOW)
    noc = QueueFactory(tenant=tenant, slug="noc", default_priority=Priority.HIGH)
    assert make_ticket(tenant=tenant, category=merge_dupes, priority=1).priority == Priority.LOW
    assert make_ticket(tenant=tenant, queue=noc, priority=1).priority == Priority.CRITICAL
    assert make_ticket(tenant=tenant, queue=noc).priority == Priority.HIGH
    assert make_ticket(tenant=tenant).priority == Priority.NORMAL


def test_objects_of_another_tenant_are_refused(world_a, world_b):
    with pytest.raises(services.TicketError):
        make_ticket(tenant=world_a.tenant, requester=world_b.client)
    with pytest.raises(services.TicketError):
        services.ticket_reply(ticket=world_a.ticket, contact=world_b.client, body_text="чужой")


def test_public_reply_records_event_sets_first_response_and_opens(world_a):
    ticket = world_a.ticket
    message = services.ticket_reply(ticket=ticket, actor=world_a.agent, body_text="Проверяем")
    ticket.refresh_from_db()
    assert message.kind == MessageKind.PUBLIC
    assert ticket.first_response_at == message.created_at
    assert ticket.status == Status.OPEN
    assert events(ticket, "replied")[0].actor == world_a.agent


def test_internal_note_is_recorded_and_does_not_count_as_response(world_a):
    ticket = world_a.ticket
    services.ticket_reply(ticket=ticket, actor=world_a.agent, body_text="Внутреннее", internal=True)
    ticket.refresh_from_db()
    assert ticket.first_response_at is None and ticket.status == Status.NEW
    assert len(events(ticket, "note_added")) == 1
    with pytest.raises(services.TicketError):
        services.ticket_reply(ticket=ticket, contact=world_a.client, body_text="x", internal=True)


def test_client_reply_resumes_a_ticket_waiting_for_the_client(world_a):
    ticket = world_a.ticket
    services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=world_a.agent)
    services.ticket_reply(ticket=ticket, contact=world_a.client, body_text="Вот логи")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert events(ticket, "status_changed")[-1].reason == "Ответ клиента"


def test_reply_to_closed_ticket_is_refused(world_a):
    ticket = world_a.ticket
    services.ticket_set_status(ticket=ticket, status=Status.CLOSED, actor=world_a.agent)
    with pytest.raises(services.TicketError):
        services.ticket_reply(ticket=ticket, contact=world_a.client, body_text="ещё вопрос")


@pytest.mark.parametrize(
    ("spent", "minimum", "booked"), [(10, 30, 30), (30, 30, 30), (40, 30, 60), (10, 0, 10)]
)
def test_time_is_booked_in_the_tenants_minimum_unit(world_a, spent, minimum, booked):
    world_a.tenant.time_accounting_minimum_minutes = minimum
    world_a.tenant.save()
    ticket = world_a.ticket
    services.ticket_reply(ticket=ticket, actor=world_a.agent, body_text="Сделано", minutes_spent=spent)
    entry = TimeEntry.objects.get(ticket=ticket)
    assert (entry.minutes_spent, entry.minutes) == (spent, booked)
    assert events(ticket, "time_booked")[0].new_value == str(booked)


def test_assign_records_old_and_new_and_refuses_outsiders(world_a, world_b):
    ticket = world_a.ticket
    services.ticket_assign(ticket=ticket, assignee=world_a.agent, actor=world_a.lead, reason="дежурный")
    ticket.refresh_from_db()
    assert ticket.assignee == world_a.agent
    (event,) = events(ticket, "assigned")
    assert (event.new_value, event.reason) == (str(world_a.agent), "дежурный")
    with pytest.raises(services.TicketError):
        services.ticket_assign(ticket=ticket, assignee=world_b.agent, actor=world_a.lead)


def test_set_priority_records_change_and_validates(world_a):
    ticket = world_a.ticket
    services.ticket_set_priority(ticket=ticket, priority=1, actor=world_a.agent, reason="продукт не работает")
    (event,) = events(ticket, "priority_changed")
    assert (event.old_value, event.new_value) == ("3", "1")
    with pytest.raises(services.TicketError):
        services.ticket_set_priority(ticket=ticket, priority=7, actor=world_a.agent)


def test_set_category_applies_the_category_priority(world_a):
    ticket = world_a.ticket
    category = CategoryFactory(tenant=world_a.tenant, name="Организаторы", default_priority=Priority.CRITICAL)
    services.ticket_set_category(ticket=ticket, category=category, actor=world_a.agent)
    ticket.refresh_from_db()
    assert ticket.priority == Priority.CRITICAL
    assert len(events(ticket, "category_changed")) == 1
    assert events(ticket, "priority_changed")[0].reason == "Приоритет категории «Организаторы»"


def test_link_records_on_both_sides_and_stays_in_tenant(world_a, world_b):
    source, target = world_a.other_org_ticket, world_a.ticket
    services.ticket_link(source=source, target=target, kind="duplicate_of", actor=world_a.agent)
    services.ticket_link(source=source, target=target, kind="duplicate_of", actor=world_a.agent)
    assert TicketLink.objects.filter(source=source, target=target).count() == 1
    assert len(events(source, "linked")) == 1 and len(events(target, "linked")) == 1
    with pytest.raises(services.TicketError):
        services.ticket_link(source=source, target=world_b.ticket, kind="related", actor=world_a.agent)


def test_attachments_are_stored_with_hash_under_tenant_path(world_a):
    ticket = make_ticket(
        tenant=world_a.tenant,
        requester=world_a.client,
        attachments=[services.NewAttachment("скрин.png", b"\x89PNG fake", "image/png")],
    )
    attachment = ticket.attachments.get()
    assert attachment.filename == "скрин.png" and attachment.size == 9
    assert attachment.file.name.startswith(f"tenants/{world_a.tenant.pk}/attachments/")
    assert len(attachment.sha256) == 64
    assert attachment.message == Message.objects.get(ticket=ticket)


def test_side_effects_run_only_after_commit(world_a, django_capture_on_commit_callbacks):
    seen = []
    services.register_after_commit_listener(lambda name, ticket_id, extra: seen.append((name, ticket_id)))
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client)
        assert seen == [] and callbacks
        for callback in callbacks:
            callback()
        assert ("ticket_created", ticket.pk) in seen
    finally:
        services._after_commit_listeners.pop()
