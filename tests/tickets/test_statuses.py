"""Every allowed and every refused status transition, through the service."""

import itertools

import pytest

from tests.factories import make_ticket
from tickets import services
from tickets.models import Ticket, TicketEvent
from tickets.statuses import ALLOWED_TRANSITIONS, InvalidTransition, Status

ALL_PAIRS = [(a, b) for a, b in itertools.product(Status.values, Status.values) if a != b]
ALLOWED = [pair for pair in ALL_PAIRS if pair[1] in ALLOWED_TRANSITIONS[pair[0]]]
REFUSED = [pair for pair in ALL_PAIRS if pair[1] not in ALLOWED_TRANSITIONS[pair[0]]]


def _ticket_in(world, status: str) -> Ticket:
    ticket = make_ticket(tenant=world.tenant, requester=world.client)
    Ticket.objects.filter(pk=ticket.pk).update(status=status)
    ticket.refresh_from_db()
    return ticket


def test_the_table_covers_the_regulations_flow():
    assert Status.OPEN in ALLOWED_TRANSITIONS[Status.RESOLVED], (
        "a client's objection reopens a resolved ticket"
    )
    assert ALLOWED_TRANSITIONS[Status.CLOSED] == frozenset(), "closed is final"
    assert len(ALLOWED) + len(REFUSED) == 30


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_allowed_transition_changes_status_and_is_recorded(world_a, current, target):
    ticket = _ticket_in(world_a, current)
    services.ticket_set_status(ticket=ticket, status=target, actor=world_a.agent, reason="проверка")
    ticket.refresh_from_db()
    assert ticket.status == target
    event = TicketEvent.objects.filter(ticket=ticket, action="status_changed").latest("pk")
    assert (event.old_value, event.new_value, event.reason, event.actor) == (
        current,
        target,
        "проверка",
        world_a.agent,
    )


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(world_a, current, target):
    ticket = _ticket_in(world_a, current)
    with pytest.raises(InvalidTransition) as excinfo:
        services.ticket_set_status(ticket=ticket, status=target, actor=world_a.agent)
    assert current in str(excinfo.value) and target in str(excinfo.value)
    ticket.refresh_from_db()
    assert ticket.status == current
    assert not TicketEvent.objects.filter(ticket=ticket, action="status_changed").exists()


def test_unknown_status_is_refused(world_a):
    with pytest.raises(InvalidTransition):
        services.ticket_set_status(ticket=world_a.ticket, status="archived", actor=world_a.agent)


def test_resolving_stamps_resolved_at_and_reopening_clears_it(world_a):
    ticket = world_a.ticket
    services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=world_a.agent)
    ticket.refresh_from_db()
    assert ticket.resolved_at is not None
    services.ticket_reopen(ticket=ticket, contact=world_a.client, reason="Не согласен: ошибка осталась")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None
    event = TicketEvent.objects.filter(ticket=ticket, action="status_changed").latest("pk")
    assert event.reason == "Не согласен: ошибка осталась"
    assert event.actor_label == str(world_a.client)


def test_reopen_refuses_an_open_ticket(world_a):
    with pytest.raises(InvalidTransition):
        services.ticket_reopen(ticket=world_a.ticket, contact=world_a.client, reason="?")
