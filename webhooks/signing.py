"""The signature a receiver checks: HMAC-SHA256 with the endpoint's secret over ``"<timestamp>.<body>"``.

Headers of every delivery: ``X-Reglament-Event``, ``X-Reglament-Delivery`` (the same id on every retry:
receivers de-duplicate by it), ``X-Reglament-Timestamp`` (Unix seconds) and
``X-Reglament-Signature: v1=<hex>``. A receiver recomputes the HMAC over the timestamp, a dot and the raw
body bytes, compares in constant time, and refuses timestamps older than a few minutes (replays).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, *, timestamp: str, body: bytes, header: str, now: float | None = None) -> bool:
    """What a receiver does (and what the tests do): a valid v1 signature over a recent timestamp."""
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - moment) > TOLERANCE_SECONDS:
        return False
    expected = signature(secret, moment, body)
    return any(hmac.compare_digest(expected, part.strip()) for part in header.split(","))
