"""Files hidden inside mail: Outlook's ``winmail.dat`` (TNEF) and uuencoded blocks in the text. Pure.

What comes out is handed to the attachment policy like any attachment (``screening.screen_attachments``):
an ``.exe`` inside a ``winmail.dat`` is refused exactly as a bare one would be.
"""

from __future__ import annotations

import binascii
import logging
import mimetypes
import re
from dataclasses import dataclass

from tnefparse import TNEF

logger = logging.getLogger(__name__)

MAX_FILES = 100
_UU_BEGIN = re.compile(r"^begin(?:-base64)? ([0-7]{3,4}) (\S[^\n]{0,254})$")


@dataclass(frozen=True)
class Unpacked:
    filename: str
    content_type: str
    content: bytes


def content_type_for(filename: str) -> str:
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def is_tnef(content_type: str, filename: str) -> bool:
    return (
        content_type in ("application/ms-tnef", "application/vnd.ms-tnef")
        or filename.lower() == "winmail.dat"
    )


def _decode_name(raw: object, codepage: str | None) -> str:
    if isinstance(raw, bytes):
        for charset in (codepage or "cp1251", "utf-8", "latin-1"):
            try:
                return raw.decode(charset).strip("\x00").strip()
            except (LookupError, UnicodeDecodeError):
                continue
    return str(raw or "").strip("\x00").strip()


def unpack_tnef(data: bytes) -> tuple[str, str, list[Unpacked]] | None:
    """(plain body, HTML body, files) of a ``winmail.dat``, or None when it is not readable TNEF."""
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception:  # noqa: BLE001 - a damaged winmail.dat stays an attachment
        logger.info("mailgate: unreadable winmail.dat kept as it is")
        return None
    codepage = tnef.codepage
    files: list[Unpacked] = []
    for index, attachment in enumerate(tnef.attachments[:MAX_FILES], start=1):
        try:
            name = _decode_name(attachment.long_filename(), codepage)
        except Exception:  # noqa: BLE001
            name = ""
        name = (name.replace("\\", "/").rsplit("/", 1)[-1] or f"winmail-{index}.bin")[:255]
        content = attachment.data if isinstance(attachment.data, bytes) else bytes(attachment.data or b"")
        files.append(Unpacked(name, content_type_for(name), content))
    body = tnef.body or ""
    if isinstance(body, bytes):
        body = _decode_name(body, codepage)
    html = tnef.htmlbody or ""
    if isinstance(html, bytes):
        html = _decode_name(html, codepage)
    return body.replace("\r\n", "\n"), html, files


def _uu_line(line: str) -> bytes:
    try:
        return binascii.a2b_uu(line)
    except binascii.Error:
        # Some encoders pad lines wrongly; decode the length the first character announces.
        count = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
        return binascii.a2b_uu(line[:count])


def extract_uuencoded(text: str) -> tuple[str, list[Unpacked]]:
    """Take ``begin 644 name … end`` blocks out of a text part as files; the rest of the text stays."""
    if "begin " not in text:
        return text, []
    lines = text.split("\n")
    kept: list[str] = []
    files: list[Unpacked] = []
    index = 0
    while index < len(lines):
        match = _UU_BEGIN.match(lines[index].rstrip())
        end = None
        if match and len(files) < MAX_FILES:
            end = next((j for j in range(index + 1, len(lines)) if lines[j].strip() == "end"), None)
        if match is None or end is None:
            kept.append(lines[index])
            index += 1
            continue
        try:
            content = b"".join(_uu_line(line.rstrip()) for line in lines[index + 1 : end] if line.strip())
        except (binascii.Error, IndexError):
            kept.append(lines[index])
            index += 1
            continue
        name = match.group(2).strip().replace("\\", "/").rsplit("/", 1)[-1][:255]
        files.append(Unpacked(name, content_type_for(name), content))
        index = end + 1
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)), files
