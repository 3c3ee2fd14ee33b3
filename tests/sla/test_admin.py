"""SLA admin: tenant admins edit only their tiers and schedules; bad hours are refused with a message."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from sla import calendars
from sla.models import ScheduleOverride, SLATarget, SLATier, WorkSchedule
from tests.factories import CategoryFactory, make_ticket
from tests.sla.conftest import msk
from tickets.models import Priority, TicketEvent

pytestmark = pytest.mark.django_db


def _schedule_form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Офис",
        "timezone": "Europe/Moscow",
        "monday": "09:00-18:00",
        "tuesday": "09:00-18:00",
        "wednesday": "09:00-18:00",
        "thursday": "09:00-18:00",
        "friday": "09:00-18:00",
        "saturday": "",
        "sunday": "",
        "russian_holidays": "on",
        "overrides-TOTAL_FORMS": "0",
        "overrides-INITIAL_FORMS": "0",
        "overrides-MIN_NUM_FORMS": "0",
        "overrides-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def _tier_form(tier: SLATier, **overrides: str) -> dict[str, str]:
    data = {
        "name": tier.name,
        "is_default": "on" if tier.is_default else "",
        "description": "",
        "schedule": "",
        "pause_when_waiting": "on",
        "pause_in_development": "on",
        "warning_percent": "75",
        "auto_close_hours": "24",
        "stale_close_working_days": "",
        "targets-TOTAL_FORMS": "0",
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
        "category_targets-TOTAL_FORMS": "0",
        "category_targets-INITIAL_FORMS": "0",
        "category_targets-MIN_NUM_FORMS": "0",
        "category_targets-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_tenant_admin_creates_a_schedule_for_their_tenant_only(client, world_a, world_b):
    client.force_login(world_a.admin)
    response = client.post(reverse("admin:sla_workschedule_add"), _schedule_form(), follow=True)
    assert response.status_code == 200
    schedule = WorkSchedule.objects.get(name="Офис")
    assert schedule.tenant == world_a.tenant
    assert not WorkSchedule.objects.filter(tenant=world_b.tenant).exists()


def test_invalid_hours_are_refused_with_a_message(client, world_a):
    client.force_login(world_a.admin)
    for bad in ("18:00-09:00", "9-18", "09:00-25:00", "09:00-13:00, 12:00-18:00"):
        response = client.post(reverse("admin:sla_workschedule_add"), _schedule_form(monday=bad))
        assert response.status_code == 200, bad
        errors = response.context["adminform"].form.errors
        assert "monday" in errors, bad
        assert "Неверные часы" in str(errors["monday"]), bad
    assert not WorkSchedule.objects.exists()


def test_a_week_without_any_hours_is_refused(client, world_a):
    client.force_login(world_a.admin)
    empty = dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), "")
    response = client.post(reverse("admin:sla_workschedule_add"), _schedule_form(**empty))
    assert response.status_code == 200
    assert "График не принят" in str(response.context["adminform"].form.non_field_errors())


def test_invalid_override_hours_are_refused(client, world_a):
    client.force_login(world_a.admin)
    data = _schedule_form(
        **{
            "overrides-TOTAL_FORMS": "1",
            "overrides-0-date": "2027-01-11",
            "overrides-0-hours": "10:00-09:00",
            "overrides-0-note": "перенос",
        }
    )
    response = client.post(reverse("admin:sla_workschedule_add"), data)
    assert response.status_code == 200
    assert not WorkSchedule.objects.exists()
    assert "Неверные часы" in response.content.decode()


def test_tenant_admin_cannot_see_or_edit_another_tenants_tier_or_schedule(client, world_a, world_b):
    foreign_schedule = WorkSchedule.objects.create(tenant=world_b.tenant, name="Чужой", monday="09:00-18:00")
    foreign_tier = SLATier.objects.get(tenant=world_b.tenant)
    client.force_login(world_a.admin)
    listing = client.get(reverse("admin:sla_slatier_changelist"))
    assert {t.tenant_id for t in listing.context["cl"].result_list} == {world_a.tenant.pk}
    for url in (
        reverse("admin:sla_slatier_change", args=[foreign_tier.pk]),
        reverse("admin:sla_workschedule_change", args=[foreign_schedule.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    foreign_tier.refresh_from_db()
    assert foreign_tier.name == "Стандарт"


def test_tier_schedule_choices_are_limited_to_the_tenant(client, world_a, world_b):
    own = WorkSchedule.objects.create(tenant=world_a.tenant, name="Свой", monday="09:00-18:00")
    WorkSchedule.objects.create(tenant=world_b.tenant, name="Чужой", monday="09:00-18:00")
    tier = SLATier.objects.get(tenant=world_a.tenant)
    client.force_login(world_a.admin)
    response = client.get(reverse("admin:sla_slatier_change", args=[tier.pk]))
    choices = list(response.context["adminform"].form.fields["schedule"].queryset)
    assert choices == [own]


def test_tenant_admin_sets_targets_inline(client, world_a):
    tier = SLATier.objects.get(tenant=world_a.tenant)
    client.force_login(world_a.admin)
    data = _tier_form(
        tier,
        **{
            "targets-TOTAL_FORMS": "1",
            "targets-0-priority": "1",
            "targets-0-ack_hours": "3",
            "targets-0-first_response_hours": "",
            "targets-0-resolution_hours": "4",
        },
    )
    response = client.post(reverse("admin:sla_slatier_change", args=[tier.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    target = SLATarget.objects.get(tier=tier)
    assert (target.tenant, target.priority, target.first_response_hours) == (world_a.tenant, 1, None)
    assert float(target.resolution_hours) == 4.0


def test_schedule_page_shows_the_week_the_non_working_days_and_the_coverage_warning(client, world_a):
    schedule = WorkSchedule.objects.create(
        tenant=world_a.tenant,
        name="Офис",
        **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-18:00"),
    )
    url = reverse("admin:sla_workschedule_change", args=[schedule.pk])
    with time_machine.travel(msk(2027, 11, 20, 12, 0), tick=False):
        client.force_login(world_a.admin)  # a session from the real today would have expired by then
        response = client.get(url, {"week": "2026-03-05"})
    preview = response.context["calendar_preview"]
    assert preview["monday"].isoformat() == "2026-03-02"
    hours = [day["intervals"] for day in preview["days"]]
    assert hours[0] == ["09:00–18:00"] and hours[5] == [] and hours[6] == []
    assert len(preview["non_working_days"]) == 10
    # 2028 is not in the built-in shortened-day data: the admin is told to add it.
    assert preview["uncovered_year"] == 2028
    assert "2028" in response.content.decode()
    ScheduleOverride.objects.create(tenant=world_a.tenant, schedule=schedule, date="2028-01-10", hours="")
    with time_machine.travel(msk(2027, 11, 20, 12, 0), tick=False):
        assert client.get(url).context["calendar_preview"]["uncovered_year"] is None


def test_saving_overrides_invalidates_the_cached_calendar(client, world_a):
    schedule = WorkSchedule.objects.create(tenant=world_a.tenant, name="Офис", monday="09:00-18:00")
    before = calendars.calendar_for(schedule)
    assert before.intervals_on(msk(2026, 3, 2).date())
    client.force_login(world_a.admin)
    data = _schedule_form(
        **{
            "tuesday": "",
            "wednesday": "",
            "thursday": "",
            "friday": "",
            "overrides-TOTAL_FORMS": "1",
            "overrides-0-date": "2026-03-02",
            "overrides-0-hours": "",
            "overrides-0-note": "санитарный день",
        }
    )
    response = client.post(reverse("admin:sla_workschedule_change", args=[schedule.pk]), data)
    assert response.status_code == 302
    schedule.refresh_from_db()
    after = calendars.calendar_for(schedule)
    assert after is not before
    assert after.intervals_on(msk(2026, 3, 2).date()) == []


def test_recalculate_action_applies_the_edited_tier_to_open_tickets(client, world_a):
    tier = SLATier.objects.get(tenant=world_a.tenant)
    SLATarget.objects.create(tenant=world_a.tenant, tier=tier, priority=Priority.NORMAL, resolution_hours=9)
    with time_machine.travel(msk(2026, 3, 2, 9, 0), tick=False):
        ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client, priority=Priority.NORMAL)
    assert ticket.resolution_due == msk(2026, 3, 2, 18, 0)
    SLATarget.objects.filter(tier=tier).update(resolution_hours=18)
    ticket.refresh_from_db()
    assert ticket.resolution_due == msk(2026, 3, 2, 18, 0)  # an edit alone rewrites nothing
    client.force_login(world_a.admin)
    response = client.post(
        reverse("admin:sla_slatier_changelist"),
        {"action": "recalculate_open_tickets", "_selected_action": [tier.pk]},
        follow=True,
    )
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.resolution_due == msk(2026, 3, 3, 18, 0)
    assert TicketEvent.objects.filter(ticket=ticket, action="sla_recalculated", actor=world_a.admin).exists()


def test_platform_admin_cannot_mix_tenants_in_a_tier(client, world_a, world_b, django_user_model):
    root = django_user_model.objects.create_superuser("root@sla.test", "pass")
    tier = SLATier.objects.get(tenant=world_a.tenant)
    foreign_schedule = WorkSchedule.objects.create(tenant=world_b.tenant, name="Чужой", monday="09:00-18:00")
    foreign_category = CategoryFactory(tenant=world_b.tenant)
    client.force_login(root)
    data = _tier_form(
        tier,
        tenant=str(world_a.tenant.pk),
        schedule=str(foreign_schedule.pk),
        **{
            "category_targets-TOTAL_FORMS": "1",
            "category_targets-0-category": str(foreign_category.pk),
            "category_targets-0-first_response_hours": "2",
        },
    )
    response = client.post(reverse("admin:sla_slatier_change", args=[tier.pk]), data)
    assert response.status_code == 200
    assert "schedule" in response.context["adminform"].form.errors
    assert "Категория другого арендатора" in response.content.decode()
    tier.refresh_from_db()
    assert tier.schedule is None
