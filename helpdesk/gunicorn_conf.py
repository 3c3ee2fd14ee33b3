"""gunicorn settings for production: ``gunicorn -c python:helpdesk.gunicorn_conf helpdesk.wsgi``.

Command-line options still win; this file adds what only hooks can do: the Prometheus
multiprocess directory emptied when the master starts and a dead worker's live gauges dropped.
"""

from __future__ import annotations

from typing import Any

from helpdesk import metrics

bind = "0.0.0.0:8000"
workers = 3
accesslog = "-"
# A request slower than this is killed and logged; mail webhooks and exports stay well under it.
timeout = 60


def on_starting(server: Any) -> None:
    metrics.reset_multiprocess_dir()


def child_exit(server: Any, worker: Any) -> None:
    metrics.mark_process_dead(worker.pid)
