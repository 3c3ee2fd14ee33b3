"""Merge and split services."""

from __future__ import annotations

import pytest

from tests.factories import make_ticket
from tickets import services
from tickets.models import LinkKind, TicketLink, TimeEntry
from tickets.services.merging import ticket_merge
from tickets.statuses import Status


def test_merge_moves_messages_attachments_time_and_people(world_a):
    survivor = world_a.ticket
    dup = make_ticket(
        tenant=world_a.tenant,
        requester=world_a.other_client,
        subject="Дубль",
        participants=["boss@client.test"],
        attachments=[services.NewAttachment(filename="s.png", content=b"png")],
    )
    services.ticket_reply(ticket=dup, body_text="смотрим", actor=world_a.agent, minutes_spent=5)
    ticket_merge(source=dup, target=survivor, actor=world_a.agent, reason="Одна проблема")
    dup.refresh_from_db()
    assert dup.status == Status.CLOSED and dup.merged_into == survivor
    assert dup.messages.count() == 0 and survivor.messages.count() == 3
    assert survivor.attachments.get().filename == "s.png"
    assert TimeEntry.objects.get().ticket == survivor
    emails = set(survivor.participants.values_list("email", flat=True))
    assert emails == {"boss@client.test", world_a.other_client.email}
    assert TicketLink.objects.get(source=dup, target=survivor).kind == LinkKind.DUPLICATE_OF
    assert survivor.events.filter(action="merged_in").exists()
    assert dup.events.get(action="merged").reason == "Одна проблема"


def test_merge_refuses_nonsense(world_a, world_b):
    with pytest.raises(services.TicketError):
        ticket_merge(source=world_a.ticket, target=world_b.ticket, actor=world_a.lead)
    with pytest.raises(services.TicketError):
        ticket_merge(source=world_a.ticket, target=world_a.ticket, actor=world_a.lead)
    ticket_merge(source=world_a.other_org_ticket, target=world_a.ticket, actor=world_a.lead)
    with pytest.raises(services.TicketError):
        ticket_merge(source=world_a.other_org_ticket, target=world_a.ticket, actor=world_a.lead)
    with pytest.raises(services.TicketError):  # into a closed ticket
        ticket_merge(source=world_a.ticket, target=world_a.other_org_ticket, actor=world_a.lead)


def test_merge_through_the_workspace_lands_on_the_survivor(world_a, world_b, login):
    from tests.agent.conftest import agent_url

    client = login(world_a.agent)
    dup = world_a.other_org_ticket
    foreign = client.post(
        agent_url("alpha", "ticket_merge", dup.display_number), {"target": world_b.ticket.display_number}
    )
    assert foreign.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into is None
    response = client.post(
        agent_url("alpha", "ticket_merge", dup.display_number), {"target": world_a.ticket.display_number}
    )
    assert response["Location"].endswith(f"/tickets/{world_a.ticket.display_number}/")
    dup.refresh_from_db()
    assert dup.merged_into == world_a.ticket
