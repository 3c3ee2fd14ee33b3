"""Tickets over the API: the same services as the UI (history, SLA, mail), pagination, filters,
attachments, throttling and a fixed number of queries."""

from __future__ import annotations

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import make_ticket
from tickets import services
from tickets.models import Message, Ticket, TicketEvent


def test_create_reply_note_status_assign_go_through_the_services(
    world_a, issue, api, mailoutbox, django_capture_on_commit_callbacks
):
    client = api(issue(world_a, role="lead", name="CRM"))
    with django_capture_on_commit_callbacks(execute=True):
        created = client.post_json(
            "/api/v1/tickets/",
            {
                "requester_email": world_a.client.email.upper(),
                "subject": "Из CRM",
                "body": "Не работает",
                "priority": 2,
            },
        )
    assert created.status_code == 201, created.content
    body = created.json()
    number = body["number"]
    assert number.startswith("AL-") and body["channel"] == "api" and body["priority"] == 2
    assert (
        body["requester"]["email"] == world_a.client.email and body["organization"]["name"] == "alpha-client"
    )
    assert body["sla"]["tier"]["name"] == "Стандарт"
    ticket = Ticket.objects.get(tenant=world_a.tenant, number=int(number.split("-")[1]))
    event = TicketEvent.objects.filter(ticket=ticket, action="created").first()
    assert event is not None and event.actor_label == "API: CRM"

    reply = client.post_json(f"/api/v1/tickets/{number}/reply/", {"body": "Смотрим", "minutes_spent": 10})
    assert reply.status_code == 201 and reply.json()["kind"] == "public"
    assert reply.json()["author"] == {
        "kind": "agent",
        "name": "API: CRM",
        "email": reply.json()["author"]["email"],
    }
    note = client.post_json(f"/api/v1/tickets/{number}/notes/", {"body": "Внутреннее"})
    assert note.json()["kind"] == "internal"
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None, "a public reply stops the first-response clock, as in the UI"

    status = client.post_json(
        f"/api/v1/tickets/{number}/status/", {"status": "waiting", "reason": "Ждём лог"}
    )
    assert status.status_code == 200 and status.json()["status"] == "waiting"
    assert client.post_json(f"/api/v1/tickets/{number}/status/", {"status": "bogus"}).status_code == 400
    assigned = client.post_json(f"/api/v1/tickets/{number}/assign/", {"assignee": world_a.agent.pk})
    assert assigned.status_code == 200 and assigned.json()["assignee"]["email"] == world_a.agent.email
    stranger = client.post_json(f"/api/v1/tickets/{number}/assign/", {"assignee": 999999})
    assert stranger.status_code == 400 and "assignee" in stranger.json()["errors"]

    messages = client.get(f"/api/v1/tickets/{number}/messages/").json()["results"]
    assert [m["kind"] for m in messages] == ["public", "public", "internal"]


def test_create_refuses_unknown_contacts_queues_and_fields(world_a, world_b, issue, api):
    client = api(issue(world_a))
    response = client.post_json(
        "/api/v1/tickets/",
        {
            "requester_email": world_b.client.email,  # another tenant's contact is nobody here
            "subject": "x",
            "body": "y",
            "queue": "nope",
            "custom_fields": {"hack": "1"},
        },
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"requester_email", "queue", "custom_fields"}


def test_messages_with_attachments_upload_and_download(world_a, world_b, issue, api):
    client = api(issue(world_a))
    number = world_a.ticket.display_number
    upload = SimpleUploadedFile("лог.txt", "строка лога".encode(), content_type="text/plain")
    response = client.post(
        f"/api/v1/tickets/{number}/reply/", {"body": "Лог во вложении", "attachments": [upload]}
    )
    assert response.status_code == 201, response.content
    attachment = response.json()["attachments"][0]
    assert attachment["filename"] == "лог.txt" and attachment["size"] == len("строка лога".encode())
    download = client.get(attachment["url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == "строка лога".encode()
    assert (
        download["Content-Type"] == "application/octet-stream"
        and download["X-Content-Type-Options"] == "nosniff"
    )
    assert "attachment" in download["Content-Disposition"]
    listed = client.get(f"/api/v1/tickets/{number}/messages/").json()["results"]
    assert listed[-1]["attachments"][0]["url"] == attachment["url"]
    # The tenant's attachment policy applies as in the UI.
    world_a.tenant.allowed_attachment_extensions = "png"
    world_a.tenant.save()
    refused = client.post(
        f"/api/v1/tickets/{number}/reply/", {"body": "x", "attachments": [SimpleUploadedFile("a.exe", b"MZ")]}
    )
    assert refused.status_code == 400 and "attachments" in refused.json()["errors"]
    # An attachment id of this tenant under another ticket is not found either.
    other = make_ticket(tenant=world_a.tenant, requester=world_a.client)
    assert (
        client.get(f"/api/v1/tickets/{other.display_number}/attachments/{attachment['id']}/").status_code
        == 404
    )


def test_cursor_pagination_walks_every_ticket_once(world_a, issue, api):
    for i in range(7):
        make_ticket(tenant=world_a.tenant, requester=world_a.client, subject=f"№{i}")
    client = api(issue(world_a))
    seen, url = [], "/api/v1/tickets/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [row["number"] for row in page["results"]]
        url = page["next"]
    numbers = [int(n.split("-")[1]) for n in seen]
    assert (
        numbers == sorted(numbers, reverse=True)
        and len(numbers) == Ticket.objects.filter(tenant=world_a.tenant).count()
    )


def test_filters(world_a, issue, api):
    urgent = make_ticket(tenant=world_a.tenant, requester=world_a.other_client, subject="Срочно", priority=1)
    Ticket.objects.filter(pk=urgent.pk).update(resolution_breached=True)
    client = api(issue(world_a))

    def numbers(**params):
        return {row["number"] for row in client.get("/api/v1/tickets/", params).json()["results"]}

    assert numbers(priority=1) == {urgent.display_number}
    assert numbers(breached="true") == {urgent.display_number}
    assert urgent.display_number not in numbers(breached="false")
    assert numbers(requester=world_a.other_client.email.upper()) == {
        urgent.display_number,
        world_a.other_org_ticket.display_number,
    }
    assert numbers(organization=world_a.org.pk) == {world_a.ticket.display_number}
    assert numbers(status="closed") == set()
    assert client.get("/api/v1/tickets/", {"created_after": "garbage"}).status_code == 400


def test_throttled_per_token(world_a, issue, api, settings):
    cache.clear()
    settings.API_THROTTLE_RATE = "3/min"
    first, second = api(issue(world_a, name="one")), api(issue(world_a, name="two"))
    codes = [first.get("/api/v1/organizations/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    throttled = first.get("/api/v1/organizations/")
    assert throttled["Content-Type"] == "application/problem+json" and int(throttled["Retry-After"]) > 0
    assert second.get("/api/v1/organizations/").status_code == 200, "the limit is per token"
    cache.clear()


def test_list_queries_do_not_grow_with_rows(world_a, issue, api, django_assert_max_num_queries):
    client = api(issue(world_a))
    client.get("/api/v1/tickets/")  # the token's first use stamps last_used_at
    with django_assert_max_num_queries(6) as few:
        client.get("/api/v1/tickets/")
    for _ in range(30):
        make_ticket(tenant=world_a.tenant, requester=world_a.client)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/tickets/").json()["results"]) == 32
    services.ticket_reply(ticket=world_a.ticket, body_text="ещё", actor=world_a.agent)
    with django_assert_max_num_queries(8):
        client.get(f"/api/v1/tickets/{world_a.ticket.display_number}/messages/")
    assert Message.objects.filter(ticket=world_a.ticket).count() == 2


def test_an_agent_token_may_not_give_a_ticket_to_a_colleague(world_a, issue, api):
    issued = issue(world_a, role="agent")
    client = api(issued)
    number = world_a.ticket.display_number
    refused = client.post_json(f"/api/v1/tickets/{number}/assign/", {"assignee": world_a.lead.pk})
    assert refused.status_code == 409 and refused["Content-Type"] == "application/problem+json"
    assert client.post_json(f"/api/v1/tickets/{number}/assign/", {"assignee": None}).status_code == 200
    service_account = client.post_json(
        f"/api/v1/tickets/{number}/assign/", {"assignee": issued.token.account_id}
    )
    assert service_account.status_code == 400, "a token's own account is no assignee"
    lead = api(issue(world_a, role="lead", name="lead"))
    assert (
        lead.post_json(f"/api/v1/tickets/{number}/assign/", {"assignee": world_a.agent.pk}).status_code == 200
    )
