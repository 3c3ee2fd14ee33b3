"""Celery signal receivers: task outcomes counted for Prometheus, the task id in the log context, the
worker's metrics directory emptied when it starts (beat records no metrics). Observation only, no business logic."""

from __future__ import annotations

from typing import Any

from celery import signals

from helpdesk import log_context, metrics

_tokens: dict[str, Any] = {}


def _task_name(sender: Any) -> str:
    return getattr(sender, "name", None) or str(sender)


def on_prerun(task_id: str = "", task: Any = None, **_: Any) -> None:
    _tokens[task_id] = log_context.bind(task_id=task_id, task=_task_name(task))


def on_postrun(task_id: str = "", **_: Any) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        log_context.unbind(token)


def on_success(sender: Any = None, **_: Any) -> None:
    metrics.count_task(task=_task_name(sender), outcome="success")


def on_failure(sender: Any = None, **_: Any) -> None:
    metrics.count_task(task=_task_name(sender), outcome="failure")


def on_retry(sender: Any = None, **_: Any) -> None:
    metrics.count_task(task=_task_name(sender), outcome="retry")


def on_process_start(**_: Any) -> None:
    metrics.reset_multiprocess_dir()


def connect() -> None:
    signals.task_prerun.connect(on_prerun, dispatch_uid="monitoring.prerun")
    signals.task_postrun.connect(on_postrun, dispatch_uid="monitoring.postrun")
    signals.task_success.connect(on_success, dispatch_uid="monitoring.success")
    signals.task_failure.connect(on_failure, dispatch_uid="monitoring.failure")
    signals.task_retry.connect(on_retry, dispatch_uid="monitoring.retry")
    signals.worker_init.connect(on_process_start, dispatch_uid="monitoring.worker_init")
