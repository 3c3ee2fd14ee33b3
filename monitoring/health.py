"""The health report: one entry per signal, each ``ok``, ``warning`` or ``error`` by its threshold.

The same report feeds the monitoring page (the platform admin's, or a tenant admin's limited to their
tenants) and the token-protected JSON for external monitors. Worker and beat are platform-wide; the
mailboxes, quarantine and outbox are scoped by ``tenant_ids`` (``None`` = every tenant, including mail
that could not be routed to one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from mailgate.mailbox_health import ERROR, OK, WARNING, mailbox_health
from mailgate.models import InboundMessage, InboundStatus, Mailbox, OutboundMail, OutboxStatus
from monitoring.models import Heartbeat, HeartbeatRole

_RANK = {OK: 0, WARNING: 1, ERROR: 2}
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    """Ages and counts at which a signal turns yellow (warning) and red (error)."""

    worker_warning: timedelta
    worker_error: timedelta
    beat_warning: timedelta
    beat_error: timedelta
    mailbox_stale: timedelta
    quarantine_day_warning: int
    quarantine_day_error: int
    outbox_warning: timedelta
    outbox_error: timedelta
    outbox_failed_day_error: int

    @classmethod
    def from_settings(cls) -> Thresholds:
        return cls(**settings.HEALTH_THRESHOLDS)


def worst(statuses: Sequence[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default=OK)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _age_status(age: timedelta | None, warning: timedelta, error: timedelta) -> str:
    if age is None or age >= error:
        return ERROR
    return WARNING if age >= warning else OK


def heartbeat_signal(role: str, *, now: datetime, warning: timedelta, error: timedelta) -> dict[str, Any]:
    rows = list(Heartbeat.objects.filter(role=role, seen_at__gte=now - DAY).order_by("-seen_at")[:20])
    last = rows[0].seen_at if rows else None
    age = now - last if last is not None else None
    return {
        "status": _age_status(age, warning, error),
        "last_seen": _iso(last),
        "age_seconds": round(age.total_seconds()) if age is not None else None,
        "alive": sum(1 for row in rows if now - row.seen_at < warning),
        "nodes": [
            {"node": row.node, "started": _iso(row.started_at), "seen": _iso(row.seen_at)} for row in rows
        ],
    }


def _scoped(qs: QuerySet[Any], tenant_ids: Sequence[int] | None) -> QuerySet[Any]:
    return qs if tenant_ids is None else qs.filter(tenant_id__in=tenant_ids)


def mailbox_signals(
    *, now: datetime, stale_after: timedelta, tenant_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    boxes = _scoped(Mailbox.objects.filter(is_active=True, tenant__is_active=True), tenant_ids)
    entries = []
    for box in boxes.select_related("tenant").order_by("address"):
        health = mailbox_health(box, now=now, stale_after=stale_after)
        entries.append(
            {
                "address": box.address,
                "tenant": box.tenant.slug,
                "polled": box.polls_imap,
                "status": health.status,
                "summary": health.summary,
                "last_success": _iso(box.last_success_at),
                "last_error": box.last_poll_error or None,
                "last_error_at": _iso(box.last_error_at),
            }
        )
    return entries


def quarantine_signal(
    *, now: datetime, thresholds: Thresholds, tenant_ids: Sequence[int] | None
) -> dict[str, Any]:
    """Quarantined mail stays until an admin replays it, so the colour follows how fast it grows
    (quarantined in the last day); the total and the oldest item are shown beside it. Mail stored but
    still unprocessed after the sweep's delay counts too: the pipeline is stuck on it."""
    stuck_before = now - timedelta(minutes=10)
    figures = _scoped(InboundMessage.objects.all(), tenant_ids).aggregate(
        total=Count("pk", filter=Q(status=InboundStatus.QUARANTINED)),
        last_day=Count("pk", filter=Q(status=InboundStatus.QUARANTINED, received_at__gte=now - DAY)),
        oldest=Min("received_at", filter=Q(status=InboundStatus.QUARANTINED)),
        newest=Max("received_at", filter=Q(status=InboundStatus.QUARANTINED)),
        unprocessed=Count("pk", filter=Q(status=InboundStatus.RECEIVED, received_at__lt=stuck_before)),
    )
    grown = figures["last_day"] + figures["unprocessed"]
    if grown >= thresholds.quarantine_day_error:
        status = ERROR
    elif grown >= thresholds.quarantine_day_warning:
        status = WARNING
    else:
        status = OK
    return {
        "status": status,
        "count": figures["total"],
        "last_day": figures["last_day"],
        "unprocessed": figures["unprocessed"],
        "oldest": _iso(figures["oldest"]),
        "newest": _iso(figures["newest"]),
    }


def outbox_signal(
    *, now: datetime, thresholds: Thresholds, tenant_ids: Sequence[int] | None
) -> dict[str, Any]:
    unsent = Q(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])
    figures = _scoped(OutboundMail.objects.all(), tenant_ids).aggregate(
        backlog=Count("pk", filter=unsent),
        oldest=Min("created_at", filter=unsent),
        failed_last_day=Count("pk", filter=Q(status=OutboxStatus.FAILED, created_at__gte=now - DAY)),
    )
    oldest = figures["oldest"]
    status = _age_status(now - oldest, thresholds.outbox_warning, thresholds.outbox_error) if oldest else OK
    if figures["failed_last_day"] >= thresholds.outbox_failed_day_error:
        status = ERROR
    elif figures["failed_last_day"]:
        status = worst([status, WARNING])
    return {
        "status": status,
        "backlog": figures["backlog"],
        "oldest_unsent": _iso(oldest),
        "oldest_age_seconds": round((now - oldest).total_seconds()) if oldest else None,
        "failed_last_day": figures["failed_last_day"],
    }


def health_report(*, tenant_ids: Sequence[int] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """Every signal and the overall status (the worst of them)."""
    now = now or timezone.now()
    limits = Thresholds.from_settings()
    report: dict[str, Any] = {
        "worker": heartbeat_signal(
            HeartbeatRole.WORKER, now=now, warning=limits.worker_warning, error=limits.worker_error
        ),
        "beat": heartbeat_signal(
            HeartbeatRole.BEAT, now=now, warning=limits.beat_warning, error=limits.beat_error
        ),
        "mailboxes": mailbox_signals(now=now, stale_after=limits.mailbox_stale, tenant_ids=tenant_ids),
        "quarantine": quarantine_signal(now=now, thresholds=limits, tenant_ids=tenant_ids),
        "outbox": outbox_signal(now=now, thresholds=limits, tenant_ids=tenant_ids),
    }
    statuses = [report["worker"]["status"], report["beat"]["status"], report["quarantine"]["status"]]
    statuses += [report["outbox"]["status"], *(box["status"] for box in report["mailboxes"])]
    return {"status": worst(statuses), "checked_at": now.isoformat(), **report}
