"""Announcements: current ones on every portal page of their tenant; tenant admins manage them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from helpdesk.models import Announcement

pytestmark = pytest.mark.django_db


@pytest.fixture
def notices(world_a, world_b):
    now = timezone.now()
    return {
        "current": Announcement.objects.create(
            tenant=world_a.tenant,
            title="Плановые работы в ночь на субботу",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=5),
        ),
        "open_ended": Announcement.objects.create(
            tenant=world_a.tenant, title="Новый адрес NOC", starts_at=now - timedelta(days=1)
        ),
        "future": Announcement.objects.create(
            tenant=world_a.tenant, title="Будущее объявление", starts_at=now + timedelta(days=1)
        ),
        "past": Announcement.objects.create(
            tenant=world_a.tenant,
            title="Прошедшая авария",
            starts_at=now - timedelta(days=2),
            ends_at=now - timedelta(days=1),
        ),
        "foreign": Announcement.objects.create(
            tenant=world_b.tenant, title="Объявление другого арендатора", starts_at=now - timedelta(hours=1)
        ),
    }


def test_current_announcements_on_every_portal_page(as_client, client, notices):
    for browser, url in [
        (client, "/t/alpha/login/"),
        (as_client, "/t/alpha/tickets/"),
        (as_client, "/t/alpha/tickets/new/"),
        (as_client, "/t/alpha/tickets/AL-1/"),
    ]:
        html = browser.get(url).content.decode()
        assert "Плановые работы в ночь на субботу" in html, url
        assert "Новый адрес NOC" in html
        assert "Будущее объявление" not in html
        assert "Прошедшая авария" not in html
        assert "Объявление другого арендатора" not in html


def test_tenant_admin_manages_only_own_announcements(world_a, notices):
    admin = Client()
    admin.force_login(world_a.admin)
    listing = admin.get("/admin/helpdesk/announcement/").content.decode()
    assert "Плановые работы" in listing and "Объявление другого арендатора" not in listing
    assert admin.get(f"/admin/helpdesk/announcement/{notices['foreign'].pk}/change/").status_code == 404
    response = admin.post(
        "/admin/helpdesk/announcement/add/",
        {
            "title": "Авария на канале Спорт",
            "body": "Чиним",
            "starts_at_0": timezone.localtime().strftime("%d.%m.%Y"),
            "starts_at_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Announcement.objects.get(title="Авария на канале Спорт").tenant == world_a.tenant
