"""Celery tasks of the SLA app: the beat pass and the alert mailer. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from helpdesk import metrics
from sla.alerts import deliver_batch, send_pending_alert_emails
from sla.sweeps import run_tick


@shared_task(name="sla.tick", autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def sla_tick() -> dict[str, int]:
    """One beat pass; safe to run concurrently and to retry (every item is claimed atomically)."""
    counts = run_tick(now=timezone.now())
    metrics.count_sla_pass(counts)
    return counts


@shared_task(
    name="sla.send_alert_emails",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_sla_alert_emails() -> int:
    """Mail every alert not mailed yet; claimed rows are skipped by concurrent workers."""
    return send_pending_alert_emails()


@shared_task(name="sla.deliver_alerts", autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=10)
def deliver_sla_alerts(batch_id: int) -> int:
    """Turn one outbox row of a beat pass into in-app alerts and queue their mail; idempotent."""
    return deliver_batch(batch_id)
