"""Separate a reply's new text from the quoted history and the signature under it. Pure: no Django.

The libraries (``mail-parser-reply``, ``email-reply-parser``, ``talon``) know no Russian mail client
and build their expressions per message, so this is a line scanner with the attribution lines Russian
clients really write; each pattern is anchored and matched against one line (or two joined, for a
wrapped attribution), so the cost is linear in the text:

- Outlook: ``От: … / Отправлено: … / Кому: … / Тема: …`` (and ``From:/Sent:/To:/Subject:``), often
  under a line of underscores; ``-----Исходное сообщение-----`` / ``-----Original Message-----``
  (Outlook, 1C, Lotus);
- Gmail: ``пн, 1 дек. 2026 г. в 10:00, Иван Петров <ivan@…>:`` and ``On Mon, … wrote:``;
- Mail.ru: ``Вторник, 1 декабря 2026, 10:00 +03:00 от Иван Петров <ivan@mail.ru>:``;
- The Bat!: ``Вы писали 1 декабря 2026 г., 10:00:`` (and its ``ИП>`` initials quoting);
- Thunderbird: ``01.12.2026 10:00, Иван Петров пишет:``; iPhone / Android: ``… написал(а):``;
- Yandex: an attribution line ``01.12.2026, 10:00, "Иван" <ivan@yandex.ru>:`` above a ``<blockquote>``,
  which the HTML rendering prefixes with ``>`` (``html_text``);
- a trailing block of ``>`` lines with nothing new after it (bottom quoting). Inline replies — new text
  between quoted lines — are left whole: cutting them would lose answers.

Signatures: the RFC 3676 ``-- `` line, a closing formula (``С уважением``, ``Best regards``, …) in the
last lines, or a client's "sent from" line (``Отправлено с iPhone``, ``Sent from my …``).
Forwarded messages (``Пересылаемое сообщение``, ``Forwarded message``) are the content, never cut.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTH = r"[а-яёa-z]{3,9}\.?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_ADDR = r"<?[^<>\s@]+@[^<>\s@]+>?"

# Attribution lines: the line that introduces the quoted message.
_ATTRIBUTION = [
    # Gmail RU: "пн, 1 дек. 2026 г. в 10:00, Иван Петров <ivan@example.ru>:"
    re.compile(rf"^(пн|вт|ср|чт|пт|сб|вс),? \d{{1,2}} {_MONTH} \d{{4}} г\.? в {_TIME},? [^\n]*{_ADDR}:?$"),
    # Mail.ru: "Вторник, 1 декабря 2026, 10:00 +03:00 от Иван Петров <ivan@mail.ru>:"
    re.compile(rf"^[а-яё]+, \d{{1,2}} {_MONTH} \d{{4}},? {_TIME}(?: [+-]\d{{2}}:?\d{{2}})? от [^\n]*:$"),
    # The Bat!: "Вы писали 1 декабря 2026 г., 10:00:" / "You wrote:"
    re.compile(r"^(вы писали|you wrote)\b[^\n]{0,80}:$"),
    # Thunderbird, iPhone, Android, Gmail EN and others: "<date/name/address> пишет: / написал(а): / wrote:"
    re.compile(
        r"^[^\n]{0,200}\b(пишет|написал\(а\)|написала?|писал\(а\)|писала?|wrote|schrieb|a écrit)\s?:$"
    ),
    # Yandex: '01.12.2026, 10:00, "Иван Петров" <ivan@yandex.ru>:'
    re.compile(rf"^\d{{1,2}}\.\d{{1,2}}\.\d{{2,4}},? {_TIME},? [^\n]*{_ADDR}:$"),
    # Outlook/1C/Lotus separators
    re.compile(r"^-{2,}\s*(исходное сообщение|original message|ursprüngliche nachricht)\s*-{2,}$"),
]
_HEADER_FIELD = re.compile(
    r"^\*?(от|отправлено|дата|кому|копия|тема|from|sent|date|to|cc|subject|von|gesendet|an|betreff)\*?\s?:"
)
_HEADER_FROM = re.compile(r"^\*?(от|from|von)\*?\s?:")
_UNDERSCORES = re.compile(r"^_{10,}$")
_QUOTED = re.compile(r"^\s*[A-Za-zА-Яа-яЁё]{0,3}>")  # "> text", ">> text", The Bat!'s "ИП> text"
_FORWARDED = re.compile(r"(пересылаемое|пересланное|forwarded) (сообщение|message)", re.IGNORECASE)

_SIGNATURE_DASHES = re.compile(r"^--\s?$")
_CLOSING = re.compile(
    r"^(с уважением|с наилучшими пожеланиями|всего (доброго|хорошего)|спасибо[,!.]? с уважением|"
    r"best regards|kind regards|regards|best wishes|cheers|mit freundlichen grüßen)\b[^\n]{0,60}$"
)
_SENT_FROM = re.compile(
    r"^(отправлено (с|из)|sent from|get outlook for|получить outlook для|"
    r"отправлено с моего|sent with)\b[^\n]{0,80}$"
)
_SIGNATURE_MAX_LINES = 12


@dataclass(frozen=True)
class Split:
    new_text: str
    quoted: str  # the signature and quoted history taken off, "" when nothing was

    @property
    def trimmed(self) -> bool:
        return bool(self.quoted)


def _key(line: str) -> str:
    return " ".join(line.strip().lower().split())


def _outlook_header_at(keys: list[str], index: int) -> bool:
    """``От:`` followed within five lines by at least two more header fields (Outlook's block)."""
    if not _HEADER_FROM.match(keys[index]):
        return False
    fields = sum(1 for key in keys[index + 1 : index + 6] if _HEADER_FIELD.match(key))
    return fields >= 2


def _attribution_at(keys: list[str], index: int) -> bool:
    key = keys[index]
    if not key or len(key) > 300:
        return False
    if _outlook_header_at(keys, index) or any(p.match(key) for p in _ATTRIBUTION):
        return True
    # A wrapped attribution: "пн, 1 дек. 2026 г. в 10:00, Иван Петров <ivan@…>" / "написал(а):".
    following = next((k for k in keys[index + 1 : index + 3] if k), "")
    joined = f"{key} {following}"
    return bool(following) and len(joined) <= 300 and any(p.match(joined) for p in _ATTRIBUTION[:5])


def _history_start(lines: list[str]) -> int | None:
    keys = [_key(line) for line in lines]
    for index, key in enumerate(keys):
        if _FORWARDED.search(key):
            return None  # a forwarded message is the content
        if _UNDERSCORES.match(key) and index + 1 < len(keys) and _outlook_header_at(keys, index + 1):
            return index
        if _attribution_at(keys, index):
            return index
        if _QUOTED.match(lines[index]) and _only_quotes_follow(lines, index):
            return index
    return None


def _only_quotes_follow(lines: list[str], start: int) -> bool:
    """Bottom quoting: from ``start`` on, only quoted or blank lines (or a signature after them)."""
    for offset, line in enumerate(lines[start:]):
        if line.strip() and not _QUOTED.match(line):
            return _signature_start(lines[start + offset :]) == 0
    return True


def _signature_start(lines: list[str]) -> int | None:
    """Index of the line a signature starts at, among the last lines; None when there is none."""
    first_candidate = max(0, len(lines) - _SIGNATURE_MAX_LINES)
    for index in range(first_candidate, len(lines)):
        key = _key(lines[index])
        if _SIGNATURE_DASHES.match(lines[index].rstrip("\n")) or _SENT_FROM.match(key) or _CLOSING.match(key):
            return index
    return None


_FORWARD_SUBJECT = re.compile(r"^\s*(fwd?|fw|tr|wg|пересл\w*|перес)\s*:", re.IGNORECASE)


def is_forward_subject(subject: str) -> bool:
    """``Fwd:``/``FW:``/``Пересл:``: Outlook forwards under the same ``-----Original Message-----``."""
    return bool(_FORWARD_SUBJECT.match(subject))


def split_reply(text: str, *, forwarded: bool = False) -> Split:
    """The new text and what was taken off it. Never returns an empty new text for a non-empty one:
    a message that is all quote (a forward without comment) stays whole. ``forwarded``: the message is
    a forward (by its subject), so the message under the attribution is content — only the signature
    above it is separated."""
    lines = text.split("\n")
    start = None if forwarded else _history_start(lines)
    head, history = (lines, []) if start is None else (lines[:start], lines[start:])
    cut = _signature_start(head)
    if cut is not None and any(line.strip() for line in head[:cut]):
        head, signature = head[:cut], head[cut:]
    else:
        signature = []
    new_text = "\n".join(head).strip()
    if not new_text:
        return Split(text.strip(), "")
    quoted = "\n".join([*signature, *history]).strip()
    return Split(new_text, quoted)
