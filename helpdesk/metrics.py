"""Prometheus metrics: their definitions and the few functions the decision points call.

Counters are recorded where the decision is made — the request middleware, the mail pipeline's
outcome recording, the outbox's send, the SLA beat task and Celery's task signals — and nowhere else.
Gauges (backlogs, heartbeat ages) are read from the database when ``/metrics`` is scraped
(``monitoring.metrics_view``).

Under gunicorn and Celery's prefork pool every process keeps its own counters; with
``PROMETHEUS_MULTIPROC_DIR`` set (before the process starts, as prometheus-client requires) they are
written to files in that directory and ``/metrics`` adds up the files of every directory in
``METRICS_MULTIPROC_DIRS``. Without it (runserver, tests) they live in this process only.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

from prometheus_client import Counter, Histogram

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Multiprocess mode writes a file per process as soon as a metric without labels is defined below:
    # the directory must exist by then (a fresh volume, a first start).
    Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)

REQUEST_LATENCY = Histogram(
    "reglament_http_request_duration_seconds",
    "Time to answer a request, by view (URL name) and method.",
    ["view", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
REQUESTS = Counter(
    "reglament_http_requests_total",
    "Requests answered, by view, method and status class.",
    ["view", "method", "status"],
)
MAIL_INBOUND = Counter(
    "reglament_mail_inbound_total",
    "Inbound messages by outcome (created, appended, ignored, quarantined) and source.",
    ["outcome", "source"],
)
MAIL_OUTBOUND = Counter(
    "reglament_mail_outbound_total",
    "Outgoing mail attempts by kind and result (sent, failed).",
    ["kind", "result"],
)
TICKETS_CREATED = Counter("reglament_tickets_created_total", "Tickets created (any channel).")
SLA_EVENTS = Counter(
    "reglament_sla_events_total", "SLA warnings and breaches found by the beat passes.", ["kind"]
)
TASKS = Counter(
    "reglament_celery_tasks_total",
    "Celery task runs by task name and outcome (success, failure, retry).",
    ["task", "outcome"],
)


def observe_request(*, view: str, method: str, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(view=view, method=method).observe(seconds)
    REQUESTS.labels(view=view, method=method, status=f"{status // 100}xx").inc()


def count_inbound(outcomes: Iterable[tuple[str, str]]) -> None:
    """``(outcome, source)`` per message whose outcome was just recorded."""
    for outcome, source in outcomes:
        MAIL_INBOUND.labels(outcome=outcome, source=source).inc()


def count_outbound(*, kind: str, sent: bool) -> None:
    MAIL_OUTBOUND.labels(kind=kind, result="sent" if sent else "failed").inc()


def on_ticket_event(event: str, ticket_id: int, extra: Mapping[str, object]) -> None:
    """After-commit listener of ``tickets.services`` (registered by the monitoring app)."""
    if event == "ticket_created":
        TICKETS_CREATED.inc()


def count_sla_pass(counts: Mapping[str, int]) -> None:
    """The counts of one beat pass (``sla.sweeps.run_tick``): ``warned`` and ``breached``."""
    for kind in ("warned", "breached"):
        if counts.get(kind):
            SLA_EVENTS.labels(kind=kind).inc(counts[kind])


def count_task(*, task: str, outcome: str) -> None:
    TASKS.labels(task=task, outcome=outcome).inc()


def multiprocess_dir() -> Path | None:
    value = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    return Path(value) if value else None


def reset_multiprocess_dir() -> None:
    """Empty this process group's metrics directory at its start (gunicorn master, Celery worker or
    beat), as prometheus-client's multiprocess mode requires: files of earlier runs would be summed in."""
    directory = multiprocess_dir()
    if directory is None:
        return
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def mark_process_dead(pid: int) -> None:
    """Called by gunicorn when a worker exits (``helpdesk.gunicorn_conf``)."""
    if multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
