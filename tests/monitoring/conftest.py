"""Monitoring test helpers: heartbeats, mailboxes and mail rows at chosen ages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mailgate.models import InboundMessage, InboundStatus, Mailbox, OutboundMail, OutboxStatus, Source
from monitoring.models import Heartbeat

TOKEN = "test-metrics-token"


@pytest.fixture
def token(settings):
    settings.METRICS_TOKEN = TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def ago(**kwargs) -> object:
    return timezone.now() - timedelta(**kwargs)


def heartbeat(role: str, node: str = "node-1", **age) -> Heartbeat:
    seen = ago(**age) if age else timezone.now()
    return Heartbeat.objects.create(role=role, node=node, started_at=seen, seen_at=seen)


def both_alive() -> None:
    heartbeat("worker")
    heartbeat("beat")


def polled_mailbox(tenant, address: str, **fields) -> Mailbox:
    return Mailbox.objects.create(
        tenant=tenant, address=address, imap_host="imap.example.test", imap_user="robot", **fields
    )


def quarantined(tenant, count: int, **age) -> None:
    received = ago(**age) if age else timezone.now()
    InboundMessage.objects.bulk_create(
        InboundMessage(
            tenant=tenant,
            source=Source.PIPE,
            raw=b"Subject: x\r\n\r\nx",
            status=InboundStatus.QUARANTINED,
            stage="parse",
            reason="broken",
            received_at=received,
        )
        for _ in range(count)
    )


def outbox_row(tenant, key: str, status: str = OutboxStatus.PENDING, **age) -> OutboundMail:
    row = OutboundMail.objects.create(
        tenant=tenant,
        kind="ack",
        key=key,
        to_email="client@example.test",
        subject="s",
        body_text="b",
        message_id=f"{key}@reglament.test",
        status=status,
    )
    if age:
        OutboundMail.objects.filter(pk=row.pk).update(created_at=ago(**age))
    return row
