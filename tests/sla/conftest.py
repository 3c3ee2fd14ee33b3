"""Fixtures for the SLA tests: demo-like tenants with their schedules and tiers, a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from helpdesk.celery import app as celery_app
from helpdesk.models import Role
from sla import calendars
from sla.demo import DEMO_SLA, seed_sla_for
from sla.models import SLATier
from tests.factories import MembershipFactory, QueueFactory, TenantFactory, UserFactory, make_client
from tickets.demo import DEMO_TENANTS
from tickets.models import Category

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)


@pytest.fixture(autouse=True)
def _eager_celery_and_fresh_calendars() -> Iterator[None]:
    """Tasks queued by a pass run inline (no broker in tests); calendars are rebuilt per test."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    calendars.clear_cache()
    yield
    celery_app.conf.task_always_eager = previous
    calendars.clear_cache()


class DemoTenant:
    def __init__(self, slug: str) -> None:
        spec = next(s for s in DEMO_TENANTS if s.slug == slug)
        self.tenant = TenantFactory(slug=slug, name=spec.name, ticket_prefix=spec.prefix, **spec.settings)
        self.queue = QueueFactory(tenant=self.tenant, name="Поддержка", slug="support", is_default=True)
        for position, (name, priority) in enumerate(spec.categories):
            Category.objects.create(
                tenant=self.tenant, name=name, default_priority=priority, ordering=position
            )
        seed_sla_for(self.tenant, slug)
        self.admin = UserFactory(email=f"admin@{slug}.test", is_staff=True)
        self.lead = UserFactory(email=f"lead@{slug}.test")
        self.agent = UserFactory(email=f"agent@{slug}.test")
        self.agent2 = UserFactory(email=f"agent2@{slug}.test")
        MembershipFactory(tenant=self.tenant, user=self.admin, role=Role.ADMIN)
        MembershipFactory(tenant=self.tenant, user=self.lead, role=Role.LEAD)
        MembershipFactory(tenant=self.tenant, user=self.agent, role=Role.AGENT)
        MembershipFactory(tenant=self.tenant, user=self.agent2, role=Role.AGENT)
        self.queue.agents.add(self.agent, self.agent2)
        self.client = make_client(tenant=self.tenant, email=f"client@{slug}-client.test")

    def tier(self, name: str) -> SLATier:
        return SLATier.objects.get(tenant=self.tenant, name=name)

    def category(self, name: str) -> Category:
        return Category.objects.get(tenant=self.tenant, name=name)


@pytest.fixture
def demo_tenant(db):
    assert set(DEMO_SLA) == {s.slug for s in DEMO_TENANTS}
    return DemoTenant
