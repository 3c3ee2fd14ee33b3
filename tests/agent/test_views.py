"""Every agent URL against the two-tenant fixture and each role: foreign objects are a 404."""

from __future__ import annotations

import pytest

from tests.agent.conftest import agent_url
from tests.factories import QueueFactory, UserFactory, make_ticket
from tickets import services
from tickets.models import CannedResponse, SavedFilter

ROLES = ["admin", "lead", "agent"]


def _get_urls(slug: str, number: str) -> list[str]:
    return [
        agent_url(slug, "home"),
        agent_url(slug, "home") + "?view=breached&q=x",
        agent_url(slug, "export", "csv"),
        agent_url(slug, "export", "xlsx"),
        agent_url(slug, "intake"),
        agent_url(slug, "time_report"),
        agent_url(slug, "alerts"),
        agent_url(slug, "ticket_detail", number),
        agent_url(slug, "ticket_history", number),
        agent_url(slug, "canned_insert", number),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_opens_for_each_role(world_a, world_b, login, role):
    client = login(getattr(world_a, role))
    for url in _get_urls("alpha", world_a.ticket.display_number):
        assert client.get(url).status_code == 200, url
    history = client.get(
        agent_url("alpha", "ticket_history", world_a.ticket.display_number), HTTP_HX_REQUEST="true"
    )
    assert b"<html" not in history.content


@pytest.mark.parametrize("role", ROLES)
def test_other_tenant_pages_are_404(world_a, world_b, login, role):
    client = login(getattr(world_a, role))
    for url in _get_urls("beta", world_b.ticket.display_number):
        assert client.get(url).status_code == 404, url
    # Beta's ticket number asked inside Alpha, and a number Alpha does not have.
    for number in (world_b.ticket.display_number, "AL-999", "garbage"):
        assert client.get(agent_url("alpha", "ticket_detail", number)).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_posts_on_other_tenant_tickets_are_404(world_a, world_b, login, role):
    client = login(getattr(world_a, role))
    number = world_b.ticket.display_number
    posts = {
        "ticket_reply": {"body": "x"},
        "ticket_take": {},
        "ticket_change": {"what": "priority", "priority": 1},
        "ticket_merge": {"target": world_a.ticket.display_number},
        "ticket_split": {"message": world_b.ticket.messages.first().pk},
    }
    for name, data in posts.items():
        assert client.post(agent_url("alpha", name, number), data).status_code == 404, name
        assert client.post(agent_url("beta", name, number), data).status_code == 404, name
    world_b.ticket.refresh_from_db()
    assert world_b.ticket.priority != 1 and world_b.ticket.assignee is None
    assert world_b.ticket.messages.count() == 1


def test_clients_and_strangers_get_no_agent_pages(world_a, login):
    stranger = UserFactory(email="nobody@x.test")
    for user in (world_a.client.user, stranger):
        client = login(user)
        assert client.get(agent_url("alpha", "home")).status_code == 404
        assert (
            client.get(agent_url("alpha", "ticket_detail", world_a.ticket.display_number)).status_code == 404
        )


def test_anonymous_is_sent_to_sign_in(world_a, client):
    response = client.get(agent_url("alpha", "home"))
    assert response.status_code == 302 and "/t/alpha/login/" in response["Location"]


def test_dashboard_is_for_leads_and_admins_only(world_a, world_b, login):
    assert login(world_a.lead).get(agent_url("alpha", "dashboard")).status_code == 200
    assert login(world_a.admin).get(agent_url("alpha", "dashboard")).status_code == 200
    assert login(world_a.agent).get(agent_url("alpha", "dashboard")).status_code == 404
    assert login(world_a.lead).get(agent_url("beta", "dashboard")).status_code == 404


def test_agent_sees_only_their_queues_lead_sees_all(world_a, login):
    tenant = world_a.tenant
    mine, other = QueueFactory(tenant=tenant), QueueFactory(tenant=tenant)
    mine.agents.add(world_a.agent)
    in_mine = make_ticket(tenant=tenant, requester=world_a.client, queue=mine, subject="В моей очереди")
    in_other = make_ticket(tenant=tenant, requester=world_a.client, queue=other, subject="В чужой очереди")
    assigned = make_ticket(tenant=tenant, requester=world_a.client, queue=other, subject="Назначена мне")
    services.ticket_assign(ticket=assigned, assignee=world_a.agent, actor=world_a.lead)

    agent = login(world_a.agent)
    page = agent.get(agent_url("alpha", "home")).content.decode()
    assert "В моей очереди" in page and "Назначена мне" in page and "В чужой очереди" not in page
    assert agent.get(agent_url("alpha", "ticket_detail", in_other.display_number)).status_code == 404
    assert agent.get(agent_url("alpha", "ticket_detail", in_mine.display_number)).status_code == 200
    search = agent.get(agent_url("alpha", "home") + "?q=очереди").content.decode()
    assert "В чужой очереди" not in search
    export = agent.get(agent_url("alpha", "export", "csv")).getvalue().decode()
    assert in_other.display_number not in export and in_mine.display_number in export

    lead_page = login(world_a.lead).get(agent_url("alpha", "home")).content.decode()
    assert "В чужой очереди" in lead_page


def test_search_and_export_never_show_another_tenant(world_a, world_b, login):
    make_ticket(tenant=world_b.tenant, requester=world_b.client, subject="Секретная тема беты")
    client = login(world_a.admin)
    page = client.get(agent_url("alpha", "home") + "?q=Секретная").content.decode()
    assert "Секретная тема беты" not in page
    page = client.get(agent_url("alpha", "home") + f"?q={world_b.client.email}").content.decode()
    assert world_b.ticket.display_number not in page
    csv = client.get(agent_url("alpha", "export", "csv")).getvalue().decode()
    assert "BE-" not in csv and world_a.ticket.display_number in csv


def test_attachment_download_is_checked_against_the_ticket(world_a, world_b, login):
    def with_file(world, name):
        return services.ticket_reply(
            ticket=world.ticket,
            body_text="файл",
            actor=world.agent,
            attachments=[services.NewAttachment(filename=name, content=b"data-" + name.encode())],
        ).attachments.get()

    mine, theirs = with_file(world_a, "a.txt"), with_file(world_b, "b.txt")
    other_ticket = world_a.other_org_ticket.display_number
    client = login(world_a.agent)
    response = client.get(agent_url("alpha", "ticket_attachment", world_a.ticket.display_number, mine.pk))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"data-a.txt"
    assert "attachment" in response["Content-Disposition"]
    assert (
        client.get(
            agent_url("alpha", "ticket_attachment", world_a.ticket.display_number, theirs.pk)
        ).status_code
        == 404
    )
    assert client.get(agent_url("alpha", "ticket_attachment", other_ticket, mine.pk)).status_code == 404
    assert (
        client.get(
            agent_url("beta", "ticket_attachment", world_b.ticket.display_number, theirs.pk)
        ).status_code
        == 404
    )


def test_canned_fragment_refuses_another_tenants_template(world_a, world_b, login):
    theirs = CannedResponse.objects.create(tenant=world_b.tenant, title="B", body="секрет беты")
    client = login(world_a.agent)
    url = agent_url("alpha", "canned_insert", world_a.ticket.display_number)
    assert client.get(url, {"canned": theirs.pk}, HTTP_HX_REQUEST="true").status_code == 404


def test_saved_filters_are_per_user_and_tenant(world_a, world_b, login):
    theirs = SavedFilter.objects.create(
        tenant=world_b.tenant, user=world_b.agent, name="b", query="view=mine"
    )
    colleague = SavedFilter.objects.create(
        tenant=world_a.tenant, user=world_a.lead, name="l", query="view=mine"
    )
    client = login(world_a.agent)
    assert client.post(agent_url("alpha", "filter_delete", theirs.pk)).status_code == 404
    assert client.post(agent_url("alpha", "filter_delete", colleague.pk)).status_code == 404
    assert SavedFilter.objects.count() == 2


def test_bulk_on_foreign_ids_is_404(world_a, world_b, login):
    client = login(world_a.lead)
    response = client.post(
        agent_url("alpha", "bulk"), {"action": "priority", "priority": 1, "tickets": [world_b.ticket.pk]}
    )
    assert response.status_code == 404
    world_b.ticket.refresh_from_db()
    assert world_b.ticket.priority != 1
