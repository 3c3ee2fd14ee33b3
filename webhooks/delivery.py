"""Sending one delivery: claim → POST (signed, to an allowed address only) → mark delivered, or back off.

The connection goes only to addresses ``helpdesk.network_targets`` allows (global unicast, or the
operator's ``NETWORK_TARGETS_ALLOWED_NETWORKS``): checked on the URL before connecting and on the peer
after, before a byte is sent, so a name that re-resolves meanwhile cannot reach the internal network.
"""

from __future__ import annotations

import http.client
import logging
import ssl
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.db.models import F, Q
from django.utils import timezone

from helpdesk.network_targets import TargetRefused, check_peer, check_url
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.signing import signature

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 10
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=6)
STALE_CLAIM = timedelta(minutes=5)
USER_AGENT = "Reglament-Webhooks/1"


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: 30 s, 1 min, 2 min, … capped at 6 h."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def claim(delivery_id: int, *, now: object) -> bool:
    """Exactly one caller wins a due row (or one whose sender died mid-way)."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id)
        .filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)  # type: ignore[operator]
        )
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body``; the HTTP status. Raises ``TargetRefused`` or ``OSError`` (``http.client`` errors)."""
    check_url(url)
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    connection: http.client.HTTPConnection = (
        http.client.HTTPSConnection(
            parts.hostname, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
        if https
        else http.client.HTTPConnection(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    )
    try:
        connection.connect()
        check_peer(connection.sock.getpeername())
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


def deliver(delivery_id: int) -> str:
    """One attempt: ``delivered``, ``retry`` (given back with its next moment), ``dead`` or ``skipped``."""
    now = timezone.now()
    if not claim(delivery_id, now=now):
        return "skipped"
    row = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    body = row.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Reglament-Event": row.event,
        "X-Reglament-Delivery": row.key,
        "X-Reglament-Timestamp": str(timestamp),
        "X-Reglament-Signature": signature(row.endpoint.secret, timestamp, body),
    }
    code: int | None = None
    error = ""
    try:
        if not row.endpoint.is_active:
            raise TargetRefused("the endpoint is switched off")
        code = post(row.endpoint.url, body, headers)
        if not 200 <= code < 300:
            error = f"HTTP {code}"
    except TargetRefused as exc:
        error = f"refused: {exc}"
    except (OSError, http.client.HTTPException, ValueError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:1000]
    done = timezone.now()
    if not error:
        WebhookDelivery.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.DELIVERED, delivered_at=done, last_status_code=code, last_error=""
        )
        return "delivered"
    final = row.attempts >= MAX_ATTEMPTS
    WebhookDelivery.objects.filter(pk=row.pk, status=DeliveryStatus.SENDING).update(
        status=DeliveryStatus.DEAD if final else DeliveryStatus.PENDING,
        next_attempt_at=done + backoff(row.attempts),
        last_status_code=code,
        last_error=error,
    )
    logger.warning("webhook delivery %s attempt %s failed: %s", row.pk, row.attempts, error)
    return "dead" if final else "retry"


def due_ids(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
