"""In-app SLA alerts in the agent UI: the unread count in the navigation, the list and mark-as-read,
always within one tenant and for the signed-in person only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.models import Role
from sla.models import AlertKind, SLAAlert
from tests.agent.conftest import agent_url
from tests.factories import MembershipFactory, make_ticket

MAX_QUERIES = 15


def _alert(world, *, recipient, kind=AlertKind.FIRST_RESPONSE_BREACH, ticket=None, read=False) -> SLAAlert:
    now = timezone.now()
    return SLAAlert.objects.create(
        tenant=world.tenant,
        ticket=ticket or world.ticket,
        kind=kind,
        recipient=recipient,
        due_at=now,
        created_at=now,
        read_at=now if read else None,
    )


@pytest.fixture
def agent_in_both(world_a, world_b):
    """world_a's agent also works for world_b: the same person, two tenants."""
    MembershipFactory(tenant=world_b.tenant, user=world_a.agent, role=Role.AGENT)
    return world_a.agent


def _count_badge(html: str) -> str | None:
    marker = 'id="alert-count">'
    if marker not in html:
        return None
    return html.split(marker, 1)[1].split("<", 1)[0]


def test_navigation_counts_only_own_unread_alerts_of_this_tenant(world_a, world_b, agent_in_both, login):
    agent = agent_in_both
    _alert(world_a, recipient=agent)
    _alert(world_a, recipient=agent, kind=AlertKind.RESOLUTION_WARNING)
    _alert(world_a, recipient=agent, kind=AlertKind.ACK_BREACH, read=True)
    _alert(world_a, recipient=world_a.lead)  # a colleague's
    _alert(world_b, recipient=agent, ticket=world_b.ticket)  # the same person, the other tenant
    client = login(agent)
    assert _count_badge(client.get(agent_url("alpha", "home")).content.decode()) == "2"
    assert _count_badge(client.get(agent_url("beta", "home")).content.decode()) == "1"
    assert _count_badge(login(world_a.admin).get(agent_url("alpha", "home")).content.decode()) is None


def test_alert_list_shows_own_alerts_with_ticket_links(world_a, world_b, agent_in_both, login):
    agent = agent_in_both
    mine = _alert(world_a, recipient=agent)
    colleague = _alert(world_a, recipient=world_a.lead, ticket=world_a.other_org_ticket)
    foreign = _alert(world_b, recipient=agent, ticket=world_b.ticket)
    client = login(agent)
    for htmx in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.get(agent_url("alpha", "alerts"), **htmx)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-alert="{mine.pk}"' in html
        assert agent_url("alpha", "ticket_detail", world_a.ticket.display_number) in html
        assert f'data-alert="{colleague.pk}"' not in html
        assert f'data-alert="{foreign.pk}"' not in html
        assert world_b.ticket.display_number not in html
    assert ("<html" in response.content.decode()) is False  # the htmx answer is a fragment


def test_mark_read_by_id_ignores_other_tenants_and_colleagues(world_a, world_b, agent_in_both, login):
    agent = agent_in_both
    mine = _alert(world_a, recipient=agent)
    second = _alert(world_a, recipient=agent, kind=AlertKind.RESOLUTION_BREACH)
    colleague = _alert(world_a, recipient=world_a.lead, ticket=world_a.other_org_ticket)
    foreign = _alert(world_b, recipient=agent, ticket=world_b.ticket)
    client = login(agent)
    response = client.post(
        agent_url("alpha", "alerts_read"), {"alert": [mine.pk, colleague.pk, foreign.pk, "x"]}
    )
    assert response.status_code == 302
    for alert, read in ((mine, True), (second, False), (colleague, False), (foreign, False)):
        alert.refresh_from_db()
        assert (alert.read_at is not None) is read
    assert _count_badge(client.get(agent_url("alpha", "home")).content.decode()) == "1"


def test_mark_all_read_stays_in_this_tenant(world_a, world_b, agent_in_both, login):
    agent = agent_in_both
    _alert(world_a, recipient=agent)
    _alert(world_a, recipient=agent, kind=AlertKind.RESOLUTION_BREACH)
    foreign = _alert(world_b, recipient=agent, ticket=world_b.ticket)
    client = login(agent)
    client.post(agent_url("alpha", "alerts_read"), {})  # neither ids nor "all": nothing changes
    assert SLAAlert.objects.filter(tenant=world_a.tenant, read_at__isnull=True).count() == 2
    client.post(agent_url("alpha", "alerts_read"), {"all": "1"})
    assert not SLAAlert.objects.filter(tenant=world_a.tenant, read_at__isnull=True).exists()
    foreign.refresh_from_db()
    assert foreign.read_at is None


def test_alert_pages_are_for_staff_of_the_tenant_only(world_a, world_b, login, client):
    _alert(world_a, recipient=world_a.agent)
    assert login(world_b.agent).get(agent_url("alpha", "alerts")).status_code == 404
    assert login(world_b.agent).post(agent_url("alpha", "alerts_read"), {"all": "1"}).status_code == 404
    assert client.get(agent_url("alpha", "alerts")).status_code == 302  # anonymous: sign in first
    assert login(world_a.agent).get(agent_url("alpha", "alerts_read")).status_code == 405
    assert SLAAlert.objects.filter(read_at__isnull=True).count() == 1


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_alert_count_and_list_use_a_fixed_number_of_queries(world_a, login, django_assert_max_num_queries):
    client = login(world_a.lead)
    pages = [
        agent_url("alpha", "home"),
        agent_url("alpha", "ticket_detail", world_a.ticket.display_number),
        agent_url("alpha", "dashboard"),
        agent_url("alpha", "alerts"),
    ]
    _alert(world_a, recipient=world_a.lead)
    small = [_queries(client, url) for url in pages]
    for i in range(12):
        ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject=f"SLA {i}")
        _alert(world_a, recipient=world_a.lead, ticket=ticket)
        _alert(world_a, recipient=world_a.lead, ticket=ticket, kind=AlertKind.RESOLUTION_WARNING, read=True)
    large = []
    for url in pages:
        with django_assert_max_num_queries(MAX_QUERIES):
            large.append(_queries(client, url))
    assert large == small
