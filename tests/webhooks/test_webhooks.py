"""Outbound webhooks against a local receiver: signed deliveries, retries with back-off, never in the
request that caused the event, private targets refused unless the platform allows them."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_ticket
from tickets import services
from webhooks import delivery, tasks
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.signing import verify


class Receiver:
    """A local HTTP server that records every POST and answers with the next code of ``codes``."""

    def __init__(self, codes: list[int], delay: float = 0.0) -> None:
        self.codes, self.delay, self.requests = list(codes), delay, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                time.sleep(receiver.delay)
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/reglament"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(codes=(200,), delay=0.0) -> Receiver:
        made.append(Receiver(list(codes), delay))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def loopback_allowed(settings):
    settings.NETWORK_TARGETS_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def _endpoint(world, url, events=(WebhookEvent.TICKET_CREATED,)):
    return WebhookEndpoint.objects.create(tenant=world.tenant, url=url, events=list(events))


def _run_enqueued(enqueued):
    for call in enqueued.call_args_list:
        tasks.plan_webhooks(*call.args)


def test_a_delivery_is_signed_and_verifies(
    world_a, world_b, receiver, loopback_allowed, django_capture_on_commit_callbacks
):
    target = receiver([200])
    endpoint = _endpoint(world_a, target.url)
    _endpoint(world_b, target.url)  # Beta's endpoint never hears of Alpha's tickets
    with mock.patch.object(tasks.plan_webhooks, "delay") as enqueued:
        with django_capture_on_commit_callbacks(execute=True):
            ticket = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Новая из портала")
        _run_enqueued(enqueued)
    assert len(target.requests) == 1
    headers, body = target.requests[0]
    assert verify(
        endpoint.secret,
        timestamp=headers["X-Reglament-Timestamp"],
        body=body,
        header=headers["X-Reglament-Signature"],
    )
    assert not verify(
        "whsec_wrong",
        timestamp=headers["X-Reglament-Timestamp"],
        body=body,
        header=headers["X-Reglament-Signature"],
    )
    payload = json.loads(body)
    assert payload["event"] == "ticket.created" and headers["X-Reglament-Event"] == "ticket.created"
    assert payload["ticket"]["number"] == ticket.display_number and payload["tenant"] == "alpha"
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_failing_receiver_is_retried_with_back_off(world_a, receiver, loopback_allowed, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    target = receiver([500, 503, 200])
    _endpoint(world_a, target.url)
    ids = tasks.planning.plan_deliveries(
        event="ticket.created", ticket_id=world_a.ticket.pk, data={}, notice_id="n1"
    )
    assert delivery.deliver(ids[0]) == "retry"
    row = WebhookDelivery.objects.get(pk=ids[0])
    assert (row.attempts, row.last_status_code, row.status) == (1, 500, "pending")
    assert row.next_attempt_at == timezone.now() + timedelta(seconds=30)
    assert tasks.deliver_due() == {}, "not due before its back-off"
    time_machine.shift(timedelta(seconds=31))
    assert tasks.deliver_due() == {"retry": 1}
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == timezone.now() + timedelta(seconds=60), "doubled"
    time_machine.shift(timedelta(seconds=61))
    assert tasks.deliver_due() == {"delivered": 1}
    assert len(target.requests) == 3 and len({h["X-Reglament-Delivery"] for h, _ in target.requests}) == 1
    # Planning the same notice again (a retried task) adds no second delivery.
    assert (
        tasks.planning.plan_deliveries(
            event="ticket.created", ticket_id=world_a.ticket.pk, data={}, notice_id="n1"
        )
        == []
    )


def test_the_request_that_caused_the_event_never_waits_for_the_receiver(
    world_a, receiver, loopback_allowed, client, django_capture_on_commit_callbacks
):
    slow = receiver([500], delay=5)
    _endpoint(world_a, slow.url, events=[WebhookEvent.CLIENT_REPLIED])
    client.force_login(world_a.client.user)
    with (
        mock.patch.object(tasks.plan_webhooks, "delay") as enqueued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        started = time.perf_counter()
        response = client.post(
            f"/t/alpha/tickets/{world_a.ticket.display_number}/reply/", {"body": "Есть новости?"}
        )
        elapsed = time.perf_counter() - started
    assert response.status_code in (200, 302) and elapsed < 3
    assert slow.requests == [] and enqueued.call_count == 1, "handed to a worker, not sent inline"
    assert enqueued.call_args.args[0] == "ticket.client_replied"


def test_which_service_events_become_webhooks(
    world_a, receiver, loopback_allowed, django_capture_on_commit_callbacks
):
    _endpoint(world_a, receiver([200]).url, events=list(WebhookEvent.values))
    with (
        mock.patch.object(tasks.plan_webhooks, "delay") as enqueued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.ticket_reply(ticket=world_a.ticket, body_text="Ответ агента", actor=world_a.agent)
        services.ticket_reply(ticket=world_a.ticket, body_text="Заметка", actor=world_a.agent, internal=True)
        services.ticket_reply(ticket=world_a.ticket, body_text="Клиент", contact=world_a.client)
        services.ticket_set_status(ticket=world_a.ticket, status="waiting", actor=world_a.agent)
    events = [call.args[0] for call in enqueued.call_args_list]
    assert events.count("ticket.client_replied") == 1 and "ticket.status_changed" in events


def test_private_targets_are_refused_unless_allowed(world_a, receiver, client, settings):
    target = receiver([200])
    endpoint = _endpoint(world_a, target.url)
    ids = tasks.planning.plan_deliveries(
        event="ticket.created", ticket_id=world_a.ticket.pk, data={}, notice_id="n2"
    )
    assert delivery.deliver(ids[0]) == "retry"
    assert target.requests == [] and WebhookDelivery.objects.get(pk=ids[0]).last_error.startswith("refused")
    client.force_login(world_a.admin)
    page = client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": target.url, "events": ["ticket.created"], "is_active": "on"},
    )
    assert page.status_code == 200 and "Подключиться к этому серверу нельзя" in page.content.decode()
    settings.NETWORK_TARGETS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    saved = client.post(
        reverse("admin:webhooks_webhookendpoint_add"),
        {"url": target.url, "events": ["ticket.created"], "is_active": "on"},
    )
    assert saved.status_code == 302
    created = WebhookEndpoint.objects.exclude(pk=endpoint.pk).get()
    assert created.tenant == world_a.tenant and created.secret.startswith("whsec_")
    change = client.get(reverse("admin:webhooks_webhookendpoint_change", args=[created.pk])).content.decode()
    assert created.secret in change, "the admin reads the signing secret to configure the receiver"
    log = client.get(reverse("admin:webhooks_webhookdelivery_changelist"))
    assert [row.pk for row in log.context["cl"].result_list] == ids
