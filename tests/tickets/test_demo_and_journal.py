"""seed_demo is idempotent and follows the regulations; journal prints the stable interface."""

import json
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from helpdesk.models import Membership, Tenant, User
from tickets.models import Category, Contact, CustomField, Queue, Ticket
from tickets.statuses import Status

DEMO_SLUGS = {"microimpuls", "saveit", "umi", "kasburg", "zooportal"}
JOURNAL_KEYS = {
    "number",
    "subject",
    "organisation",
    "requester",
    "priority",
    "status",
    "sla_tier",
    "assignee",
    "created",
    "first_response_due",
    "first_response_at",
    "resolution_due",
    "resolved_at",
    "first_response_breached",
    "resolution_breached",
}


def _counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_twice_leaves_the_same_counts(seeded):
    before = _counts()
    call_command("seed_demo", stdout=StringIO())
    assert _counts() == before


def test_seed_demo_creates_the_five_tenants_and_logins(seeded):
    assert set(Tenant.objects.values_list("slug", flat=True)) == DEMO_SLUGS
    assert User.objects.get(email="root@reglament.example").is_superuser
    for slug in DEMO_SLUGS:
        tenant = Tenant.objects.get(slug=slug)
        admin = User.objects.get(email=f"admin@{slug}.example")
        assert admin.is_staff and admin.check_password("reglament-demo")
        assert Membership.objects.get(tenant=tenant, user=admin).role == "admin"
        assert Membership.objects.get(tenant=tenant, user__email=f"agent@{slug}.example").role == "agent"
        contact = Contact.objects.get(tenant=tenant, email=f"client@{slug}-client.example")
        assert contact.organization.name == f"{slug}-client" and contact.user is not None
        statuses = set(Ticket.objects.filter(tenant=tenant).values_list("status", flat=True))
        assert len(statuses) >= 2, f"{slug}: tickets in several states"
        assert Ticket.objects.filter(tenant=tenant).first().messages.exists()
    assert "admin@saveit.example" in seeded and "reglament-demo" in seeded


def test_demo_tenants_follow_their_regulations(seeded):
    noc = Queue.objects.get(tenant__slug="microimpuls", slug="noc")
    support = Queue.objects.get(tenant__slug="microimpuls", slug="support")
    assert noc.default_priority < support.default_priority, "streaming issues are handled first"
    zoo_priorities = Category.objects.filter(tenant__slug="zooportal").values_list(
        "default_priority", flat=True
    )
    assert None not in zoo_priorities, "ZooPortal sets priority by category"
    assert set(CustomField.objects.filter(tenant__slug="kasburg").values_list("key", flat=True)) >= {
        "product",
        "version",
    }
    assert CustomField.objects.get(tenant__slug="zooportal", key="object_id").required
    saveit = Tenant.objects.get(slug="saveit")
    assert saveit.time_accounting_minimum_minutes == 30
    assert "bmp" not in saveit.allowed_attachment_extensions and "zip" in saveit.allowed_attachment_extensions
    assert not Tenant.objects.get(slug="zooportal").accept_unknown_senders
    assert Tenant.objects.get(slug="kasburg").closed_reply_policy == "new_linked"


def test_journal_json_has_the_documented_keys(seeded):
    out = StringIO()
    call_command("journal", "--tenant", "saveit", "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == Ticket.objects.filter(tenant__slug="saveit").count()
    assert all(set(row) >= JOURNAL_KEYS for row in rows)
    assert all(row["number"].startswith("SV-") for row in rows)
    closed = next(row for row in rows if row["status"] == Status.CLOSED)
    assert closed["created"].endswith("+03:00") and closed["resolved_at"] is not None


def test_journal_csv_neutralises_formulas(db, world_a):
    from tests.factories import make_ticket

    make_ticket(tenant=world_a.tenant, subject='=HYPERLINK("http://evil")')
    out = StringIO()
    call_command("journal", "--tenant", "alpha", "--format", "csv", stdout=out)
    assert "'=HYPERLINK" in out.getvalue()
    assert out.getvalue().splitlines()[0].startswith('\ufeff"Номер";"Тема"')


def test_demo_tenant_admin_signs_in_and_sees_only_saveit(client, seeded, settings):
    settings.AXES_ENABLED = True  # the real sign-in path, throttling included
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin@saveit.example", "password": "reglament-demo"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    saveit = Tenant.objects.get(slug="saveit")
    for path in (
        "tickets/ticket",
        "tickets/contact",
        "tickets/organization",
        "sla/slatier",
        "helpdesk/membership",
    ):
        page = client.get(f"/admin/{path}/")
        assert page.status_code == 200, path
        rows = list(page.context["cl"].result_list)
        assert rows and {row.tenant_id for row in rows} == {saveit.pk}, path
    foreign = Ticket.objects.exclude(tenant=saveit).first()
    assert client.get(f"/admin/tickets/ticket/{foreign.pk}/change/").status_code == 404
