"""Bounded cost for large mail: a big attachment is parsed and stored within ~3× the message size
(the raw bytes included), and what exceeds the limits is quarantined with a reason that says so."""

from __future__ import annotations

import os
import tracemalloc
from email.message import EmailMessage

import pytest

from mailgate import parsing
from mailgate.models import InboundStatus
from mailgate.parsing import parse_email
from tests.mailgate.conftest import fixture_bytes, pipe

MB = 1024 * 1024


def _big_message(size: int = 12 * MB) -> tuple[bytes, bytes]:
    template = parse_email(fixture_bytes("70_large_attachment.eml"))  # the fixture's own small PDF
    msg = EmailMessage()
    msg["From"] = "client@alpha-client.test"
    msg["To"] = "support@alpha.test"
    msg["Subject"] = "Дамп базы для анализа"
    msg["Message-ID"] = "<large-1@alpha-client.test>"
    msg.set_content("Во вложении дамп, 12 МБ.")
    content = template.attachments[0].content + os.urandom(size)
    msg.add_attachment(content, maintype="application", subtype="pdf", filename="dump.pdf")
    return msg.as_bytes(), content


def test_the_large_attachment_fixture_parses_like_any_other():
    parsed = parse_email(fixture_bytes("70_large_attachment.eml"))
    assert [a.filename for a in parsed.attachments] == ["scan.pdf"]
    assert parsed.attachments[0].content.startswith(b"%PDF-1.4")


def test_a_large_attachment_is_decoded_exactly_and_outside_the_email_package():
    raw, content = _big_message()
    parsed = parse_email(raw)
    assert parsed.attachments[0].content == content
    assert parsed.text == "Во вложении дамп, 12 МБ."


def _peak(fn) -> int:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        fn()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def test_parsing_and_processing_a_large_message_peaks_within_three_times_its_size(mail_a, settings):
    """Parse, screen, create the ticket, store the attachment: under 2x on top of the raw bytes."""
    from mailgate import pipeline
    from mailgate.models import Source

    settings.MAILGATE_MAX_MESSAGE_MB = 50
    raw, content = _big_message()
    row, _ = pipeline.receive(raw, source=Source.PIPE)
    peak = _peak(lambda: pipeline.process(row, parse_email(raw)))
    assert row.status == InboundStatus.CREATED
    assert row.ticket.attachments.get().file.read() == content
    assert peak < 2 * len(raw), f"peak {peak / MB:.1f} MB for a {len(raw) / MB:.1f} MB message"


def test_the_whole_pipe_stays_within_three_times_the_message(mail_a, settings):
    """Storing the raw bytes included. On PostgreSQL, Django's client-side parameter binding writes
    the bytea as an escaped literal (about 6x the message): not fixed yet, see docs/mailgate.md."""
    from django.db import connection

    settings.MAILGATE_MAX_MESSAGE_MB = 50
    raw, _ = _big_message()
    peak = _peak(lambda: pipe(raw))
    if connection.vendor == "postgresql" and peak >= 2 * len(raw):
        pytest.xfail(f"raw INSERT through client-side binding: peak {peak / MB:.1f} MB")
    assert peak < 2 * len(raw), f"peak {peak / MB:.1f} MB for a {len(raw) / MB:.1f} MB message"


def test_a_message_over_the_size_limit_is_quarantined_with_a_reason_that_says_so(mail_a, settings):
    settings.MAILGATE_MAX_MESSAGE_MB = 1
    raw, _ = _big_message(2 * MB)
    row = pipe(raw)
    assert row.status == InboundStatus.QUARANTINED
    assert row.reason.startswith("message too large: 2.")
    assert "limit 1 MB (MAILGATE_MAX_MESSAGE_MB)" in row.reason
    assert bytes(row.raw) == raw  # kept for an admin to look at or re-process after raising the limit


def test_a_message_with_too_many_parts_is_quarantined_with_its_count(mail_a):
    parts = "".join(
        f"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=f{i}.txt\r\n\r\nx\r\n"
        for i in range(parsing.MAX_PARTS + 1)
    )
    raw = (
        "From: client@alpha-client.test\r\nTo: support@alpha.test\r\nSubject: parts\r\n"
        'Message-ID: <parts-1@alpha-client.test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        + parts
        + "--b--\r\n"
    ).encode()
    row = pipe(raw)
    assert row.status == InboundStatus.QUARANTINED
    assert row.reason == f"too many MIME parts: more than {parsing.MAX_PARTS}"
