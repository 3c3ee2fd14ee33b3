"""Mailgate test helpers: fixture files, message builder, routed tenants."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from django.utils import timezone

from mailgate import routing
from mailgate.models import Mailbox
from tests.factories import QueueFactory

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def expected_fixtures() -> dict[str, dict]:
    return json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def make_eml(
    *,
    sender: str,
    to: str,
    subject: str = "Не работает выгрузка",
    body: str = "Подробности проблемы.",
    cc: str = "",
    message_id: str | None = None,
    in_reply_to: str = "",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    if cc:
        msg["Cc"] = cc
    msg["Subject"] = subject
    msg["Date"] = format_datetime(timezone.now())
    msg["Message-ID"] = message_id or make_msgid(domain="client.test")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, content in attachments:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes()


@pytest.fixture(autouse=True)
def _fresh_routes():
    routing.clear_cache()
    yield
    routing.clear_cache()


@pytest.fixture
def mail_a(world_a):
    """world_a with support@alpha.test routed to its default queue and noc@alpha.test to a NOC queue."""
    support = QueueFactory(tenant=world_a.tenant, slug="support", name="Поддержка", is_default=True)
    noc = QueueFactory(tenant=world_a.tenant, slug="noc", name="NOC", default_priority=2)
    Mailbox.objects.create(tenant=world_a.tenant, address="support@alpha.test", queue=support)
    Mailbox.objects.create(tenant=world_a.tenant, address="noc@alpha.test", queue=noc)
    world_a.support_queue, world_a.noc_queue = support, noc
    return world_a


@pytest.fixture
def mail_b(world_b):
    Mailbox.objects.create(tenant=world_b.tenant, address="support@beta.test")
    return world_b


@pytest.fixture(autouse=True)
def _tasks_run_inline(monkeypatch):
    """No broker in tests: what the mailgate would enqueue runs right away, as a worker would."""
    from mailgate import tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: task.apply(args=args))


def pipe(raw: bytes, recipient: str = ""):
    from mailgate import pipeline
    from mailgate.models import Source

    return pipeline.handle(raw, source=Source.PIPE, envelope_recipient=recipient)
