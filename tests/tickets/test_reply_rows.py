"""The services re-read the ticket under a row lock through a statement compiled once per connection:
the object must end up exactly as the ORM would read it, and the lock must be taken."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tickets import services
from tickets.models import Ticket
from tickets.statuses import Status


def _fields(ticket):
    return {f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields}


def test_the_locked_re_read_equals_the_orms_row(world_a):
    stale = Ticket.objects.get(pk=world_a.ticket.pk)
    Ticket.objects.filter(pk=stale.pk).update(subject="Изменено другим", priority=1)
    services._lock(stale)
    assert _fields(stale) == _fields(Ticket.objects.get(pk=stale.pk))


def test_a_reply_to_a_ticket_closed_meanwhile_is_refused(world_a):
    stale = Ticket.objects.get(pk=world_a.ticket.pk)
    Ticket.objects.filter(pk=stale.pk).update(status=Status.CLOSED)
    with pytest.raises(services.TicketError):
        services.ticket_reply(ticket=stale, contact=world_a.client, body_text="ещё вопрос")


def test_a_missing_ticket_raises_does_not_exist(world_a):
    ghost = Ticket.objects.get(pk=world_a.ticket.pk)
    ghost.pk = 10**9
    with pytest.raises(Ticket.DoesNotExist):
        services._lock(ghost)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_the_reply_takes_the_row_lock_without_joining_the_tenant(world_a):
    with CaptureQueriesContext(connection) as ctx:
        services.ticket_reply(ticket=world_a.ticket, contact=world_a.client, body_text="ответ")
    locks = [q["sql"] for q in ctx.captured_queries if q["sql"].endswith("FOR UPDATE")]
    assert len(locks) == 1 and "helpdesk_tenant" not in locks[0]


def test_a_change_made_meanwhile_is_what_the_history_shows_as_old(world_a):
    from tickets.models import TicketEvent

    stale = Ticket.objects.select_related("assignee").get(pk=world_a.ticket.pk)  # cached: nobody
    Ticket.objects.filter(pk=stale.pk).update(assignee=world_a.agent)
    services.ticket_assign(ticket=stale, assignee=world_a.lead, actor=world_a.lead)
    event = TicketEvent.objects.filter(ticket=stale, action="assigned").latest("pk")
    assert (event.old_value, event.new_value) == (str(world_a.agent), str(world_a.lead))
    assert stale.assignee == world_a.lead
