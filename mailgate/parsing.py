"""Raw bytes → ``ParsedEmail``. Pure: no Django, no database.

Russian mail arrives in UTF-8, KOI8-R and windows-1251, declared or not (see ``charsets``); HTML
is rendered to text and sanitised (see ``html_text``). Anything the ``email`` package cannot make
sense of raises ``ParseError``, which the pipeline turns into quarantine — never an uncaught exception.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from mailgate import addresses, bounces, large_parts, unpacking
from mailgate.charsets import (
    ENCODED_WORD_CHARSET,
    LATIN1_NAMES,
    SUPERSETS,
    SURROGATES,
    decode_bytes,
    fix_8bit,
)
from mailgate.html_text import html_to_text, sanitize_html
from mailgate.reply_trimming import is_forward_subject, split_reply


@functools.lru_cache(maxsize=4096)
def _header_object(name: str, value: str) -> str:
    return policy.default.header_factory(name, value)


# Header size caps. The standard library's header parsers are not linear on hostile input (a 1 MB
# encoded-word Subject or a ``a@a.a@a.…`` address list costs seconds to minutes), so no header value
# reaches them, or our own code, longer than this. Real headers are far shorter: a Subject is cut at
# 1,000 characters anyway, participants at 20, thread lookups at 50 Message-IDs.
MAX_HEADER_CHARS = 16 * 1024
MAX_ADDRESS_HEADER_CHARS = 64 * 1024
MAX_THREAD_IDS = 100
# What the header registry (``msg.get``, ``get_content_type``, ``get_filename``; flufl.bounce) may see of a
# structured header: its parsers recurse on nested comments and slow down superlinearly.
MAX_REGISTRY_HEADER_CHARS = 4 * 1024
_ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender", "delivered-to"})


_LIST_HEADERS = frozenset({"to", "cc", "delivered-to"})


def capped(name: str, value: str) -> str:
    """A header value cut to its cap; References keeps its tail (the nearest ancestors) and its root.
    Recipient lists may be long; a sender header names one mailbox, so 4 KB is plenty."""
    lowered = name.lower()
    if lowered in _LIST_HEADERS:
        limit = MAX_ADDRESS_HEADER_CHARS
    elif lowered in _ADDRESS_HEADERS:
        limit = MAX_REGISTRY_HEADER_CHARS
    else:
        limit = MAX_HEADER_CHARS
    if len(value) <= limit:
        return value
    if lowered == "references":
        head = value[: limit // 8]
        head = head[: head.rfind(">") + 1]
        tail = value[len(value) - (limit - len(head) - 1) :]
        return f"{head} {tail[tail.find('<') :] if '<' in tail else tail}"
    if lowered in _ADDRESS_HEADERS:
        cut = value.rfind(",", 0, limit)
        return value[: cut if cut > 0 else limit]
    return value[:limit]


class _CachedHeaderPolicy(policy.EmailPolicy):
    """``policy.default`` that parses each distinct header once, and none longer than its cap.

    The standard policy builds a new header object on every ``msg.get`` — ``get_content_type``,
    ``get_param``, ``get_filename`` each re-parse Content-Type/-Disposition — which was most of our
    parsing time. Header objects are immutable once built, so one per (name, value) is shared.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if hasattr(value, "name"):
            return value
        # Exactly what EmailPolicy does before parsing: drop CR and LF (not every ``splitlines`` break).
        value = value.replace("\r", "").replace("\n", "")
        structured = name.lower() in _ADDRESS_HEADERS or name.lower().startswith("content-")
        return _header_object(name, value[: MAX_REGISTRY_HEADER_CHARS if structured else MAX_HEADER_CHARS])


_PARSER = BytesParser(policy=_CachedHeaderPolicy())
_MSGID = re.compile(r"<([^<>\s]+)>")
MAX_RAW_BYTES = 50 * 1024 * 1024


class ParseError(Exception):
    """The bytes are not a message we can read; the reason is stored with the quarantined copy."""


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    is_inline: bool = False
    content_id: str = ""
    kind: str = ""  # "invite" for a calendar invitation (kept as .ics whatever the type list says)


@dataclass
class ParsedEmail:
    message_id: str = ""
    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)
    reply_to: str = ""
    date: datetime | None = None
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    text: str = ""  # the whole text, as sent
    # ``text`` split by ``reply_trimming``: the sender's new words, and the signature and quoted history
    # under them ("" when there was none). ``new_text`` is what a conversation shows first.
    new_text: str = ""
    quoted_text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    content_type: str = "text/plain"
    auto_submitted: str = ""
    precedence: str = ""
    # The headers automatic-mail screening reads (``screening.SCREENING_HEADERS``), lower-cased name →
    # the first value, lower-cased; read once here so screening stays a pure function of this object.
    screening_headers: dict[str, str] = field(default_factory=dict)
    return_path: str | None = None  # None: header absent; "": the null sender ``<>``
    report_type: str = ""
    # Message-IDs of an original quoted inside this one (a bounce's message/rfc822 or headers part).
    embedded_ids: list[str] = field(default_factory=list)
    bounce_rule: str = ""  # non-empty: a non-delivery report, and which rule said so (``bounces``)
    failed_recipients: list[str] = field(default_factory=list)
    part_count: int = 0

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, nearest first, each once (a dict keeps order: linear)."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))[:MAX_THREAD_IDS]


def _body_charset_hint(msg: Message) -> str | None:
    """Undeclared 8-bit headers are usually in the charset the body declares (if it is not a default)."""
    try:
        charsets = [c for c in msg.get_charsets() if c]
    except Exception:  # noqa: BLE001
        return None
    for charset in charsets:
        if charset.lower() not in ("us-ascii", "utf-8", "utf8", *LATIN1_NAMES):
            return charset
    return None


def _raw_header(msg: Message, name: str) -> str | None:
    """The header as it came off the wire (8-bit bytes as surrogate escapes), or None."""
    lowered = name.lower()
    for key, value in getattr(msg, "raw_items", lambda: [])():
        if key.lower() == lowered:
            return capped(name, str(value))
    return None


def _header(msg: Message, name: str, hint: str | None = None) -> str:
    """A header as text, however broken: RFC 2047 decoded, raw 8-bit sniffed, never raising."""
    raw = _raw_header(msg, name)
    if raw is not None and ENCODED_WORD_CHARSET.search(raw):
        widened = ENCODED_WORD_CHARSET.sub(lambda m: f"=?{SUPERSETS[m.group(1).lower()]}?", raw)
        return " ".join(_decode_words(widened).split())
    if raw is not None and SURROGATES.search(raw):
        # Unencoded 8-bit header (old Outlook, 1C, scripts): sniff the charset ourselves.
        text = fix_8bit(raw, hint)
        if "=?" in text:
            text = _decode_words(text)
        return " ".join(text.split())
    if raw is None:
        return ""
    if "=?" not in raw:
        # Plain ASCII needs no decoding; skipping the header registry here halves parse time.
        return " ".join(raw.split())
    try:
        value = msg.get(name)
        if value is None:
            return ""
        return fix_8bit(" ".join(str(value).split()))
    except Exception:  # noqa: BLE001 - a malformed header must not lose the message
        raw = msg.get_all(name, failobj=[]) if hasattr(msg, "get_all") else []
        for raw_value in raw[:1]:
            try:
                return fix_8bit(" ".join(str(make_header(decode_header(str(raw_value)))).split()))
            except Exception:  # noqa: BLE001
                return fix_8bit(" ".join(str(raw_value).split()))
        return ""


# No "@" inside either side, so there is one way to match: linear however many "@" a hostile From has.
_NULL_ADDRESS = re.compile(r"<\s*>")
_COMMENT_NAME = re.compile(r"^\s*[^\s<>()@]+@[^\s<>()@]+\s*\(([^()]*)\)\s*$")


def _decode_words(value: str) -> str:
    try:
        return fix_8bit(str(make_header(decode_header(value))))
    except Exception:  # noqa: BLE001
        return fix_8bit(value)


def _address_values(msg: Message, name: str) -> list[str]:
    """Raw address headers, so comments and encoded names survive until ``getaddresses`` splits them."""
    lowered = name.lower()
    values = [str(v) for k, v in getattr(msg, "raw_items", lambda: [])() if k.lower() == lowered]
    # Raw 8-bit bytes: UTF-8 in internationalised mail (SMTPUTF8), a legacy code page otherwise.
    return [" ".join(fix_8bit(capped(name, v)).split()) for v in values[:20]]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for name, addr in getaddresses(values):
        name = _decode_words(name) if "=?" in name or SURROGATES.search(name) else name
        addr = addresses.normalize(addr)
        local, _, domain = addr.rpartition("@")
        quoted = len(local) > 1 and local[0] == local[-1] == '"'  # "System Administrator"@example.com
        if local and domain and (quoted or " " not in addr) and " " not in domain:
            pairs.append((name.strip(), addr))
    if len(values) == 1 and len(pairs) == 1 and not pairs[0][0]:
        # Old style "user@example.com (Full Name)": the comment is the display name.
        match = _COMMENT_NAME.match(values[0])
        if match:
            pairs[0] = (match.group(1).strip(), pairs[0][1])
    return pairs


def _message_ids(value: str) -> list[str]:
    ids = _MSGID.findall(value)
    if not ids and value.strip() and " " not in value.strip():
        ids = [value.strip()]
    return [i[:998] for i in ids]


SCREENING_HEADERS = frozenset(
    {
        "auto-submitted",
        "precedence",
        "x-precedence",
        "x-autoreply",
        "x-autorespond",
        "x-autoresponder",
        "x-autogenerated",
        "x-auto-reply",
        "x-mail-autoreply",
        "x-post-messageclass",
        "x-fc-machinegenerated",
        "x-loop",
        "x-auto-response-suppress",
        "list-id",
        "list-unsubscribe",
        "list-post",
        "list-help",
        "mailing-list",
        "x-mailing-list",
    }
)


def _screening_headers(msg: Message) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in getattr(msg, "raw_items", lambda: [])():
        name = key.lower()
        if name in SCREENING_HEADERS and name not in found:
            found[name] = " ".join(fix_8bit(str(value)[:300]).split()).lower()
    return found


def _thread_header_ids(msg: Message) -> list[str]:
    ids: list[str] = []
    for name in ("Message-ID", "In-Reply-To", "References"):
        ids += _MSGID.findall(_raw_header(msg, name) or "")
    return ids[:MAX_THREAD_IDS]


# --- structure ----------------------------------------------------------------------------------
def _payload(part: Message, skeleton: large_parts.Skeleton) -> bytes:
    """A leaf part's decoded bytes (from the raw message itself when it was lifted out for size)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "").encode("utf-8", "surrogateescape")
    return skeleton.decoded(payload)


def _part_text(part: Message, skeleton: large_parts.Skeleton) -> str:
    """A text part decoded, with its line ends made one kind (mail mixes CRLF, LF and lone CR)."""
    payload = _payload(part, skeleton)
    return decode_bytes(payload, part.get_content_charset()).replace("\r\n", "\n").replace("\r", "\n")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # noqa: BLE001
        name = ""
    name = fix_8bit(str(name))
    if not name:
        name = fix_8bit(str(part.get_param("name", "", header="content-type") or ""))
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()[:255]


def _extension_for(content_type: str) -> str:
    return {
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "image/bmp": "bmp",
        "application/pdf": "pdf",
        "text/plain": "txt",
        "text/html": "html",
        "message/rfc822": "eml",
        "text/calendar": "ics",
    }.get(content_type, "bin")


def _message_part(part: Message, index: int) -> ParsedAttachment:
    """A forwarded message (``.eml`` attachment) or a report block (delivery status)."""
    ctype = part.get_content_type()
    payload = part.get_payload()
    blocks = [p for p in payload if isinstance(p, Message)] if isinstance(payload, list) else []
    if isinstance(payload, (str, bytes)):
        content = payload.encode("utf-8", "surrogateescape") if isinstance(payload, str) else payload
    else:
        content = b"\r\n".join(_as_bytes(block) for block in blocks)
    filename = _filename(part)
    if ctype == "message/rfc822":
        subject = _header(blocks[0], "Subject") if blocks else ""
        return ParsedAttachment(filename or f"{(subject or 'message')[:80]}.eml", ctype, content)
    return ParsedAttachment(filename or f"{ctype.split('/')[1]}-{index}.txt", ctype, content)


# Headers written back as they came (no refolding: folding a hostile 2 MB header is quadratic).
_AS_RECEIVED = policy.default.clone(linesep="\r\n", refold_source="none", max_line_length=None)


def _as_bytes(msg: Message) -> bytes:
    try:
        return msg.as_bytes(policy=_AS_RECEIVED)
    except Exception:  # noqa: BLE001 - a forwarded message we cannot re-serialise strictly
        return msg.as_bytes(policy=policy.compat32)


MAX_FORWARD_DEPTH = 3
MAX_PARTS = 500  # MIME parts in one message, forwarded ones included
FORWARDED_MARK = "---------- Пересланное сообщение ----------"


def _forwarded_text(inner: Message, sub: ParsedEmail) -> str:
    """A forwarded message as the reader sees it in a mail client: its headers, then its text."""
    sender = _addresses(_address_values(inner, "From")[:1])
    lines = [FORWARDED_MARK]
    if sender:
        name, address = sender[0]
        lines.append(f"От: {name} <{address}>" if name else f"От: {address}")
    for label, header in (("Дата", "Date"), ("Тема", "Subject")):
        value = _header(inner, header)[:300]
        if value:
            lines.append(f"{label}: {value}")
    recipients = [a for _, a in _addresses(_address_values(inner, "To"))][:10]
    if recipients:
        lines.append("Кому: " + ", ".join(recipients))
    return "\n".join([*lines, "", sub.text.strip() or "(пустое письмо)"])


def _attachment(
    part: Message, ctype: str, filename: str, index: int, disposition: str, skeleton: large_parts.Skeleton
) -> ParsedAttachment:
    content = _payload(part, skeleton)
    if ctype == "text/calendar":  # an invitation: kept as the .ics a calendar opens
        return ParsedAttachment(filename or f"invite-{index}.ics", ctype, content, kind="invite")
    content_id = _header(part, "Content-ID").strip("<> ")
    is_inline = bool(content_id) and ctype.startswith("image/") and disposition != "attachment"
    name = filename or f"{'inline' if is_inline else 'attachment'}-{index}.{_extension_for(ctype)}"
    return ParsedAttachment(name, ctype, content, is_inline, content_id)


def _collect(msg: Message, parsed: ParsedEmail, skeleton: large_parts.Skeleton, depth: int = 0) -> None:
    """Walk the MIME tree: body texts, attachments, and what hides inside (forwarded messages shown as
    text with their files extracted, ``winmail.dat`` unpacked, uuencoded files taken out of the text)."""
    text_parts: list[str] = []
    html_parts: list[str] = []
    tnef_bodies: list[str] = []
    is_report = msg.get_content_type() == "multipart/report"
    stack: list[Message] = [msg]
    index = 0
    while stack:
        part = stack.pop(0)
        parsed.part_count += 1
        if parsed.part_count > MAX_PARTS:
            raise ParseError(f"too many MIME parts: more than {MAX_PARTS}")
        ctype = part.get_content_type()
        if ctype.startswith("message/"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if ctype == "message/rfc822" and isinstance(inner, Message):
                parsed.embedded_ids += _thread_header_ids(inner)
                if not is_report and depth < MAX_FORWARD_DEPTH:
                    sub = ParsedEmail(part_count=parsed.part_count)
                    _collect(inner, sub, skeleton, depth + 1)
                    parsed.part_count = sub.part_count
                    text_parts.append(_forwarded_text(inner, sub))
                    parsed.attachments += sub.attachments
                    continue
            index += 1
            parsed.attachments.append(_message_part(part, index))
            continue
        if ctype == "text/rfc822-headers":
            raw_headers = part.get_payload(decode=True)
            if isinstance(raw_headers, bytes):
                parsed.embedded_ids += _thread_header_ids(_PARSER.parsebytes(raw_headers, headersonly=True))
        if part.is_multipart():
            payload = part.get_payload()
            children = payload if isinstance(payload, list) else []
            stack = [c for c in children if isinstance(c, Message)] + stack
            continue
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        is_body_text = ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename
        if is_body_text:
            (text_parts if ctype == "text/plain" else html_parts).append(_part_text(part, skeleton))
            continue
        index += 1
        item = _attachment(part, ctype, filename, index, disposition, skeleton)
        unpacked = unpacking.unpack_tnef(item.content) if unpacking.is_tnef(ctype, filename) else None
        if unpacked is None:
            parsed.attachments.append(item)
            continue
        body, tnef_html, files = unpacked
        tnef_bodies.append(body.strip() or (html_to_text(tnef_html) if tnef_html else ""))
        parsed.attachments += [ParsedAttachment(f.filename, f.content_type, f.content) for f in files]
    for position, text in enumerate(text_parts):
        text_parts[position], files = unpacking.extract_uuencoded(text)
        parsed.attachments += [ParsedAttachment(f.filename, f.content_type, f.content) for f in files]
    html = "\n".join(html_parts)
    if html.strip():
        parsed.html = sanitize_html(html)
    if not any(t.strip() and not t.startswith(FORWARDED_MARK) for t in text_parts):
        # No plain text of its own: the HTML's text, else Outlook's body from winmail.dat, comes first.
        own = html_to_text(html) if html.strip() else "\n\n".join(t for t in tnef_bodies if t)
        text_parts.insert(0, own)
    parsed.text = "\n\n".join(t.strip("\n") for t in text_parts if t.strip())


def parse_email(raw: bytes, *, max_bytes: int = MAX_RAW_BYTES) -> ParsedEmail:
    """Parse one RFC 5322 message. Raises only ``ParseError``; ``max_bytes`` is the size limit
    (``MAILGATE_MAX_MESSAGE_MB``, passed in by the pipeline)."""
    if not raw or not raw.strip():
        raise ParseError("empty message")
    if len(raw) > max_bytes:
        raise ParseError(
            f"message too large: {len(raw) / (1024 * 1024):.1f} MB, "
            f"limit {max_bytes // (1024 * 1024)} MB (MAILGATE_MAX_MESSAGE_MB)"
        )
    if raw.startswith(b"From ") and b"\n" in raw:
        raw = raw.split(b"\n", 1)[1]  # an mbox "From " envelope line, as in saved mailboxes
    try:
        skeleton = large_parts.lift(raw)
        msg: EmailMessage = _PARSER.parsebytes(skeleton.raw)  # type: ignore[assignment]
        parsed = _parse(msg, skeleton)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything else is a broken message, not a crash
        raise ParseError(f"unreadable MIME: {type(exc).__name__}: {exc}"[:300]) from exc
    if not parsed.from_email and not parsed.bounce_rule:
        raise ParseError("no sender address")  # a bounce from the null sender is still screened
    return parsed


def _parse(msg: EmailMessage, skeleton: large_parts.Skeleton) -> ParsedEmail:
    if not msg.keys():
        raise ParseError("no headers")
    parsed = ParsedEmail()
    ids = _message_ids(_header(msg, "Message-ID"))
    parsed.message_id = ids[0] if ids else ""
    parsed.subject = _header(msg, "Subject", _body_charset_hint(msg))[:1000]
    senders: list[tuple[str, str]] = []
    # A broken From (spam, old gateways) falls back the way Zammad does: another From, Reply-To, Sender;
    # mail-system reports without any of them, to the Return-Path (MAILER-DAEMON@…).
    for value in [
        *_address_values(msg, "From"),
        *_address_values(msg, "Reply-To"),
        *_address_values(msg, "Sender"),
        *_address_values(msg, "Return-Path"),
    ]:
        senders = _addresses([value])
        if senders:
            break
    if senders:
        parsed.from_name, parsed.from_email = senders[0]
    parsed.to = [a for _, a in _addresses(_address_values(msg, "To"))]
    parsed.cc = [a for _, a in _addresses(_address_values(msg, "Cc"))]
    parsed.delivered_to = [a for _, a in _addresses(_address_values(msg, "Delivered-To"))]
    reply_to = _addresses(_address_values(msg, "Reply-To")[:1])
    parsed.reply_to = reply_to[0][1] if reply_to else ""
    try:
        date = parsedate_to_datetime(_header(msg, "Date"))
        parsed.date = date if date.tzinfo is not None else None
    except (TypeError, ValueError, IndexError):
        parsed.date = None
    parsed.in_reply_to = _message_ids(_header(msg, "In-Reply-To"))
    parsed.references = _message_ids(_header(msg, "References"))
    parsed.content_type = msg.get_content_type()
    parsed.report_type = str(msg.get_param("report-type", "") or "").lower()
    parsed.screening_headers = _screening_headers(msg)
    parsed.auto_submitted = parsed.screening_headers.get("auto-submitted", "")
    parsed.precedence = parsed.screening_headers.get("precedence", "")
    if "Return-Path" in msg:
        parsed.return_path = _header(msg, "Return-Path").strip().strip("<>").lower()
    _collect(msg, parsed, skeleton)
    split = split_reply(parsed.text, forwarded=is_forward_subject(parsed.subject))
    parsed.new_text, parsed.quoted_text = split.new_text, split.quoted
    verdict = bounces.detect(
        msg,
        sender=parsed.from_email,
        sender_name=parsed.from_name,
        subject=parsed.subject,
        return_path=parsed.return_path,
        null_from=any(_NULL_ADDRESS.search(v) for v in _address_values(msg, "From")),
    )
    parsed.bounce_rule = verdict.rule
    parsed.failed_recipients = list(verdict.failed)
    return _clean(parsed)


def _clean_text(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and UTF-8 cannot hold lone surrogates: neither is content.
    return value.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def _clean(parsed: ParsedEmail) -> ParsedEmail:
    for name in (
        "message_id",
        "subject",
        "from_email",
        "from_name",
        "reply_to",
        "text",
        "new_text",
        "quoted_text",
        "html",
        "auto_submitted",
        "precedence",
        "content_type",
        "report_type",
        "bounce_rule",
    ):
        setattr(parsed, name, _clean_text(getattr(parsed, name)))
    if parsed.return_path is not None:
        parsed.return_path = _clean_text(parsed.return_path)
    for name in (
        "to",
        "cc",
        "delivered_to",
        "in_reply_to",
        "references",
        "embedded_ids",
        "failed_recipients",
    ):
        setattr(parsed, name, [_clean_text(v) for v in getattr(parsed, name)])
    parsed.screening_headers = {k: _clean_text(v) for k, v in parsed.screening_headers.items()}
    parsed.attachments = [
        ParsedAttachment(
            _clean_text(a.filename),
            _clean_text(a.content_type),
            a.content,
            a.is_inline,
            _clean_text(a.content_id),
            a.kind,
        )
        for a in parsed.attachments
    ]
    return parsed
