"""Every endpoint against the two-tenant fixture and each role: own objects 200, foreign ones the same 404
as missing ones, a read token cannot write, a revoked or unknown token is refused; errors are problem
details."""

from __future__ import annotations

import pytest

from api.tokens import api_token_revoke
from tests.factories import make_ticket
from tickets import services
from tickets.models import Attachment, Message, Ticket

ROLES = ["agent", "lead", "admin"]
PROBLEM = "application/problem+json"


@pytest.fixture
def both(world_a, world_b):
    """Each tenant with a ticket carrying an attachment; the agent's ticket is in no queue so that an
    agent-role token sees it too."""
    for world in (world_a, world_b):
        services.ticket_reply(
            ticket=world.ticket,
            body_text="Скриншот",
            actor=world.agent,
            attachments=[services.NewAttachment("shot.png", b"\x89PNG\r\n\x1a\nfake", "image/png")],
        )
    return world_a, world_b


def _reads(world) -> list[str]:
    number = world.ticket.display_number
    attachment = Attachment.objects.filter(ticket=world.ticket).first()
    return [
        f"/api/v1/tickets/{number}/",
        f"/api/v1/tickets/{number}/messages/",
        f"/api/v1/tickets/{number}/sla/",
        f"/api/v1/tickets/{number}/attachments/{attachment.pk}/",
        f"/api/v1/contacts/{world.client.pk}/",
        f"/api/v1/organizations/{world.org.pk}/",
    ]


LISTS = ["/api/v1/tickets/", "/api/v1/contacts/", "/api/v1/organizations/"]


def _writes(world) -> list[tuple[str, dict]]:
    number = world.ticket.display_number
    return [
        ("/api/v1/tickets/", {"requester_email": world.client.email, "subject": "Из CRM", "body": "Текст"}),
        (f"/api/v1/tickets/{number}/reply/", {"body": "Ответ"}),
        (f"/api/v1/tickets/{number}/notes/", {"body": "Заметка"}),
        (f"/api/v1/tickets/{number}/status/", {"status": "waiting"}),
        (f"/api/v1/tickets/{number}/assign/", {"assignee": None}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_own_objects_are_readable_by_every_role(both, issue, api, role):
    a, _b = both
    client = api(issue(a, role=role, scope="read"))
    for path in LISTS + _reads(a):
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])


@pytest.mark.parametrize("role", ROLES)
def test_foreign_objects_are_404_like_missing_ones(both, issue, api, role):
    a, b = both
    client = api(issue(a, role=role))
    for path in _reads(b):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response["Content-Type"] == PROBLEM
    missing = client.get("/api/v1/tickets/AL-99999/")
    foreign = client.get(f"/api/v1/tickets/{b.ticket.display_number}/")
    assert missing.json()["detail"] == foreign.json()["detail"]
    before = Ticket.objects.get(pk=b.ticket.pk).status
    for path, body in _writes(b)[1:]:
        assert client.post_json(path, body).status_code == 404, path
    b.ticket.refresh_from_db()
    assert b.ticket.status == before and not Message.objects.filter(ticket=b.ticket, source="api").exists()
    # Lists never show the other tenant's rows, and a foreign id as a filter matches nothing.
    numbers = {row["number"] for row in client.get("/api/v1/tickets/").json()["results"]}
    assert numbers and all(n.startswith("AL-") for n in numbers)
    assert client.get("/api/v1/tickets/", {"organization": b.org.pk}).json()["results"] == []
    emails = {row["email"] for row in client.get("/api/v1/contacts/").json()["results"]}
    assert b.client.email not in emails and a.client.email in emails
    assert b.org.pk not in {row["id"] for row in client.get("/api/v1/organizations/").json()["results"]}


def test_an_agent_token_sees_what_an_agent_sees(both, issue, api):
    from tests.factories import QueueFactory

    a, _b = both
    hidden_queue = QueueFactory(tenant=a.tenant)
    hidden = make_ticket(tenant=a.tenant, requester=a.client, queue=hidden_queue, subject="В чужой очереди")
    agent_numbers = {
        r["number"] for r in api(issue(a, role="agent")).get("/api/v1/tickets/").json()["results"]
    }
    lead_numbers = {r["number"] for r in api(issue(a, role="lead")).get("/api/v1/tickets/").json()["results"]}
    assert hidden.display_number in lead_numbers and hidden.display_number not in agent_numbers
    assert (
        api(issue(a, role="agent", name="a2")).get(f"/api/v1/tickets/{hidden.display_number}/").status_code
        == 404
    )


@pytest.mark.parametrize("role", ROLES)
def test_a_read_token_cannot_write(both, issue, api, role):
    a, _b = both
    client = api(issue(a, role=role, scope="read"))
    before = (Ticket.objects.count(), Message.objects.count())
    for path, body in _writes(a):
        response = client.post_json(path, body)
        assert response.status_code == 403, path
        assert response["Content-Type"] == PROBLEM and response.json()["status"] == 403
    assert (Ticket.objects.count(), Message.objects.count()) == before


@pytest.mark.parametrize("role", ROLES)
def test_a_write_token_writes(both, issue, api, role):
    a, _b = both
    client = api(issue(a, role=role))
    for path, body in _writes(a):
        response = client.post_json(path, body)
        assert response.status_code in (200, 201), (path, response.content[:300])


def test_a_revoked_or_unknown_token_is_refused(both, issue, api):
    a, _b = both
    issued = issue(a)
    client = api(issued)
    assert client.get("/api/v1/tickets/").status_code == 200
    api_token_revoke(token=issued.token)
    for path in LISTS + _reads(a):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response["Content-Type"] == PROBLEM and response["WWW-Authenticate"].startswith("Bearer")
    for path, body in _writes(a):
        assert client.post_json(path, body).status_code == 401
    wrong_secret = issued.secret[:-4] + "AAAA"
    for secret in (None, "rg_nothing", wrong_secret, "Basic abc"):
        assert api(secret).get("/api/v1/tickets/").status_code == 401, secret


def test_a_token_on_another_tenants_host_is_refused(both, issue, api, settings):
    from helpdesk.models import TenantDomain

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "support.beta.test"]
    a, b = both
    TenantDomain.objects.create(tenant=b.tenant, host="support.beta.test")
    response = api(issue(a)).get("/api/v1/tickets/", HTTP_HOST="support.beta.test")
    assert response.status_code == 401
    assert api(issue(b)).get("/api/v1/tickets/", HTTP_HOST="support.beta.test").status_code == 200


def test_unknown_paths_and_bad_input_are_problem_documents(both, issue, api):
    a, _b = both
    client = api(issue(a))
    unknown = client.get("/api/v1/nothing/")
    assert unknown.status_code == 404 and unknown["Content-Type"] == PROBLEM
    bad = client.post_json(
        "/api/v1/tickets/", {"subject": "", "body": "x", "requester_email": "nobody@x.test"}
    )
    problem = bad.json()
    assert bad.status_code == 400 and bad["Content-Type"] == PROBLEM
    assert set(problem) >= {"type", "title", "status", "detail", "errors"} and "subject" in problem["errors"]
    closed = make_ticket(tenant=a.tenant, requester=a.client)
    services.ticket_set_status(ticket=closed, status="closed", actor=a.lead)
    refused = client.post_json(f"/api/v1/tickets/{closed.display_number}/reply/", {"body": "ещё"})
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
