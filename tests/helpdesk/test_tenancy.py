"""Tenant resolution, sign-in per tenant, and what a client may fetch."""

import pytest
from django.http import Http404

from helpdesk.models import TenantDomain
from tests.factories import PASSWORD, make_ticket
from tickets.selectors import parse_ticket_number, ticket_get_for_agent, ticket_get_for_client


def test_tenant_page_shows_sign_in(client, world_a):
    response = client.get("/t/alpha/")
    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
    assert response.context["tenant"] == world_a.tenant


def test_unknown_tenant_is_404(client, db):
    assert client.get("/t/nobody/").status_code == 404
    assert client.get("/t/nobody/tickets/").status_code == 404


def test_tenant_served_on_its_own_host_name(client, world_a, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "support.alpha.test"]
    TenantDomain.objects.create(tenant=world_a.tenant, host="support.alpha.test")
    response = client.get("/", HTTP_HOST="support.alpha.test")
    assert response.status_code == 200
    assert response.context["tenant"] == world_a.tenant


def test_links_inside_a_tenant_carry_its_prefix(client, world_a):
    html = client.get("/t/alpha/").content.decode()
    assert 'action="/t/alpha/login/"' in html


def test_sign_in_with_email_lands_on_the_right_workspace(client, world_a):
    response = client.post("/t/alpha/login/", {"username": world_a.client.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/t/alpha/").url == "/t/alpha/tickets/"
    client.logout()
    client.post("/t/alpha/login/", {"username": world_a.agent.email.upper(), "password": PASSWORD})
    assert client.get("/t/alpha/").url == "/t/alpha/agent/"


def test_a_login_of_another_tenant_is_refused(client, world_a, world_b):
    response = client.post("/t/alpha/login/", {"username": world_b.client.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "нет доступа" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_client_of_another_tenant_gets_404_on_tenant_pages(client, world_a, world_b):
    client.force_login(world_b.client.user)
    assert client.get("/t/alpha/tickets/").status_code == 404
    assert client.get("/t/alpha/agent/").status_code == 404
    client.force_login(world_b.agent)
    assert client.get("/t/alpha/agent/").status_code == 404


def test_pages_list_only_own_tickets(client, world_a, world_b):
    client.force_login(world_a.agent)
    html = client.get("/t/alpha/agent/").content.decode()
    assert world_a.ticket.subject in html and world_b.ticket.subject not in html
    client.force_login(world_a.client.user)
    html = client.get("/t/alpha/tickets/").content.decode()
    assert world_a.ticket.subject in html
    assert world_a.other_org_ticket.subject not in html
    assert world_b.ticket.subject not in html


def test_client_cannot_fetch_another_organisations_ticket(world_a):
    user = world_a.client.user
    own = ticket_get_for_client(tenant=world_a.tenant, user=user, number=world_a.ticket.display_number)
    assert own == world_a.ticket
    with pytest.raises(Http404) as foreign:
        ticket_get_for_client(
            tenant=world_a.tenant, user=user, number=world_a.other_org_ticket.display_number
        )
    with pytest.raises(Http404) as missing:
        ticket_get_for_client(tenant=world_a.tenant, user=user, number="AL-999")
    assert str(foreign.value) == str(missing.value)


def test_colleague_sees_organisation_tickets_only_when_tenant_allows(world_a):
    from tests.factories import make_client

    colleague = make_client(tenant=world_a.tenant, organization=world_a.org)
    number = world_a.ticket.display_number
    assert ticket_get_for_client(tenant=world_a.tenant, user=colleague.user, number=number)
    world_a.tenant.client_visibility = "own"
    world_a.tenant.save()
    with pytest.raises(Http404):
        ticket_get_for_client(tenant=world_a.tenant, user=colleague.user, number=number)


def test_agent_selector_never_crosses_tenants(world_a, world_b):
    with pytest.raises(Http404):
        ticket_get_for_agent(tenant=world_a.tenant, user=world_b.agent, number=world_a.ticket.display_number)
    # The same number string of another tenant's prefix is not a ticket here.
    with pytest.raises(Http404):
        ticket_get_for_agent(tenant=world_a.tenant, user=world_a.agent, number=world_b.ticket.display_number)


def test_parse_ticket_number_only_accepts_own_prefix(world_a):
    assert parse_ticket_number(world_a.tenant, "AL-42") == 42
    assert parse_ticket_number(world_a.tenant, "al-42") == 42
    assert parse_ticket_number(world_a.tenant, "BE-42") is None
    assert parse_ticket_number(world_a.tenant, "AL-") is None


def test_healthz_checks_the_database(client, db):
    assert client.get("/healthz/").json() == {"status": "ok", "database": "ok"}


def test_ticket_numbers_in_display_form(world_a):
    assert make_ticket(tenant=world_a.tenant).display_number.startswith("AL-")
