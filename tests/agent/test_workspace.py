"""The ticket workspace: replies and notes, time accounting, property changes with reasons, intake."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.agent.conftest import agent_url
from tests.factories import CategoryFactory, SLATierFactory, make_client
from tickets.models import CannedResponse, MessageKind, TicketEvent, TimeEntry
from tickets.statuses import Status


def test_public_reply_and_internal_note_are_apart(world_a, login):
    client = login(world_a.agent)
    number = world_a.ticket.display_number
    client.post(agent_url("alpha", "ticket_reply", number), {"body": "Публичный ответ"})
    client.post(agent_url("alpha", "ticket_reply", number), {"body": "Только для своих", "internal": "on"})
    kinds = list(world_a.ticket.messages.values_list("kind", flat=True))
    assert kinds == [MessageKind.PUBLIC, MessageKind.PUBLIC, MessageKind.INTERNAL]
    page = client.get(agent_url("alpha", "ticket_detail", number)).content.decode()
    assert 'class="msg note"' in page and "Внутренняя заметка" in page
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.OPEN and world_a.ticket.first_response_at is not None


def test_time_is_booked_in_the_tenants_minimum_unit(world_a, login):
    world_a.tenant.time_accounting_minimum_minutes = 30
    world_a.tenant.save()
    client = login(world_a.agent)
    number = world_a.ticket.display_number
    client.post(agent_url("alpha", "ticket_reply", number), {"body": "Сделано", "minutes_spent": 10})
    client.post(
        agent_url("alpha", "ticket_reply", number), {"body": "Ещё", "internal": "on", "minutes_spent": 35}
    )
    entries = list(
        TimeEntry.objects.filter(ticket=world_a.ticket).order_by("pk").values_list("minutes_spent", "minutes")
    )
    assert entries == [(10, 30), (35, 60)]
    page = client.get(agent_url("alpha", "ticket_detail", number)).content.decode()
    assert "1 ч 30 мин" in page  # ticket total
    report = client.get(agent_url("alpha", "time_report")).content.decode()
    assert world_a.org.name in report and 'data-minutes="90"' in report


def test_reply_then_waiting_and_attachment_policy(world_a, login):
    world_a.tenant.allowed_attachment_extensions = "txt"
    world_a.tenant.save()
    client = login(world_a.agent)
    number = world_a.ticket.display_number
    bad = client.post(
        agent_url("alpha", "ticket_reply", number),
        {"body": "x", "attachments": [SimpleUploadedFile("virus.exe", b"MZ")]},
    )
    assert bad.status_code == 400 and world_a.ticket.messages.count() == 1
    ok = client.post(
        agent_url("alpha", "ticket_reply", number),
        {"body": "лог", "then_status": "waiting", "attachments": [SimpleUploadedFile("log.txt", b"hello")]},
    )
    assert ok.status_code == 302
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.WAITING
    assert world_a.ticket.attachments.get().filename == "log.txt"


def test_property_changes_keep_their_reasons(world_a, login):
    category = CategoryFactory(tenant=world_a.tenant, name="Биллинг")
    tier = SLATierFactory(tenant=world_a.tenant, name="Премиум")
    client = login(world_a.lead)
    url = agent_url("alpha", "ticket_change", world_a.ticket.display_number)
    client.post(url, {"what": "status", "status": "in_development", "reason": "Ошибка в коде"})
    client.post(url, {"what": "priority", "priority": 1, "reason": "Стоит производство"})
    client.post(url, {"what": "category", "category": category.pk, "reason": "Про счета"})
    client.post(url, {"what": "assignee", "assignee": world_a.agent.pk, "reason": "Специалист по биллингу"})
    client.post(url, {"what": "tier", "tier": tier.pk, "reason": "Договор продлён"})
    t = world_a.ticket
    t.refresh_from_db()
    assert (t.status, t.priority, t.category, t.assignee, t.sla_tier) == (
        "in_development",
        1,
        category,
        world_a.agent,
        tier,
    )
    reasons = dict(
        TicketEvent.objects.filter(ticket=t)
        .exclude(reason="")
        .exclude(field="")
        .values_list("field", "reason")
    )
    assert reasons == {
        "status": "Ошибка в коде",
        "priority": "Стоит производство",
        "category": "Про счета",
        "assignee": "Специалист по биллингу",
        "sla_tier": "Договор продлён",
    }
    history = client.get(agent_url("alpha", "ticket_history", t.display_number), HTTP_HX_REQUEST="true")
    assert "Договор продлён" in history.content.decode()


def test_invalid_transition_is_a_message_not_a_crash(world_a, login):
    client = login(world_a.lead)
    url = agent_url("alpha", "ticket_change", world_a.ticket.display_number)
    client.post(url, {"what": "status", "status": "closed"})
    response = client.post(url, {"what": "status", "status": "open"}, follow=True)
    assert response.status_code == 200
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == "closed"


def test_foreign_category_or_tier_is_refused(world_a, world_b, login):
    foreign = CategoryFactory(tenant=world_b.tenant)
    client = login(world_a.lead)
    client.post(
        agent_url("alpha", "ticket_change", world_a.ticket.display_number),
        {"what": "category", "category": foreign.pk},
    )
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.category is None


def test_agent_takes_but_only_lead_reassigns(world_a, login):
    agent = login(world_a.agent)
    number = world_a.ticket.display_number
    agent.post(agent_url("alpha", "ticket_take", number))
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.assignee == world_a.agent
    agent.post(agent_url("alpha", "ticket_change", number), {"what": "assignee", "assignee": world_a.lead.pk})
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.assignee == world_a.agent
    login(world_a.lead).post(
        agent_url("alpha", "ticket_change", number),
        {"what": "assignee", "assignee": world_a.admin.pk, "reason": "отпуск"},
    )
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.assignee == world_a.admin


def test_canned_response_fills_placeholders(world_a, login):
    canned = CannedResponse.objects.create(
        tenant=world_a.tenant,
        title="Принято",
        body="Здравствуйте, {client_name}! Заявка {ticket_number} {oops}.",
    )
    client = login(world_a.agent)
    number = world_a.ticket.display_number
    detail = client.get(agent_url("alpha", "ticket_detail", number)).content.decode()
    assert "Принято" in detail
    fragment = client.get(
        agent_url("alpha", "canned_insert", number),
        {"canned": canned.pk, "body": "Привет"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    name = world_a.client.full_name
    assert f"Привет\n\nЗдравствуйте, {name}! Заявка {number} {{oops}}." in fragment
    assert fragment.startswith("<textarea")


def test_phone_intake_opens_a_ticket_for_a_contact(world_a, world_b, login):
    world_a.tenant.time_accounting_minimum_minutes = 15
    world_a.tenant.save()
    client = login(world_a.agent)
    response = client.post(
        agent_url("alpha", "intake"),
        {
            "contact_email": world_a.client.email.upper(),
            "subject": "Звонок: не печатает",
            "body": "Позвонил",
            "priority": 2,
            "minutes_spent": 5,
        },
    )
    assert response.status_code == 302
    ticket = world_a.client.tickets.get(subject="Звонок: не печатает")
    assert (ticket.channel, ticket.priority, ticket.organization) == ("phone", 2, world_a.org)
    assert TimeEntry.objects.get(ticket=ticket).minutes == 15
    assert ticket.events.get(action="created").actor == world_a.agent
    # A contact of another tenant is unknown here.
    foreign = client.post(
        agent_url("alpha", "intake"), {"contact_email": world_b.client.email, "subject": "x", "body": "y"}
    )
    assert foreign.status_code == 200 and "Такого контакта" in foreign.content.decode()


def test_split_a_message_into_a_new_ticket(world_a, login):
    client_contact = world_a.client
    from tickets import services

    second = services.ticket_reply(
        ticket=world_a.ticket, body_text="И ещё вопрос про VPN", contact=client_contact
    )
    client = login(world_a.agent)
    response = client.post(
        agent_url("alpha", "ticket_split", world_a.ticket.display_number),
        {"message": second.pk, "subject": "VPN"},
    )
    assert response.status_code == 302
    new = world_a.tenant.tickets.get(subject="VPN")
    assert new.requester == client_contact
    assert new.messages.get().body_text == "И ещё вопрос про VPN"
    assert new.links_out.get().target == world_a.ticket
    # A message of another ticket cannot be split through this one.
    other = make_client(tenant=world_a.tenant)
    assert other is not None
    foreign_msg = world_a.other_org_ticket.messages.first()
    assert (
        client.post(
            agent_url("alpha", "ticket_split", world_a.ticket.display_number), {"message": foreign_msg.pk}
        ).status_code
        == 404
    )
