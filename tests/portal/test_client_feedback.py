"""The client's answers to a resolution: confirm, object, rate — atomic, with history."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.portal.conftest import resolve
from tickets import services
from tickets.models import Rating, TicketEvent
from tickets.services import TicketError
from tickets.services.client_feedback import ticket_confirm_solution, ticket_object, ticket_rate
from tickets.statuses import Status

pytestmark = pytest.mark.django_db


def test_confirm_closes_and_records(world_a):
    ticket = resolve(world_a.ticket, world_a.agent)
    ticket_confirm_solution(ticket=ticket, contact=world_a.client)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None
    assert TicketEvent.objects.filter(ticket=ticket, action="solution_confirmed").count() == 1


def test_confirm_refused_unless_resolved(world_a):
    with pytest.raises(TicketError):
        ticket_confirm_solution(ticket=world_a.ticket, contact=world_a.client)


def test_contact_of_another_tenant_is_refused(world_a, world_b):
    ticket = resolve(world_a.ticket, world_a.agent)
    with pytest.raises(TicketError):
        ticket_confirm_solution(ticket=ticket, contact=world_b.client)
    with pytest.raises(TicketError):
        ticket_rate(ticket=ticket, contact=world_b.client, score=5)


def test_objection_reopens_with_public_reason(world_a):
    ticket = resolve(world_a.ticket, world_a.agent)
    ticket_object(ticket=ticket, contact=world_a.client, reason="На втором сервере ошибка осталась")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and ticket.resolved_at is None
    message = ticket.messages.latest("pk")
    assert (message.kind, message.author_contact, message.body_text) == (
        "public",
        world_a.client,
        "На втором сервере ошибка осталась",
    )
    event = TicketEvent.objects.get(ticket=ticket, action="solution_objected")
    assert event.reason == "На втором сервере ошибка осталась"


def test_objection_needs_reason_and_a_resolution(world_a):
    with pytest.raises(TicketError):
        ticket_object(ticket=world_a.ticket, contact=world_a.client, reason="Не согласен")
    ticket = resolve(world_a.ticket, world_a.agent)
    with pytest.raises(TicketError):
        ticket_object(ticket=ticket, contact=world_a.client, reason="   ")
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_objection_to_a_closed_ticket_within_the_reopen_window(world_a):
    ticket = resolve(world_a.ticket, world_a.agent)
    ticket_confirm_solution(ticket=ticket, contact=world_a.client)
    ticket_object(ticket=ticket, contact=world_a.client, reason="Закрыли рано: ошибка вернулась")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_objection_to_a_closed_ticket_refused_when_closed_tickets_stay_closed(world_a):
    world_a.tenant.closed_reply_policy = "new_linked"
    world_a.tenant.save()
    ticket = resolve(world_a.ticket, world_a.agent)
    ticket_confirm_solution(ticket=ticket, contact=world_a.client)
    with pytest.raises(TicketError):
        ticket_object(ticket=ticket, contact=world_a.client, reason="Ошибка вернулась")


def test_objection_after_the_reopen_window_is_refused(world_a):
    ticket = resolve(world_a.ticket, world_a.agent)
    services.ticket_set_status(ticket=ticket, status=Status.CLOSED, actor=world_a.agent)
    later = timezone.now() + timedelta(days=world_a.tenant.reopen_window_days + 1)
    with time_machine.travel(later, tick=False), pytest.raises(TicketError):
        ticket_object(ticket=ticket, contact=world_a.client, reason="Вернулась ошибка")


def test_rating_once_only_after_resolution(world_a):
    with pytest.raises(TicketError):
        ticket_rate(ticket=world_a.ticket, contact=world_a.client, score=5)
    ticket = resolve(world_a.ticket, world_a.agent)
    with pytest.raises(TicketError):
        ticket_rate(ticket=ticket, contact=world_a.client, score=6)
    rating = ticket_rate(ticket=ticket, contact=world_a.client, score=5, comment=" Спасибо ")
    assert (rating.score, rating.comment, rating.tenant_id) == (5, "Спасибо", world_a.tenant.pk)
    with pytest.raises(TicketError):
        ticket_rate(ticket=ticket, contact=world_a.client, score=1)
    assert Rating.objects.filter(ticket=ticket).count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, action="rated", new_value="5").exists()


def test_status_change_is_announced_after_commit(world_a, django_capture_on_commit_callbacks):
    seen = []
    services.register_after_commit_listener(lambda name, ticket_id, extra: seen.append((name, extra)))
    try:
        ticket = resolve(world_a.ticket, world_a.agent)
        with django_capture_on_commit_callbacks(execute=True):
            ticket_confirm_solution(ticket=ticket, contact=world_a.client)
    finally:
        services._after_commit_listeners.pop()
    assert ("status_changed", {"old": "resolved", "new": "closed"}) in seen
