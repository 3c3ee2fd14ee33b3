"""Ticket clocks on a frozen clock: deadlines at creation, pauses, recomputation, the regulations' cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sla import clocks
from sla.calendars import CONFIG_STAMP_KEY, calendar_for
from sla.models import SLAPause, SLATarget, SLATier, TicketClock
from tests.factories import make_ticket
from tests.sla.conftest import msk
from tickets import services
from tickets.models import Priority, TicketEvent
from tickets.statuses import Status

pytestmark = pytest.mark.django_db


def test_saveit_p1_at_16_on_friday_before_a_holiday_is_due_on_tuesday_morning(demo_tenant):
    saveit = demo_tenant("saveit")
    # Friday 20 Feb 2026; Monday 23 Feb is Defender of the Fatherland Day.
    with time_machine.travel(msk(2026, 2, 20, 16, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
    ticket.refresh_from_db()
    assert ticket.sla_tier.name == "Стандарт"
    # 4 working hours: 16–18 on Friday, then 09–11 on Tuesday.
    assert ticket.resolution_due == msk(2026, 2, 24, 11, 0)
    # Registration within 3 working hours: 16–18 Friday, 09–10 Tuesday.
    assert ticket.ack_due == msk(2026, 2, 24, 10, 0)
    assert ticket.first_response_due is None  # SaveIT's regulation sets no separate first-response time


def test_saveit_p3_counts_five_nine_hour_working_days(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):  # Monday
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.NORMAL)
    # Mon–Fri of that week are 45 working hours; Monday 9 March is the transferred 8 March holiday.
    assert ticket.resolution_due == msk(2026, 3, 6, 18, 0)


def test_a_ticket_paused_twice_across_a_weekend_moves_by_exactly_the_paused_working_time(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 2, 10, 0), tick=False):  # Thursday
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client, priority=Priority.NORMAL)
    original_due = ticket.resolution_due
    assert original_due == msk(2026, 4, 14, 18, 0)  # 80 working hours of 9-hour days

    with time_machine.travel(msk(2026, 4, 2, 15, 0), tick=False):
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == msk(2026, 4, 2, 15, 0)
    with time_machine.travel(msk(2026, 4, 6, 11, 0), tick=False):  # Monday, over the weekend
        services.ticket_set_status(ticket=ticket, status=Status.OPEN, actor=kasburg.agent)
    with time_machine.travel(msk(2026, 4, 6, 16, 0), tick=False):
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
    with time_machine.travel(msk(2026, 4, 7, 10, 0), tick=False):
        services.ticket_set_status(ticket=ticket, status=Status.OPEN, actor=kasburg.agent)
    ticket.refresh_from_db()

    pauses = list(SLAPause.objects.filter(ticket=ticket))
    # Thu 15–18 (3 h) + Fri 9–18 (9 h) + Mon 9–11 (2 h); then Mon 16–18 (2 h) + Tue 9–10 (1 h).
    assert [p.working_time for p in pauses] == [timedelta(hours=14), timedelta(hours=3)]
    assert ticket.sla_paused_at is None
    calendar = calendar_for(TicketClock.objects.get(ticket=ticket).schedule)
    assert ticket.resolution_due == calendar.add_working_time(original_due, timedelta(hours=17))
    assert calendar.working_time_between(original_due, ticket.resolution_due) == timedelta(hours=17)


def test_many_pauses_do_not_drift(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 13, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client, priority=Priority.NORMAL)
    original_due = ticket.resolution_due
    moment = msk(2026, 4, 13, 9, 0)
    for _ in range(20):
        moment += timedelta(minutes=7, seconds=13)
        with time_machine.travel(moment, tick=False):
            services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
        moment += timedelta(minutes=11, seconds=7)
        with time_machine.travel(moment, tick=False):
            services.ticket_set_status(ticket=ticket, status=Status.OPEN, actor=kasburg.agent)
    ticket.refresh_from_db()
    paused = sum((p.working_time for p in SLAPause.objects.filter(ticket=ticket)), timedelta())
    assert paused == 20 * timedelta(minutes=11, seconds=7)
    calendar = calendar_for(TicketClock.objects.get(ticket=ticket).schedule)
    assert ticket.resolution_due == calendar.add_working_time(original_due, paused)


def test_a_priority_change_recomputes_from_creation_and_records_an_event(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.NORMAL)
    assert ticket.resolution_due == msk(2026, 3, 6, 18, 0)
    with time_machine.travel(msk(2026, 3, 2, 10, 0), tick=False):
        services.ticket_set_priority(ticket=ticket, priority=Priority.CRITICAL, actor=saveit.agent)
    ticket.refresh_from_db()
    assert ticket.resolution_due == msk(2026, 3, 2, 13, 0)  # 4 working hours from creation
    clock = TicketClock.objects.get(ticket=ticket)
    assert clock.resolution_target == timedelta(hours=4)
    event = TicketEvent.objects.get(ticket=ticket, action="sla_recalculated")
    assert event.data["before"]["resolution"] == msk(2026, 3, 6, 18, 0).isoformat()
    assert event.data["after"]["resolution"] == msk(2026, 3, 2, 13, 0).isoformat()


def test_a_category_with_its_own_targets_recomputes_the_deadline(demo_tenant):
    zoo = demo_tenant("zooportal")
    with time_machine.travel(msk(2026, 3, 3, 10, 0), tick=False):  # Tuesday, office opens at 10
        ticket = make_ticket(
            tenant=zoo.tenant,
            requester=zoo.client,
            category=zoo.category("Вопросы организаторов по работе системы"),
        )
    assert ticket.priority == Priority.CRITICAL
    assert ticket.first_response_due == msk(2026, 3, 3, 12, 0)
    with time_machine.travel(msk(2026, 3, 3, 11, 0), tick=False):
        services.ticket_set_category(
            ticket=ticket, category=zoo.category("Объединение дубликатов записей животных"), actor=zoo.agent
        )
    ticket.refresh_from_db()
    assert ticket.priority == Priority.LOW
    # 12 working hours on a 10–18 day: Tue 10–18 (8 h), Wed 10–14.
    assert ticket.first_response_due == msk(2026, 3, 4, 14, 0)
    # 30 working days of 8 hours for merging duplicates.
    assert ticket.resolution_due == calendar_for(
        TicketClock.objects.get(ticket=ticket).schedule
    ).add_working_time(msk(2026, 3, 3, 10, 0), timedelta(hours=240))
    assert TicketEvent.objects.filter(ticket=ticket, action="sla_recalculated").exists()


def test_umi_ticket_created_on_a_public_holiday_counts_at_once(demo_tenant):
    umi = demo_tenant("umi")
    with time_machine.travel(msk(2026, 1, 1, 12, 0), tick=False):  # New Year's Day, a Thursday
        ticket = make_ticket(tenant=umi.tenant, requester=umi.client)
    # 20 working hours: Thu 1 Jan 12–18 (6 h), Fri 2 Jan 9–18 (9 h), Sat 3 Jan 10–15 (5 h).
    assert ticket.first_response_due == msk(2026, 1, 3, 15, 0)
    assert ticket.resolution_due is None  # consultation regulates the reaction only


def test_umi_development_tier_is_unregulated(demo_tenant):
    umi = demo_tenant("umi")
    umi.client.organization.sla_tier = umi.tier("Разработка")
    umi.client.organization.save()
    with time_machine.travel(msk(2026, 1, 12, 12, 0), tick=False):
        ticket = make_ticket(tenant=umi.tenant, requester=umi.client)
    assert ticket.sla_tier.name == "Разработка"
    assert (ticket.ack_due, ticket.first_response_due, ticket.resolution_due) == (None, None, None)


def test_tier_edit_does_not_rewrite_existing_tickets(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
    saveit.tier("Стандарт").targets.filter(priority=Priority.CRITICAL).update(resolution_hours=1)
    with time_machine.travel(msk(2026, 3, 2, 9, 30), tick=False):
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=saveit.agent)
        services.ticket_set_status(ticket=ticket, status=Status.OPEN, actor=saveit.agent)
    ticket.refresh_from_db()
    assert ticket.resolution_due == msk(2026, 3, 2, 13, 0)


def test_first_reply_and_status_change_acknowledge_and_stop_the_warning(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 13, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client, priority=Priority.NORMAL)
    clock = TicketClock.objects.get(ticket=ticket)
    # 75 % of 16 working hours = 12 h: Mon 9–18 and Tue 9–12.
    assert clock.first_response_warn_at == msk(2026, 4, 14, 12, 0)
    with time_machine.travel(msk(2026, 4, 13, 11, 0), tick=False):
        services.ticket_reply(ticket=ticket, actor=kasburg.agent, body_text="Здравствуйте! Уточните версию.")
    ticket.refresh_from_db()
    clock.refresh_from_db()
    assert ticket.first_response_at == msk(2026, 4, 13, 11, 0)
    assert ticket.ack_at == msk(2026, 4, 13, 11, 0)
    assert clock.first_response_warn_at is None
    assert clock.resolution_warn_at is not None


def test_waiting_sets_stale_close_and_leaving_clears_it(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 13, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client)
    with time_machine.travel(msk(2026, 4, 13, 10, 0), tick=False):  # Monday
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
    ticket.refresh_from_db()
    assert ticket.stale_close_at == msk(2026, 4, 16, 10, 0)
    with time_machine.travel(msk(2026, 4, 14, 10, 0), tick=False):
        services.ticket_reply(ticket=ticket, contact=kasburg.client, body_text="Версия 4.2.1")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.stale_close_at is None


def test_stale_close_skips_public_holidays(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 30, 10, 0), tick=False):  # Thursday before the May holidays
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client)
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
    ticket.refresh_from_db()
    # 1–3 May and 9–11 May 2026 are off: working days are 4, 5, 6 May.
    assert ticket.stale_close_at == msk(2026, 5, 6, 10, 0)


def test_resolving_sets_auto_close_and_an_objection_clears_it(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client)
    with time_machine.travel(msk(2026, 3, 2, 15, 30), tick=False):
        services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=saveit.agent)
    ticket.refresh_from_db()
    assert ticket.auto_close_at == msk(2026, 3, 3, 15, 30)  # 24 wall-clock hours
    assert ticket.sla_paused_at == msk(2026, 3, 2, 15, 30)
    with time_machine.travel(msk(2026, 3, 3, 9, 30), tick=False):
        services.ticket_reopen(ticket=ticket, contact=saveit.client, reason="Не согласен: ошибка осталась")
    ticket.refresh_from_db()
    assert ticket.auto_close_at is None
    assert ticket.sla_paused_at is None
    # The time spent waiting for the confirmation (Mon 15:30–18:00, Tue 09:00–09:30) does not count.
    # Fri 6 March 18:00 plus 3 h; Monday 9 March is a holiday.
    assert ticket.resolution_due == msk(2026, 3, 10, 12, 0)


def test_a_closed_ticket_reopened_resumes_its_clock_where_it_stopped(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client)
    with time_machine.travel(msk(2026, 3, 2, 12, 0), tick=False):
        services.ticket_set_status(ticket=ticket, status=Status.CLOSED, actor=saveit.agent)
    ticket.refresh_from_db()
    assert ticket.sla_paused_at == msk(2026, 3, 2, 12, 0)  # a closed ticket's clock stands still
    with time_machine.travel(msk(2026, 3, 3, 12, 0), tick=False):
        services.ticket_reopen(ticket=ticket, contact=saveit.client, reason="Ошибка повторилась")
    ticket.refresh_from_db()
    assert ticket.sla_paused_at is None
    # 9 working hours were spent closed: Fri 6 March 18:00 + 9 h, Monday 9 March being a holiday.
    assert ticket.resolution_due == msk(2026, 3, 10, 18, 0)


def test_the_snapshot_reads_the_tier_as_stored_not_a_stale_cached_instance(demo_tenant):
    kasburg = demo_tenant("kasburg")
    organization = kasburg.client.organization
    organization.sla_tier = kasburg.tier("Расширенный пакет")
    organization.save()
    SLATier.objects.filter(pk=organization.sla_tier.pk).update(stale_close_working_days=5)
    with time_machine.travel(msk(2026, 4, 13, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client)
    assert organization.sla_tier.stale_close_working_days == 3  # the cached instance is stale
    assert TicketClock.objects.get(ticket=ticket).stale_close_working_days == 5


def test_a_ticket_an_agent_registers_is_acknowledged_at_once(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(
            tenant=saveit.tenant, requester=saveit.client, actor=saveit.agent, channel="phone"
        )
    ticket.refresh_from_db()
    assert ticket.ack_at == msk(2026, 3, 2, 9, 0)
    assert ticket.ack_due == msk(2026, 3, 2, 12, 0)


# --- the per-process tier snapshot cache --------------------------------------------------------
def _normal_target(world) -> SLATarget:
    tier = SLATier.objects.get(tenant=world.tenant)
    return SLATarget.objects.create(
        tenant=world.tenant, tier=tier, priority=Priority.NORMAL, resolution_hours=9
    )


def _new_ticket(world):
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):  # Monday
        return make_ticket(tenant=world.tenant, requester=world.client, priority=Priority.NORMAL)


def test_the_tier_snapshot_is_read_once_for_a_burst_of_tickets(world_a):
    _normal_target(world_a)
    _new_ticket(world_a)
    with CaptureQueriesContext(connection) as captured:
        ticket = _new_ticket(world_a)
    assert not [
        q for q in captured.captured_queries if '"sla_sla' in q["sql"] or "sla_workschedule" in q["sql"]
    ]
    assert ticket.resolution_due == msk(2026, 3, 2, 18, 0)
    ticket.refresh_from_db()
    assert ticket.resolution_due == msk(2026, 3, 2, 18, 0)
    assert TicketClock.objects.get(ticket=ticket).resolution_target == timedelta(hours=9)


def test_an_admin_edit_of_the_targets_applies_to_the_next_ticket_despite_the_cache(world_a):
    target = _normal_target(world_a)
    assert _new_ticket(world_a).resolution_due == msk(2026, 3, 2, 18, 0)
    target.resolution_hours = 18
    target.save()
    assert _new_ticket(world_a).resolution_due == msk(2026, 3, 3, 18, 0)
    tier = target.tier
    tier.warning_percent = 50
    tier.save()
    ticket = _new_ticket(world_a)
    assert TicketClock.objects.get(ticket=ticket).warning_percent == 50
    target.delete()
    assert _new_ticket(world_a).resolution_due is None


def test_an_edit_made_by_another_process_applies_through_the_shared_stamp(world_a):
    _normal_target(world_a)
    _new_ticket(world_a)
    # Another process saved the target: its signal only reached the shared cache, not our snapshots.
    SLATarget.objects.filter(tier__tenant=world_a.tenant).update(resolution_hours=18)
    cache.set(CONFIG_STAMP_KEY, "edited-elsewhere", None)
    assert _new_ticket(world_a).resolution_due == msk(2026, 3, 3, 18, 0)


def test_an_edit_that_bypasses_signals_applies_after_the_ttl(world_a, monkeypatch):
    _normal_target(world_a)
    _new_ticket(world_a)
    SLATarget.objects.filter(tier__tenant=world_a.tenant).update(resolution_hours=18)
    monkeypatch.setattr(clocks, "SNAPSHOT_TTL", 0.0)
    assert _new_ticket(world_a).resolution_due == msk(2026, 3, 3, 18, 0)


def test_a_new_default_tier_applies_to_the_next_ticket_without_an_organisation_tier(world_a):
    world_a.client.organization = None
    world_a.client.save()
    first = _new_ticket(world_a)
    assert first.sla_tier == SLATier.objects.get(tenant=world_a.tenant)
    SLATier.objects.filter(tenant=world_a.tenant).update(is_default=False)
    other = SLATier.objects.create(tenant=world_a.tenant, name="Новый", is_default=True)
    assert _new_ticket(world_a).sla_tier_id == other.pk
