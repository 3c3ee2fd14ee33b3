"""Canned response placeholders and the SLA timers' time-left arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sla.business_hours import BusinessCalendar
from tickets.canned import render_canned
from tickets.models import CannedResponse, Ticket
from tickets.views.agent import sla_timers
from tickets.views.agent.sla_timers import format_duration, ticket_timers, time_left


def test_render_canned_keeps_unknown_and_broken_braces(world_a):
    t = world_a.ticket
    ok = CannedResponse(tenant=world_a.tenant, title="a", body="{client_name}, {ticket_number} {nope}")
    assert render_canned(ok, ticket=t, agent=world_a.agent) == (
        f"{world_a.client.full_name}, {t.display_number} {{nope}}"
    )
    broken = CannedResponse(tenant=world_a.tenant, title="b", body="{ticket_number} {0} } {agent_name}")
    assert render_canned(broken, ticket=t, agent=world_a.agent) == (
        f"{t.display_number} {{0}} }} {world_a.agent.get_full_name()}"
    )


MONDAY_10 = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)  # 10:00 Moscow


def test_time_left_counts_working_hours_with_a_calendar():
    calendar = BusinessCalendar(tz="Europe/Moscow", country=None)
    friday_17 = datetime(2025, 3, 7, 14, 0, tzinfo=UTC)
    monday_11 = datetime(2025, 3, 10, 8, 0, tzinfo=UTC)
    assert time_left(monday_11, now=friday_17, calendar=calendar) == timedelta(hours=3)
    assert time_left(friday_17, now=monday_11, calendar=calendar) == -timedelta(hours=3)
    assert time_left(monday_11, now=friday_17, calendar=None) == monday_11 - friday_17


def test_ticket_timers_states_and_pause():
    ticket = Ticket(
        ack_due=MONDAY_10 - timedelta(hours=1),
        ack_at=MONDAY_10 - timedelta(hours=2),
        first_response_due=MONDAY_10 - timedelta(minutes=5),
        resolution_due=MONDAY_10 + timedelta(hours=26),
    )
    states = {t.key: t.state for t in ticket_timers(ticket, now=MONDAY_10)}
    assert states == {"ack": "done", "first_response": "breached", "resolution": "running"}
    ticket.sla_paused_at = MONDAY_10 - timedelta(hours=2)
    paused = {t.key: t for t in ticket_timers(ticket, now=MONDAY_10 + timedelta(days=30))}
    assert paused["resolution"].state == "paused"
    assert paused["resolution"].remaining == timedelta(hours=28)
    assert format_duration(timedelta(hours=28, minutes=5)) == "1 д 4 ч 5 мин"
    assert format_duration(-timedelta(minutes=5)) == "−5 мин"


def test_calendar_lookup_uses_the_tickets_clock_and_survives_failures(world_a, monkeypatch):
    from sla import calendars

    calendar = sla_timers.calendar_for(world_a.ticket)
    assert calendar is not None and calendar.working_time_between(MONDAY_10, MONDAY_10) == timedelta(0)

    def explode(schedule):
        raise RuntimeError("bad schedule")

    monkeypatch.setattr(calendars, "calendar_for", explode)
    assert sla_timers.calendar_for(world_a.ticket) is None
