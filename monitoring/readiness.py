"""``/readyz/``: can this process serve? The database, the Celery broker and the cache, each tried."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.db import connection

OK = "ok"


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    from helpdesk.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
        conn.default_channel  # noqa: B018 - opening the channel is what proves the broker answers


def _cache() -> None:
    nonce = secrets.token_hex(8)
    cache.set("readyz:probe", nonce, 10)
    if cache.get("readyz:probe") != nonce:
        raise RuntimeError("cache did not return what was stored")


CHECKS: dict[str, Callable[[], None]] = {"database": _database, "broker": _broker, "cache": _cache}


def readiness() -> dict[str, str]:
    """``{"status": "ok"|"error", "database": …, "broker": …, "cache": …}``; each value ``ok`` or the error."""
    result: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
            result[name] = OK
        except Exception as exc:  # noqa: BLE001 - a readiness probe reports every kind of failure
            result[name] = f"{type(exc).__name__}: {exc}"[:200]
    status = OK if all(value == OK for value in result.values()) else "error"
    return {"status": status, **result}
