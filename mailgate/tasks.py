"""Celery tasks: thin, id-based, idempotent, retried with backoff."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.utils import timezone

from mailgate import outbound, pipeline
from mailgate.models import InboundMessage, InboundStatus, OutboundMail, OutboxStatus

logger = logging.getLogger(__name__)

RETRYABLE = (OSError, ConnectionError, TimeoutError)
RETRY = {"autoretry_for": RETRYABLE, "retry_backoff": 30, "retry_backoff_max": 3600, "max_retries": 8}
STUCK_AFTER = timedelta(minutes=5)


def enqueue(task: Any, *args: Any) -> None:
    """Hand work to the broker; if the broker is down, the sweep picks the work up later."""
    try:
        task.delay(*args)
    except Exception:  # noqa: BLE001 - never fail the request/commit that triggered the mail
        logger.exception("mailgate: could not enqueue %s%r; the sweep will retry", task.name, args)


def on_ticket_event(event: str, ticket_id: int, extra: dict[str, Any]) -> None:
    """After-commit listener registered with ``tickets.services``: enqueue, never work inline."""
    if event in ("ticket_created", "message_added", "status_changed"):
        enqueue(notify_ticket_event, event, ticket_id, extra)


@shared_task(name="mailgate.notify_ticket_event", **RETRY)
def notify_ticket_event(event: str, ticket_id: int, extra: dict[str, Any]) -> int:
    sent = 0
    for row in outbound.plan_ticket_event(event, ticket_id, extra):
        sent += outbound.send(row.pk)
    return sent


@shared_task(name="mailgate.send_outbox", **RETRY)
def send_outbox(outbox_id: int) -> bool:
    return outbound.send(outbox_id)


@shared_task(name="mailgate.send_unregistered_reply", **RETRY)
def send_unregistered_reply(inbound_id: int) -> bool:
    row = outbound.plan_unregistered_reply(inbound_id)
    return outbound.send(row.pk) if row is not None else False


@shared_task(name="mailgate.send_loop_notice", **RETRY)
def send_loop_notice(inbound_id: int) -> int:
    return sum(outbound.send(row.pk) for row in outbound.plan_loop_notice(inbound_id))


@shared_task(name="mailgate.process_inbound", **RETRY)
def process_inbound(inbound_id: int) -> str:
    row = InboundMessage.objects.filter(pk=inbound_id).first()
    if row is None:
        return "missing"
    return pipeline.process(row).outcome_line


@shared_task(name="mailgate.poll_mailboxes")
def poll_mailboxes() -> dict[str, int]:
    from mailgate.sources.imap import poll_all

    return poll_all()


@shared_task(name="mailgate.sweep")
def sweep() -> dict[str, int]:
    """Finish what a lost task or a crash left: stored-but-unprocessed mail, unsent notifications."""
    cutoff = timezone.now() - STUCK_AFTER
    processed = 0
    for row in InboundMessage.objects.filter(status=InboundStatus.RECEIVED, received_at__lt=cutoff)[:500]:
        pipeline.reprocess(row)
        processed += 1
    sent = 0
    pending = OutboundMail.objects.filter(status=OutboxStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:500]
    for outbox_id in pending:
        try:
            sent += outbound.send(outbox_id)
        except Exception:  # noqa: BLE001 - recorded on the row; try the next one
            logger.warning("mailgate: outbox %s failed again", outbox_id)
    return {"processed": processed, "sent": sent}
