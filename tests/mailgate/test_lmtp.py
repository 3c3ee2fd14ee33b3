"""``manage.py mailgate lmtp``: 250 per recipient only once stored, 451 when it could not store, then the
pipeline's outcome — over a real LMTP connection on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
import socket
import threading
from collections.abc import Iterator

import pytest
from django.db import OperationalError

from mailgate import pipeline
from mailgate.models import InboundMessage, InboundStatus, Source
from mailgate.sources import lmtp
from tests.mailgate.conftest import make_eml
from tickets.models import Ticket

pytestmark = pytest.mark.django_db(transaction=True)


class Listener:
    def __init__(self) -> None:
        self.processor = lmtp.BatchProcessor(batch_size=10)
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _ready(self, server) -> None:
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._task = self._loop.create_task(lmtp.serve("127.0.0.1", 0, self.processor, ready=self._ready))
        with contextlib.suppress(asyncio.CancelledError):
            self._loop.run_until_complete(self._task)

    def start(self) -> Listener:
        # The processor starts only in ``finish_processing``: the tests' in-memory SQLite gives "table is
        # locked" at once instead of waiting like the real file database, so nothing writes concurrently.
        self._thread.start()
        assert self._started.wait(10), "the LMTP listener did not start"
        return self

    def finish_processing(self) -> None:
        """Stop the listener and let the processor finish what was stored."""
        self._loop.call_soon_threadsafe(self._task.cancel)
        self._thread.join(10)
        self.processor.start()
        self.processor.stop()


@pytest.fixture
def listener(mail_a) -> Iterator[Listener]:
    running = Listener().start()
    yield running
    if running._thread.is_alive():
        running.finish_processing()


def _crlf(raw: bytes) -> bytes:
    """Mail on the wire has CRLF line ends (smtplib sends bytes as they are)."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _converse(port: int, lines: list[bytes], raw: bytes, replies_after_data: int) -> list[str]:
    """A minimal LMTP client that reads every reply after DATA (smtplib reads only the first)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        stream = sock.makefile("rb")

        def reply() -> str:
            text = []
            while True:
                line = stream.readline().decode()
                text.append(line.strip())
                if line[3:4] != "-":
                    return " | ".join(text)

        reply()  # greeting
        for line in lines:
            sock.sendall(line + b"\r\n")
            reply()
        sock.sendall(b"DATA\r\n")
        assert reply().startswith("354")
        body = b"\r\n".join(
            b"." + part if part.startswith(b".") else part for part in _crlf(raw).split(b"\r\n")
        )
        sock.sendall(body + b"\r\n.\r\n")
        answers = [reply() for _ in range(replies_after_data)]
        sock.sendall(b"QUIT\r\n")
        return answers


def test_a_message_is_stored_before_250_and_then_becomes_a_ticket(listener, mail_a):
    raw = _crlf(
        make_eml(sender=mail_a.client.email, to="support@alpha.test", message_id="<lmtp1@client.test>")
    )
    with smtplib.LMTP("127.0.0.1", listener.port) as client:
        refused = client.sendmail(mail_a.client.email, ["support@alpha.test"], raw)
    assert refused == {}
    row = InboundMessage.objects.get(message_id="lmtp1@client.test")
    assert row.source == Source.LMTP and row.envelope_recipient == "support@alpha.test"
    assert bytes(row.raw) == raw
    listener.finish_processing()
    row.refresh_from_db()
    assert row.status == InboundStatus.CREATED
    assert Ticket.objects.filter(tenant=mail_a.tenant, messages__message_id="lmtp1@client.test").exists()


def test_every_recipient_gets_its_own_reply_in_order(listener, mail_a):
    raw = make_eml(
        sender=mail_a.client.email, to="support@alpha.test, noc@alpha.test", message_id="<lmtp2@client.test>"
    )
    answers = _converse(
        listener.port,
        [
            b"LHLO client.test",
            f"MAIL FROM:<{mail_a.client.email}>".encode(),
            b"RCPT TO:<support@alpha.test>",
            b"RCPT TO:<noc@alpha.test>",
        ],
        raw,
        replies_after_data=2,
    )
    assert [a[:3] for a in answers] == ["250", "250"]
    assert "support@alpha.test" in answers[0] and "noc@alpha.test" in answers[1]
    assert sorted(
        InboundMessage.objects.filter(message_id="lmtp2@client.test").values_list(
            "envelope_recipient", flat=True
        )
    ) == ["noc@alpha.test", "support@alpha.test"]


def test_a_storage_failure_answers_451_so_the_mta_keeps_the_message(listener, mail_a, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1:5432 failed: Connection refused")

    monkeypatch.setattr(pipeline, "receive", refuse)
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test", message_id="<lmtp3@client.test>")
    with smtplib.LMTP("127.0.0.1", listener.port) as client, pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail(mail_a.client.email, ["support@alpha.test"], raw)
    assert refused.value.smtp_code == 451
    assert not InboundMessage.objects.filter(message_id="lmtp3@client.test").exists()


@pytest.mark.postgres
def test_the_command_listens_stores_processes_and_stops_on_sigterm(mail_a, tmp_path):
    """``manage.py mailgate lmtp`` as Postfix meets it: a separate process on the test database."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("a second process needs a database server (the tests' SQLite is in memory)")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
        f"/{settings['NAME']}"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "HELPDESK_VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    env.pop("REDIS_URL", None)
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "mailgate", "lmtp", "--port", str(port)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "LMTP" in proc.stdout.readline()
        raw = _crlf(
            make_eml(sender=mail_a.client.email, to="support@alpha.test", message_id="<cmd@client.test>")
        )
        with smtplib.LMTP("127.0.0.1", port) as client:
            assert client.sendmail(mail_a.client.email, ["support@alpha.test"], raw) == {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = InboundMessage.objects.get(message_id="cmd@client.test")
            if row.status != InboundStatus.RECEIVED:
                break
            time.sleep(0.2)
        assert row.status == InboundStatus.CREATED
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err[-2000:]
    assert "остановлен" in out
