"""Celery tasks of the webhooks: thin, id-based, idempotent. The only module that enqueues them."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from celery import shared_task

from webhooks import delivery, planning

logger = logging.getLogger(__name__)


def on_ticket_event(event: str, ticket_id: int, extra: dict[str, Any]) -> None:
    """After-commit listener of ``tickets.services``: hand the event to a worker, never block the request
    (a slow or failing receiver costs the request nothing). The notice id makes planning idempotent."""
    webhook_event = planning.webhook_event_for(event, extra)
    if webhook_event is None:
        return
    data = {k: v for k, v in extra.items() if isinstance(v, str | int | bool | None)}
    try:
        plan_webhooks.delay(webhook_event, ticket_id, data, uuid.uuid4().hex)
    except Exception:  # noqa: BLE001 - the broker being down must not fail the commit's caller
        logger.exception("webhooks: could not enqueue %s for ticket %s", webhook_event, ticket_id)


@shared_task(name="webhooks.plan", autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def plan_webhooks(event: str, ticket_id: int, data: dict[str, Any], notice_id: str) -> int:
    ids = planning.plan_deliveries(event=event, ticket_id=ticket_id, data=data, notice_id=notice_id)
    for delivery_id in ids:
        delivery.deliver(delivery_id)
    return len(ids)


@shared_task(name="webhooks.deliver_due")
def deliver_due() -> dict[str, int]:
    """Beat: retry the deliveries whose back-off has passed (and rows a dead worker left claimed)."""
    outcomes: dict[str, int] = {}
    for delivery_id in delivery.due_ids():
        outcome = delivery.deliver(delivery_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes
