"""Fixtures shared by every test package: fast settings and the two-tenant world."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from helpdesk.models import Role, Tenant, User
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    SLATierFactory,
    TenantFactory,
    UserFactory,
    make_client,
    make_ticket,
)
from tickets.models import Contact, Organization, Ticket

SHARED_DIR = Path(__file__).resolve().parent.parent.parent / "shared"


@pytest.fixture(autouse=True)
def _fast_and_isolated_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_ENABLED = False
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class TenantWorld:
    """One tenant with its staff, two client organisations and a ticket from each."""

    tenant: Tenant
    admin: User
    lead: User
    agent: User
    org: Organization
    other_org: Organization
    client: Contact
    other_client: Contact
    ticket: Ticket
    other_org_ticket: Ticket


def build_world(slug: str, prefix: str) -> TenantWorld:
    tenant = TenantFactory(slug=slug, name=slug.title(), ticket_prefix=prefix)
    SLATierFactory(tenant=tenant, name="Стандарт", is_default=True)
    admin = UserFactory(email=f"admin@{slug}.test", is_staff=True)
    lead = UserFactory(email=f"lead@{slug}.test")
    agent = UserFactory(email=f"agent@{slug}.test")
    MembershipFactory(tenant=tenant, user=admin, role=Role.ADMIN)
    MembershipFactory(tenant=tenant, user=lead, role=Role.LEAD)
    MembershipFactory(tenant=tenant, user=agent, role=Role.AGENT)
    org = OrganizationFactory(tenant=tenant, name=f"{slug}-client")
    other_org = OrganizationFactory(tenant=tenant, name=f"{slug}-other")
    client = make_client(tenant=tenant, organization=org, email=f"client@{slug}-client.test")
    other_client = make_client(tenant=tenant, organization=other_org, email=f"client@{slug}-other.test")
    ticket = make_ticket(tenant=tenant, requester=client, subject=f"Заявка клиента {slug}")
    other_org_ticket = make_ticket(tenant=tenant, requester=other_client, subject=f"Чужая заявка {slug}")
    return TenantWorld(
        tenant, admin, lead, agent, org, other_org, client, other_client, ticket, other_org_ticket
    )


@pytest.fixture
def world_a(db) -> TenantWorld:
    return build_world("alpha", "AL")


@pytest.fixture
def world_b(db) -> TenantWorld:
    return build_world("beta", "BE")


@pytest.fixture
def shared_dir() -> Path:
    return SHARED_DIR


@pytest.fixture
def browser(settings):
    """Headless Debian Chromium driven by Playwright, for tests that also use ``live_server``."""
    import os

    from playwright.sync_api import sync_playwright

    from tests.browser_support import CHROMIUM, CHROMIUM_ARGS

    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
