"""Writing heartbeats: the worker from a timer in its main process, beat from its own tick.

A heartbeat is one UPDATE of the process's own row (an INSERT the first time). Failing to write one
is logged and otherwise ignored: a database outage must not stop a worker, and the missing heartbeat
is exactly what the health check then reports.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import datetime, timedelta
from typing import Any

from celery import bootsteps
from celery.beat import PersistentScheduler
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from monitoring.models import Heartbeat, HeartbeatRole

logger = logging.getLogger(__name__)

#: How often a process writes its heartbeat; the health thresholds are several times this.
INTERVAL_SECONDS = 30.0
#: Rows of processes gone this long are deleted when another process of the role beats.
FORGET_AFTER = timedelta(days=7)


def node_name(prefix: str = "") -> str:
    return f"{prefix or socket.gethostname()}:{os.getpid()}"


def record(role: str, *, node: str, now: datetime | None = None) -> None:
    """Say that this process is alive now."""
    now = now or timezone.now()
    updated = Heartbeat.objects.filter(role=role, node=node).update(seen_at=now)
    if not updated:
        Heartbeat.objects.update_or_create(
            role=role,
            node=node,
            defaults={"seen_at": now},
            create_defaults={"started_at": now, "seen_at": now},
        )
        Heartbeat.objects.filter(role=role, seen_at__lt=now - FORGET_AFTER).delete()


def record_safely(role: str, *, node: str) -> None:
    close_old_connections()
    try:
        record(role, node=node)
    except DatabaseError as exc:
        logger.warning("heartbeat: could not record %s %s: %s", role, node, exc)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Worker bootstep (Celery's documented timer pattern): a heartbeat every ``INTERVAL_SECONDS``
    from the worker's main process, whether or not tasks are running."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.tref: Any = None

    def start(self, worker: Any) -> None:
        node = node_name(worker.hostname)
        record_safely(HeartbeatRole.WORKER, node=node)
        self.tref = worker.timer.call_repeatedly(
            INTERVAL_SECONDS, record_safely, (HeartbeatRole.WORKER,), {"node": node}, priority=10
        )

    def stop(self, worker: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's file-backed scheduler that also writes beat's heartbeat from its tick."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._node = node_name("beat@" + socket.gethostname())
        self._last_beat = 0.0
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if time.monotonic() - self._last_beat >= INTERVAL_SECONDS:
            self._last_beat = time.monotonic()
            record_safely(HeartbeatRole.BEAT, node=self._node)
        delay = super().tick(*args, **kwargs)
        return min(delay, INTERVAL_SECONDS)
