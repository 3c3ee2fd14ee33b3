"""The demo seed gives every tenant its regulation's schedule and targets, idempotently."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sla.models import SLACategoryTarget, SLATarget, SLATier, TicketClock, WorkSchedule
from sla.selectors import alerts_for_user, unread_alert_count
from sla.services import alerts_mark_read
from tickets.demo import seed_demo
from tickets.models import Priority, Ticket

pytestmark = pytest.mark.django_db


def test_seed_demo_configures_every_tier_and_clocks_the_demo_tickets():
    seed_demo()
    counts = (WorkSchedule.objects.count(), SLATarget.objects.count(), SLACategoryTarget.objects.count())
    seed_demo()
    assert (
        WorkSchedule.objects.count(),
        SLATarget.objects.count(),
        SLACategoryTarget.objects.count(),
    ) == counts

    saveit = SLATier.objects.get(tenant__slug="saveit", name="Стандарт")
    p1 = saveit.targets.get(priority=Priority.CRITICAL)
    assert (p1.ack_hours, p1.resolution_hours) == (Decimal(3), Decimal(4))
    assert saveit.targets.get(priority=Priority.LOW).resolution_hours == 90  # 10 working days of 9 h
    assert (
        SLATier.objects.get(tenant__slug="saveit", name="Приоритетный").schedule.name == "Круглосуточно 24/7"
    )
    assert not SLATier.objects.get(tenant__slug="umi", name="Разработка").targets.exists()
    umi_schedule = WorkSchedule.objects.get(tenant__slug="umi")
    assert (umi_schedule.saturday, umi_schedule.open_on_holidays) == ("10:00-18:00", True)
    assert {t.stale_close_working_days for t in SLATier.objects.filter(tenant__slug="kasburg")} == {3}
    assert WorkSchedule.objects.get(tenant__slug="zooportal").monday == "10:00-18:00"
    assert SLACategoryTarget.objects.filter(tenant__slug="zooportal").count() == 4
    for slug in ("microimpuls", "saveit", "umi", "kasburg", "zooportal"):
        assert WorkSchedule.objects.filter(tenant__slug=slug, is_default=True).count() == 1

    demo_tickets = Ticket.objects.all()
    assert demo_tickets.exists()
    assert TicketClock.objects.count() == demo_tickets.count()
    saveit_p1 = Ticket.objects.get(tenant__slug="saveit", priority=Priority.CRITICAL)
    assert saveit_p1.resolution_due is not None and saveit_p1.ack_due is not None


def test_in_app_alerts_are_listed_and_marked_read(world_a):
    from django.utils import timezone

    from sla.models import AlertKind, SLAAlert

    SLAAlert.objects.create(
        tenant=world_a.tenant,
        ticket=world_a.ticket,
        kind=AlertKind.RESOLUTION_BREACH,
        recipient=world_a.agent,
        created_at=timezone.now(),
    )
    assert unread_alert_count(tenant=world_a.tenant, user=world_a.agent) == 1
    assert [a.ticket for a in alerts_for_user(tenant=world_a.tenant, user=world_a.agent)] == [world_a.ticket]
    assert alerts_mark_read(tenant=world_a.tenant, user=world_a.agent) == 1
    assert unread_alert_count(tenant=world_a.tenant, user=world_a.agent) == 0
