"""Large base64 bodies decoded outside the ``email`` package, so parsing stays within ~2× the message.

The standard library's parser holds a message as a list of line strings and decodes a part from a
joined copy of them: a 36 MB attachment cost ten times its size. Before parsing, every long run of
base64 lines that follows a blank line in a part declaring ``Content-Transfer-Encoding: base64`` is
cut out of the raw bytes and replaced by a short marker (itself valid base64); the parser sees a
small skeleton, and the part's bytes are decoded straight from the raw message, once. Pure.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass, field

LIFT_BYTES = 256 * 1024  # bodies smaller than this are left to the email package
_BLANK = re.compile(rb"\n\r?\n")
_BASE64_LINE = re.compile(rb"[A-Za-z0-9+/=]{4,998}\r?\n")
_CTE_BASE64 = re.compile(rb"content-transfer-encoding:[ \t]*base64", re.IGNORECASE)
_MARK_PREFIX = b"\x00reglament-lifted:"


@dataclass
class Skeleton:
    raw: bytes  # the message with its large base64 bodies replaced by markers
    bodies: dict[int, tuple[int, int]] = field(default_factory=dict)  # marker → (start, end) in source
    source: bytes = b""

    def decoded(self, payload: bytes) -> bytes:
        """The real bytes of a part whose decoded payload is a marker; other payloads unchanged."""
        if not payload.startswith(_MARK_PREFIX):
            return payload
        try:
            number = int(payload[len(_MARK_PREFIX) :].rstrip(b"\x00"))
            start, end = self.bodies[number]
        except (ValueError, KeyError):
            return payload
        return binascii.a2b_base64(memoryview(self.source)[start:end])


def _marker(number: int) -> bytes:
    return binascii.b2a_base64(_MARK_PREFIX + str(number).encode() + b"\x00")


def lift(raw: bytes) -> Skeleton:
    """Cut the large base64 bodies out of ``raw``; a small message comes back as it is."""
    if len(raw) < LIFT_BYTES:
        return Skeleton(raw)
    pieces: list[bytes | memoryview] = []
    bodies: dict[int, tuple[int, int]] = {}
    view = memoryview(raw)
    position = 0
    search_from = 0
    while (blank := _BLANK.search(raw, search_from)) is not None:
        start = end = blank.end()
        while (line := _BASE64_LINE.match(raw, end)) is not None:  # one line at a time: linear, flat
            end = line.end()
        search_from = max(end, start + 1)
        if end - start < LIFT_BYTES:
            continue
        head = raw[max(position, blank.start() - 4096) : blank.start()]
        part_headers = head.rsplit(b"\n--", 1)[-1]  # this part's own header block
        if not _CTE_BASE64.search(part_headers):
            continue
        number = len(bodies)
        bodies[number] = (start, end)
        pieces += [view[position:start], _marker(number)]
        position = end
    if not bodies:
        return Skeleton(raw)
    pieces.append(view[position:])
    return Skeleton(b"".join(pieces), bodies, raw)
