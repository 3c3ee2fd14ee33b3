"""``manage.py mailgate pipe``: one line out, exit 0 once stored, 75 when it could not store."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

from mailgate.models import InboundMessage
from tests.mailgate.conftest import make_eml
from tickets.models import Ticket

PROJECT = Path(__file__).resolve().parents[2]


def run_pipe(monkeypatch, raw: bytes, *args: str) -> tuple[int, str]:
    stdin = io.TextIOWrapper(io.BytesIO(raw))
    monkeypatch.setattr(sys, "stdin", stdin)
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("mailgate", "pipe", *args, stdout=out, stderr=io.StringIO())
    return exited.value.code, out.getvalue().strip()


def test_pipe_prints_created_then_appended_then_duplicate(mail_a, monkeypatch):
    raw = make_eml(sender=mail_a.client.email, to="other@list.test", message_id="<p1@client.test>")
    code, line = run_pipe(monkeypatch, raw, "--recipient", "support@alpha.test")
    ticket = Ticket.objects.get(messages__message_id="p1@client.test")
    assert (code, line) == (0, f"created {ticket.display_number}")
    reply = make_eml(
        sender=mail_a.client.email, to="support@alpha.test", subject=f"Re: [{ticket.display_number}]"
    )
    assert run_pipe(monkeypatch, reply) == (0, f"appended {ticket.display_number}")
    assert run_pipe(monkeypatch, raw, "--recipient", "support@alpha.test") == (0, "ignored duplicate")


def test_pipe_prints_quarantined_for_an_unknown_recipient(mail_a, monkeypatch):
    code, line = run_pipe(monkeypatch, make_eml(sender="a@b.test", to="nobody@nowhere.test"))
    assert code == 0 and line.startswith("quarantined unknown recipient")


def test_database_down_exits_75_and_the_retry_creates_exactly_one_ticket(mail_a, monkeypatch):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test", message_id="<retry@client.test>")
    stored_before = InboundMessage.objects.count()

    def refuse(self, *args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1:5432 failed: Connection refused")

    with monkeypatch.context() as down:
        down.setattr(BaseDatabaseWrapper, "cursor", refuse)
        code, line = run_pipe(monkeypatch, raw)
    assert code == 75 and line == ""
    assert InboundMessage.objects.count() == stored_before
    code, line = run_pipe(monkeypatch, raw)  # the MTA retries once the database is back
    assert code == 0 and line.startswith("created ")
    assert Ticket.objects.filter(messages__message_id="retry@client.test").count() == 1
    assert run_pipe(monkeypatch, raw) == (0, "ignored duplicate")


def test_unreachable_database_in_a_real_process_exits_75(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/nowhere",
        "HELPDESK_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
    }
    raw = make_eml(sender="a@b.test", to="support@alpha.test")
    result = subprocess.run(
        [sys.executable, str(PROJECT / "manage.py"), "mailgate", "pipe"],
        input=raw,
        capture_output=True,
        env=env,
        cwd=PROJECT,
        timeout=60,
    )
    assert result.returncode == 75, result.stderr.decode()[-500:]
