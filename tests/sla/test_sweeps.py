"""Beat passes on a frozen clock: breaches, warnings, auto-close and stale close, each exactly once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from sla.alerts import deliver_batch, send_pending_alert_emails
from sla.models import AlertKind, AlertOutbox, SLAAlert, TicketClock
from sla.sweeps import run_tick, sweep_breaches
from tests.factories import make_ticket
from tests.sla.conftest import msk
from tickets import services
from tickets.models import AuthorKind, Message, Priority
from tickets.statuses import Status

NOTHING = {"warned": 0, "breached": 0, "auto_closed": 0, "stale_closed": 0}


def tick(moment) -> dict[str, int]:
    with time_machine.travel(moment, tick=False):
        return run_tick(now=moment)


@pytest.mark.django_db
def test_breach_alerts_go_to_queue_agents_and_leads_once_in_app_and_by_mail(
    demo_tenant, django_capture_on_commit_callbacks
):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
    mail.outbox.clear()
    # Registration due at 12:00 (3 h), warned at 75 % = 11:15; resolution at 13:00, warned at 75 % of
    # 4 h = 12:00 as well.
    assert tick(msk(2026, 3, 2, 11, 14)) == NOTHING
    with django_capture_on_commit_callbacks(execute=True):
        assert tick(msk(2026, 3, 2, 11, 15)) == {**NOTHING, "warned": 1}
    ack_warning = set(
        SLAAlert.objects.filter(kind=AlertKind.ACK_WARNING).values_list("recipient__email", flat=True)
    )
    assert ack_warning == {"agent@saveit.test", "agent2@saveit.test"}
    assert tick(msk(2026, 3, 2, 11, 59)) == NOTHING
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert tick(msk(2026, 3, 2, 12, 0)) == {**NOTHING, "warned": 1, "breached": 1}
    assert callbacks  # the mail is queued after the alerts are committed, not sent inside the pass
    ticket.refresh_from_db()
    assert ticket.ack_breached and ticket.resolution_warned and not ticket.resolution_breached
    breach = set(
        SLAAlert.objects.filter(kind=AlertKind.ACK_BREACH).values_list("recipient__email", flat=True)
    )
    # Unassigned: both queue agents, plus the lead and the admin.
    assert breach == {"agent@saveit.test", "agent2@saveit.test", "lead@saveit.test", "admin@saveit.test"}
    warning = set(
        SLAAlert.objects.filter(kind=AlertKind.RESOLUTION_WARNING).values_list("recipient__email", flat=True)
    )
    assert warning == {"agent@saveit.test", "agent2@saveit.test"}  # warnings go to the workers only
    assert sorted(m.to[0] for m in mail.outbox) == sorted([*ack_warning, *breach, *warning])
    assert all(ticket.display_number in m.subject for m in mail.outbox)

    with django_capture_on_commit_callbacks(execute=True):
        assert tick(msk(2026, 3, 2, 12, 0)) == NOTHING  # the same moment again does nothing
    assert SLAAlert.objects.count() == 8
    assert send_pending_alert_emails() == 0
    assert len(mail.outbox) == 8


@pytest.mark.django_db
def test_assigned_ticket_alerts_the_assignee_and_leads_and_warns_the_assignee_only(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 13, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client, priority=Priority.NORMAL)
        services.ticket_assign(ticket=ticket, assignee=kasburg.agent, actor=kasburg.lead)
    # First response: 16 working hours → Tue 16:00; warning at 75 % → Tue 12:00.
    assert tick(msk(2026, 4, 14, 11, 59))["warned"] == 0
    assert tick(msk(2026, 4, 14, 12, 0)) == {**NOTHING, "warned": 1}
    warning = SLAAlert.objects.get(kind=AlertKind.FIRST_RESPONSE_WARNING)
    assert warning.recipient == kasburg.agent
    assert tick(msk(2026, 4, 14, 16, 0)) == {**NOTHING, "breached": 1}
    breach = set(
        SLAAlert.objects.filter(kind=AlertKind.FIRST_RESPONSE_BREACH).values_list("recipient", flat=True)
    )
    assert breach == {kasburg.agent.pk, kasburg.lead.pk, kasburg.admin.pk}
    ticket.refresh_from_db()
    assert ticket.first_response_warned and ticket.first_response_breached


@pytest.mark.django_db
def test_a_ticket_in_development_never_breaches(demo_tenant):
    umi = demo_tenant("umi")
    with time_machine.travel(msk(2026, 1, 12, 10, 0), tick=False):
        ticket = make_ticket(tenant=umi.tenant, requester=umi.client, category=umi.category("Разработка"))
        services.ticket_set_status(ticket=ticket, status=Status.IN_DEVELOPMENT, actor=umi.agent)
    ticket.refresh_from_db()
    assert ticket.first_response_due is not None and ticket.sla_paused_at is not None
    for days in (1, 3, 30, 365):
        assert tick(msk(2026, 1, 12, 10, 0) + timedelta(days=days)) == NOTHING
    ticket.refresh_from_db()
    assert not ticket.first_response_breached
    assert not SLAAlert.objects.exists()


@pytest.mark.django_db
def test_a_resolved_ticket_closes_24_hours_later(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 6, 17, 0), tick=False):  # Friday
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client)
        services.ticket_reply(ticket=ticket, actor=saveit.agent, body_text="Решение: обновите программу.")
        services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=saveit.agent)
    assert tick(msk(2026, 3, 7, 16, 59))["auto_closed"] == 0  # wall-clock hours: Saturday counts
    assert tick(msk(2026, 3, 7, 17, 0)) == {**NOTHING, "auto_closed": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.auto_close_at is None
    assert tick(msk(2026, 3, 7, 17, 0)) == NOTHING


@pytest.mark.django_db
def test_a_resolved_ticket_the_client_objected_to_is_not_closed(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 6, 17, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client)
        services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=saveit.agent)
    with time_machine.travel(msk(2026, 3, 7, 10, 0), tick=False):
        services.ticket_reopen(ticket=ticket, contact=saveit.client, reason="Проблема не решена")
    assert tick(msk(2026, 3, 7, 17, 0))["auto_closed"] == 0
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


@pytest.mark.django_db
def test_kasburg_closes_a_ticket_after_three_working_days_without_the_client(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 10, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client)
        services.ticket_reply(ticket=ticket, actor=kasburg.agent, body_text="Пришлите, пожалуйста, журнал.")
    with time_machine.travel(msk(2026, 4, 10, 15, 0), tick=False):  # Friday
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
    # Working days Mon 13, Tue 14, Wed 15 April: closes on Wednesday at 15:00.
    assert tick(msk(2026, 4, 15, 14, 59))["stale_closed"] == 0
    assert tick(msk(2026, 4, 15, 15, 0)) == {**NOTHING, "stale_closed": 1}
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    notice = Message.objects.filter(ticket=ticket, author_kind=AuthorKind.SYSTEM).get()
    assert notice.kind == "public" and ticket.display_number in notice.body_text
    assert tick(msk(2026, 4, 15, 15, 0)) == NOTHING


@pytest.mark.django_db
def test_a_paused_ticket_gets_no_alert_and_resumes_with_a_later_deadline(demo_tenant):
    kasburg = demo_tenant("kasburg")
    with time_machine.travel(msk(2026, 4, 13, 9, 0), tick=False):
        ticket = make_ticket(tenant=kasburg.tenant, requester=kasburg.client, priority=Priority.CRITICAL)
        services.ticket_reply(ticket=ticket, actor=kasburg.agent, body_text="Какая версия прошивки?")
        services.ticket_set_status(ticket=ticket, status=Status.WAITING, actor=kasburg.agent)
    # Resolution would be due after 24 working hours; the client is silent for two working days.
    assert tick(msk(2026, 4, 15, 17, 0)) == NOTHING
    with time_machine.travel(msk(2026, 4, 15, 17, 0), tick=False):
        services.ticket_reply(ticket=ticket, contact=kasburg.client, body_text="Прошивка 2.14")
    ticket.refresh_from_db()
    # 24 h counted from Wed 17:00: Wed 1 h, Thu 9 h, Fri 9 h, Mon 09–14.
    assert ticket.resolution_due == msk(2026, 4, 20, 14, 0)
    assert tick(msk(2026, 4, 20, 13, 59))["breached"] == 0
    assert tick(msk(2026, 4, 20, 14, 0))["breached"] == 1


@pytest.mark.django_db
def test_sla_tick_command_prints_counts_and_does_nothing_the_second_time(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
    outputs = []
    for _ in range(2):
        out = StringIO()
        call_command("sla_tick", "--now", "2026-03-02T14:00:00+03:00", stdout=out)
        outputs.append(json.loads(out.getvalue()))
    assert outputs == [{**NOTHING, "breached": 2}, NOTHING]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks with SKIP LOCKED need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sla_tick_runs_alert_each_breach_exactly_once(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        tickets = [
            make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
            for _ in range(30)
        ]
    mail.outbox.clear()
    moment = msk(2026, 3, 2, 14, 0)
    results: list[dict[str, int]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def one_pass() -> None:
        try:
            out = StringIO()
            barrier.wait()
            call_command("sla_tick", "--now", moment.isoformat(), stdout=out)
            results.append(json.loads(out.getvalue()))
        except BaseException as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_pass) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    # 30 tickets × (registration + resolution), split between the two passes in any proportion.
    assert sum(r["breached"] for r in results) == 60
    per_ticket_kind_recipient = SLAAlert.objects.values_list("ticket", "kind", "recipient")
    assert len(per_ticket_kind_recipient) == len(set(per_ticket_kind_recipient)) == 60 * 4
    assert len(mail.outbox) == 60 * 4
    assert {t.pk for t in tickets} == set(SLAAlert.objects.values_list("ticket", flat=True))
    assert run_tick(now=moment) == NOTHING
    assert len(mail.outbox) == 60 * 4


@pytest.mark.django_db
def test_a_lost_delivery_is_queued_again_by_a_later_pass(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
    batches: list[int] = []
    with time_machine.travel(msk(2026, 3, 2, 12, 0), tick=False):
        assert sweep_breaches(now=msk(2026, 3, 2, 12, 0), batches=batches) == 1  # claimed; task never ran
    assert AlertOutbox.objects.filter(delivered_at__isnull=True).count() == 1
    assert not SLAAlert.objects.exists()
    assert tick(msk(2026, 3, 2, 12, 1))["breached"] == 0  # claimed already, and too early to re-queue
    assert not SLAAlert.objects.filter(kind=AlertKind.ACK_BREACH).exists()
    tick(msk(2026, 3, 2, 12, 6))
    ticket.refresh_from_db()
    assert ticket.ack_breached
    assert SLAAlert.objects.filter(kind=AlertKind.ACK_BREACH).count() == 4
    assert not AlertOutbox.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db
def test_a_deadline_moved_after_the_claim_is_not_reported_as_breached(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.CRITICAL)
    batches: list[int] = []
    moment = msk(2026, 3, 2, 13, 0)
    with time_machine.travel(moment, tick=False):
        sweep_breaches(now=moment, batches=batches)  # registration and resolution claimed
        services.ticket_set_priority(ticket=ticket, priority=Priority.LOW, actor=saveit.agent)
        for batch_id in batches:
            deliver_batch(batch_id)
    ticket.refresh_from_db()
    assert ticket.ack_breached  # registration is 3 h for every priority: still passed
    assert not ticket.resolution_breached  # 90 h now
    assert set(SLAAlert.objects.values_list("kind", flat=True)) == {AlertKind.ACK_BREACH}
    assert not TicketClock.objects.get(ticket=ticket).resolution_breach_claimed


@pytest.mark.django_db
def test_registration_warning_is_dropped_once_an_agent_acts(demo_tenant):
    saveit = demo_tenant("saveit")
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=saveit.tenant, requester=saveit.client, priority=Priority.NORMAL)
    assert TicketClock.objects.get(ticket=ticket).ack_warn_at == msk(2026, 3, 2, 11, 15)
    with time_machine.travel(msk(2026, 3, 2, 10, 0), tick=False):
        services.ticket_assign(ticket=ticket, assignee=saveit.agent, actor=saveit.agent)
    assert TicketClock.objects.get(ticket=ticket).ack_warn_at is None
    assert tick(msk(2026, 3, 2, 11, 15))["warned"] == 0
    assert not SLAAlert.objects.filter(ticket=ticket, kind=AlertKind.ACK_WARNING).exists()
