"""Hostile headers cost linear time: a 1–2 MB header of any shape parses in well under a second.

The audit's case (issue 11, 5c) was a From of ``a@a.a@a.…``: 39 KB cost 25 s of CPU, because one of
our regular expressions backtracked quadratically; a 2 MB References or To header took minutes in
thread matching (list membership). Every header the parser reads is capped, every regex is linear.
"""

from __future__ import annotations

import gc
import time

import pytest

from mailgate import parsing
from mailgate.parsing import ParseError, parse_email
from tests.mailgate.conftest import fixture_bytes

MB = 1024 * 1024
BUDGET_SECONDS = 0.5  # CPU seconds (process time): a busy machine does not make this flaky


@pytest.fixture(autouse=True)
def _no_collector_pauses():
    """Measure the parser, not a collection of garbage other tests left behind."""
    gc.collect()
    gc.disable()
    yield
    gc.enable()


def _cpu(fn):
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


def _message(headers: dict[str, str], body: str = "Текст") -> bytes:
    base = {
        "From": "client@alpha-client.test",
        "To": "support@alpha.test",
        "Subject": "Тема",
        "Message-ID": "<m-1@alpha-client.test>",
        "Date": "Mon, 01 Dec 2025 10:00:00 +0300",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=utf-8",
    }
    base.update(headers)
    head = "".join(f"{name}: {value}\r\n" for name, value in base.items())
    return (head + "\r\n" + body + "\r\n").encode("utf-8")


def _repeat(unit: str, size: int = MB) -> str:
    return unit * (size // len(unit))


def test_the_audits_hostile_from_fixture_parses_fast_and_falls_back_to_reply_to():
    raw = fixture_bytes("39_hostile_from_header.eml")
    seconds, parsed = _cpu(lambda: parse_email(raw))
    assert seconds < BUDGET_SECONDS
    assert parsed.from_email == "attacker@attacker.test"
    assert parsed.subject == "Проверка"


def test_the_hostile_from_grown_to_one_megabyte_is_still_fast():
    fixture = fixture_bytes("39_hostile_from_header.eml")
    head, rest = fixture.split(b"\r\n", 1)
    raw = head + head[len(b"From: ") :] * 26 + b"\r\n" + rest  # ≈ 1 MB of a@a.
    assert len(raw) > MB
    seconds, _ = _cpu(lambda: parse_email(raw))
    assert seconds < BUDGET_SECONDS


SHAPES = {
    "at-dot": "a@a.",
    "at": "a@",
    "encoded-word": "=?utf-8?b?0K8=?= ",
    "encoded-word-q": "=?koi8-r?q?=F0?= a@",
    "angle": "<a@",
    "quote": '"a@',
    "comment": "(a@",
    "comma": "a,",
    "backslash": "\\a@",
    "address-list": "user@example.test, ",
    "message-ids": "<id@example.test> ",
}
HEADERS = [
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Subject",
    "References",
    "In-Reply-To",
    "Message-ID",
    "Content-Type",
    "Auto-Submitted",
    "Return-Path",
    "Date",
    "X-Unknown",
]


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_any_one_megabyte_header_parses_in_well_under_a_second(header, shape):
    value = _repeat(SHAPES[shape])
    if header == "Content-Type":
        value = "text/plain; charset=utf-8; x=" + value
    raw = _message({header: value})
    start = time.process_time()
    try:
        parsed = parse_email(raw)
    except ParseError:
        parsed = None
    else:
        assert len(parsed.thread_ids) <= parsing.MAX_THREAD_IDS
        assert len(parsed.subject) <= 1000
    assert time.process_time() - start < BUDGET_SECONDS


@pytest.mark.parametrize("header", ["References", "To", "From", "Subject"])
def test_a_two_megabyte_header_inside_a_forwarded_message_is_fast(header):
    inner = _message({header: _repeat(SHAPES["message-ids" if header == "References" else "at-dot"], 2 * MB)})
    raw = (
        b"From: client@alpha-client.test\r\nTo: support@alpha.test\r\nSubject: Fwd\r\n"
        b"Message-ID: <fwd-1@alpha-client.test>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n'
        b"see below\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
    )
    seconds, _ = _cpu(lambda: parse_email(raw))
    assert seconds < 2 * BUDGET_SECONDS


def test_two_megabytes_of_references_keep_the_root_and_the_nearest_ancestors():
    ids = [f"<id{i}@example.test>" for i in range(100_000)]
    raw = _message({"References": " ".join(ids), "In-Reply-To": ids[-1]})
    assert len(raw) > 2 * MB
    seconds, parsed = _cpu(lambda: parse_email(raw))
    assert seconds < BUDGET_SECONDS
    assert parsed.thread_ids[0] == "id99999@example.test"
    assert parsed.thread_ids[1] == "id99998@example.test"
    assert "id0@example.test" in parsed.references  # the thread's root survives the cap
    assert len(parsed.thread_ids) == parsing.MAX_THREAD_IDS


def test_two_megabytes_of_to_addresses_parse_fast_and_keep_the_first_ones():
    addresses = ", ".join(f"user{i}@example.test" for i in range(100_000))
    raw = _message({"To": "support@alpha.test, " + addresses})
    assert len(raw) > 2 * MB
    seconds, parsed = _cpu(lambda: parse_email(raw))
    assert seconds < BUDGET_SECONDS
    assert parsed.to[:2] == ["support@alpha.test", "user0@example.test"]
    assert len(parsed.to) < 5000
