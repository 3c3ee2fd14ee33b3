"""A long-running LMTP listener (RFC 2033) that Postfix delivers to: the pipe's promise without its start-up.

Each accepted recipient of a message is stored as one ``InboundMessage`` (the raw bytes, the envelope
recipient) before the listener answers ``250`` for it, and a storage failure answers ``451`` so the MTA
keeps the message and retries — the same promise as the pipe's exit 0 / exit 75. Stored messages are handed
to one processing thread that runs the pipeline on whatever has arrived meanwhile as a batch, so a burst
from Postfix (several LMTP connections at once) costs one process and a few batches, not one Django start-up
per mail. A message stored but not yet processed when the listener stops stays ``received``; the pipeline's
recovery of unprocessed mail finishes it.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from aiosmtpd.lmtp import LMTP
from django.db import DatabaseError, close_old_connections

from mailgate import pipeline
from mailgate.models import InboundStatus, Source
from mailgate.parsing import ParsedEmail

logger = logging.getLogger(__name__)

BATCH_SIZE = 50
MAX_MESSAGE_BYTES = 50 * 1024 * 1024
Stored = tuple[Any, ParsedEmail | None]


class _Listener(LMTP):
    # RFC 5321 allows 1,000 octets a line; broken mail has longer ones, and refusing it with a 5xx would
    # bounce a client's message: accept long lines, the parser copes with them.
    line_length_limit = 1024 * 1024


class BatchProcessor:
    """One thread that runs the pipeline over the messages stored since its last batch."""

    def __init__(self, batch_size: int = BATCH_SIZE) -> None:
        self.batch_size = batch_size
        self._queue: queue.Queue[Stored | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="lmtp-processor", daemon=True)
        self.processed = 0

    def start(self) -> None:
        self._thread.start()

    def submit(self, stored: Stored) -> None:
        self._queue.put(stored)

    def stop(self, timeout: float = 30.0) -> None:
        """Finish what is queued, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _take_batch(self) -> tuple[list[Stored], bool]:
        first = self._queue.get()
        if first is None:
            return [], True
        batch, stopping = [first], False
        while len(batch) < self.batch_size:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                stopping = True
                break
            batch.append(item)
        return batch, stopping

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch, stopping = self._take_batch()
            if not batch:
                continue
            close_old_connections()
            try:
                pipeline.process_batch(batch)
                self.processed += len(batch)
            except DatabaseError:
                # Stored and still "received": the recovery of unprocessed mail runs them again.
                logger.exception("lmtp: a batch of %d stored messages could not be processed now", len(batch))
            except Exception:  # noqa: BLE001 - one bad batch must not stop the listener
                logger.exception("lmtp: processing a batch of %d messages failed", len(batch))
        close_old_connections()


class DeliveryHandler:
    """aiosmtpd handler: store each recipient's copy, then answer per recipient (LMTP's rule)."""

    def __init__(self, on_stored: Callable[[Stored], None]) -> None:
        self._on_stored = on_stored

    def _store(self, raw: bytes, recipient: str) -> str:
        close_old_connections()
        try:
            row, parsed = pipeline.receive(raw, source=Source.LMTP, envelope_recipient=recipient)
        except DatabaseError as exc:
            logger.warning("lmtp: could not store a message for %s: %s", recipient, exc)
            return "451 4.3.0 Temporary failure, try again later"
        if row.status == InboundStatus.RECEIVED:
            self._on_stored((row, parsed))
        return f"250 2.0.0 <{recipient}> stored as #{row.pk}"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook
        raw = envelope.original_content or b""
        replies = []
        for recipient in envelope.rcpt_tos:
            replies.append(await asyncio.to_thread(self._store, raw, recipient))
        return "\r\n".join(replies)


async def serve(
    host: str, port: int, processor: BatchProcessor, ready: Callable[[Any], None] | None = None
) -> None:
    """Listen until cancelled; ``ready`` receives the asyncio server once it accepts connections."""
    handler = DeliveryHandler(processor.submit)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: _Listener(
            handler, data_size_limit=MAX_MESSAGE_BYTES, enable_SMTPUTF8=True, decode_data=False
        ),
        host=host,
        port=port,
    )
    if ready is not None:
        ready(server)
    async with server:
        await server.serve_forever()
