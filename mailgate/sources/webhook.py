"""django-anymail inbound webhooks (Mailgun, Postmark, SendGrid, …).

Anymail verifies the request (basic auth ``ANYMAIL["WEBHOOK_SECRET"]``, and the ESP's signature
where it has one, e.g. Mailgun's ``MAILGUN_WEBHOOK_SIGNING_KEY``) before this receiver runs; a bad
one is a 400 and nothing is stored. The receiver stores the raw message and returns; anymail then
answers 200. Processing happens in a task after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from mailgate import pipeline
from mailgate.models import InboundStatus, Source


def _raw_bytes(event: Any) -> bytes:
    request = event.esp_event
    post = getattr(request, "POST", None)
    # The ESP's own raw MIME is the truest copy (Mailgun "body-mime", SendGrid "email").
    for field in ("body-mime", "email"):
        if post is not None and field in post:
            return post[field].encode("utf-8", "surrogateescape")
    return event.message.as_bytes()


def on_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    from mailgate import tasks

    raw = _raw_bytes(event)
    recipient = getattr(event.message, "envelope_recipient", None) or ""
    row, _ = pipeline.receive(raw, source=Source.WEBHOOK, envelope_recipient=recipient)
    if row.status == InboundStatus.RECEIVED:  # a duplicate is already decided
        transaction.on_commit(lambda: tasks.enqueue(tasks.process_inbound, row.pk))
