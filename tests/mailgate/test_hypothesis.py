"""Mangled MIME (truncated, wrong boundaries, bad encodings, random bytes) never raises out."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailgate import pipeline
from mailgate.models import InboundStatus, Source
from mailgate.parsing import ParseError, parse_email
from tests.mailgate.conftest import FIXTURES

SEEDS = [p.read_bytes() for p in sorted(FIXTURES.glob("*.eml"))]
CHARSETS = [b"koi8-r", b"windows-1251", b"utf-8", b"x-garbage", b"utf-7", b"", b"gb2312", b"\xff\xfe"]


@st.composite
def mangled(draw) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        action = draw(
            st.sampled_from(["truncate", "boundary", "charset", "inject", "flip", "header", "encoding"])
        )
        if action == "truncate" and raw:
            raw = raw[: draw(st.integers(0, len(raw)))]
        elif action == "boundary":
            raw = raw.replace(b"boundary=", b"boundary=" + draw(st.binary(max_size=8)), 1)
        elif action == "charset":
            raw = raw.replace(b"charset=", b"charset=" + draw(st.sampled_from(CHARSETS)) + b";x=", 1)
        elif action == "inject" and raw:
            at = draw(st.integers(0, len(raw)))
            raw = raw[:at] + draw(st.binary(max_size=40)) + raw[at:]
        elif action == "flip" and raw:
            at = draw(st.integers(0, len(raw) - 1))
            raw = raw[:at] + bytes([draw(st.integers(0, 255))]) + raw[at + 1 :]
        elif action == "header":
            raw = (
                draw(
                    st.sampled_from(
                        [
                            b"Subject: =?koi8-r?B?",
                            b"From: <",
                            b"Content-Type: multipart/mixed\r\n",
                            b"Message-ID: <<>>\r\n",
                            b"Date: yesterday\r\n",
                        ]
                    )
                )
                + raw
            )
        elif action == "encoding":
            raw = raw.replace(b"Content-Transfer-Encoding: ", b"Content-Transfer-Encoding: x-", 1)
    return raw


@settings(max_examples=400, deadline=None)
@given(mangled())
def test_parser_raises_only_parse_error(raw):
    try:
        parsed = parse_email(raw)
    except ParseError:
        return
    assert isinstance(parsed.subject, str) and isinstance(parsed.text, str)


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=mangled())
def test_pipeline_gives_every_mangled_message_an_outcome(mail_a, raw):
    row = pipeline.handle(raw, source=Source.PIPE, envelope_recipient="support@alpha.test")
    assert row.pk is not None
    assert row.status in (
        InboundStatus.CREATED,
        InboundStatus.APPENDED,
        InboundStatus.IGNORED,
        InboundStatus.QUARANTINED,
    )
