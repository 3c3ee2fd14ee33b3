"""Logging context: tenant, ticket number, inbound message id and task id on every log line.

Set at the boundaries — a Celery task's start (``monitoring.celery_hooks``), one inbound message in
the pipeline, one outgoing mail — with ``log_context(...)``; ``ContextFilter`` copies the current
values onto each record, where the JSON formatter writes them as fields and the plain one as a
``[tenant=… ticket=…]`` suffix. It is a ``ContextVar``: threads and tasks never see each other's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

FIELDS = ("tenant", "ticket", "inbound_id", "task_id", "task")

_current: ContextVar[dict[str, Any]] = ContextVar("reglament_log_context", default={})  # noqa: B039 - never mutated


def _merged(fields: dict[str, Any]) -> dict[str, Any]:
    return {**_current.get(), **{key: value for key, value in fields.items() if value not in (None, "")}}


@contextmanager
def log_context(**fields: Any) -> Iterator[None]:
    """Add fields for the duration of the block (``None`` and empty values are left out)."""
    token = _current.set(_merged(fields))
    try:
        yield
    finally:
        _current.reset(token)


def add_to_context(**fields: Any) -> None:
    """Add fields to the enclosing ``log_context`` block, e.g. the tenant once the message is routed."""
    _current.set(_merged(fields))


def bind(**fields: Any) -> Token[dict[str, Any]]:
    """For boundaries that are two callbacks (Celery's prerun/postrun): pair with ``unbind``."""
    return _current.set(_merged(fields))


def unbind(token: Token[dict[str, Any]]) -> None:
    _current.reset(token)


def current() -> dict[str, Any]:
    return dict(_current.get())


class ContextFilter(logging.Filter):
    """Puts the context on the record: each field as an attribute, and ``context`` as readable text."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = _current.get()
        for name in FIELDS:
            if name in values and not hasattr(record, name):
                setattr(record, name, values[name])
        record.context = (
            " [" + " ".join(f"{name}={values[name]}" for name in FIELDS if name in values) + "]"
            if values
            else ""
        )
        return True
