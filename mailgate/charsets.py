"""Text decoding for Russian mail: the declared charset, and sniffing only when nothing usable is declared.

1. A declared charset is believed. A few invalid bytes in it (one broken byte in a UTF-8 body) are
   decoded as U+FFFD replacement characters — the rest of the text stays right, never re-sniffed.
2. The label is overruled only when it is wrong throughout: UTF-8 declared but not one valid
   multi-byte sequence among the invalid ones (windows-1251 or Latin-1 bytes labelled UTF-8), or a
   Latin-1/cp1252 label over text whose 8-bit bytes come in runs — whole words — as Cyrillic does
   and no Western European language does.
3. Sniffing, for undeclared or wrongly declared bytes: UTF-8 if it decodes; else Cyrillic
   (windows-1251 or KOI8-R, whichever reads as more natural text) when the 8-bit bytes form words,
   and cp1252/Latin-1 when they are scattered letters inside ASCII words (ü, é, ß).
Labels senders get wrong (GB2312 for GBK, …) are widened to the superset. Pure: no Django.
"""

from __future__ import annotations

import codecs
import re

SURROGATES = re.compile(r"[\udc80-\udcff]")
_CYRILLIC = re.compile(r"[а-яёА-ЯЁ]")
_CYRILLIC_LOWER = re.compile(r"[а-яё]")


def _cyrillic_score(text: str) -> float:
    """Natural Russian text is mostly lowercase; a wrong code page turns it into capitals/symbols."""
    letters = len(_CYRILLIC.findall(text))
    if not letters:
        return 0.0
    return len(_CYRILLIC_LOWER.findall(text)) / letters + letters / max(len(text), 1)


# Labels that senders use for what is really the superset (GBK text labelled GB2312, …).
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "iso-8859-8-i": "iso-8859-8",
    "tis-620": "cp874",
    "windows-874": "cp874",
}
ENCODED_WORD_CHARSET = re.compile(r"=\?(" + "|".join(re.escape(k) for k in SUPERSETS) + r")\?", re.IGNORECASE)
LATIN1_NAMES = frozenset({"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"})
_LATIN1_CODECS = frozenset({"latin-1", "iso8859-1", "cp1252"})


_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_UNDECLARED = frozenset({"unknown-8bit", "x-unknown", "8bit", "default", "x-user-defined"})


def _mostly_8bit(data: bytes) -> bool:
    high = sum(1 for byte in data if byte >= 0x80)
    letters = high + sum(1 for byte in data if 65 <= byte <= 90 or 97 <= byte <= 122)
    return bool(letters) and high / letters > 0.5


def _cyrillic_layout(data: bytes) -> bool:
    """8-bit bytes mostly in runs of three or more — whole Cyrillic words, not Latin accents — and
    more than one such word unless the text is mostly 8-bit (``äöüß`` alone is German)."""
    runs = [len(run) for run in _HIGH_RUN.findall(data)]
    total = sum(runs)
    if not total or sum(n for n in runs if n >= 3) / total <= 0.5:
        return False
    return len(runs) > 1 or _mostly_8bit(data)


def _codec(declared: str | None) -> str | None:
    """The Python codec for a declared label, or None when the label names nothing we can decode."""
    if not declared:
        return None
    label = declared.strip().strip('"').strip("'").lower()
    label = SUPERSETS.get(label, label)
    if not label or label in _UNDECLARED:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _sniff(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _cyrillic_layout(data):
        return max((data.decode(cs, errors="replace") for cs in ("cp1251", "koi8-r")), key=_cyrillic_score)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # the five bytes cp1252 leaves undefined


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes: the declared charset (with replacement for a few bad bytes), else sniffed."""
    codec = _codec(declared)
    if codec is None:
        return _sniff(data)
    if codec in _LATIN1_CODECS and _mostly_8bit(data) and _cyrillic_layout(data):
        return _sniff(data)  # old clients label Cyrillic as latin-1
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    text = data.decode(codec, errors="replace")
    if codec == "utf-8":
        invalid = text.count("\ufffd")
        valid = sum(1 for ch in text if ch > "\x7f" and ch != "\ufffd")
        if valid < invalid:
            return _sniff(data)  # not UTF-8 at all: the label is wrong, not a few bytes
    return text


def fix_8bit(value: str, hint: str | None = None) -> str:
    """Raw 8-bit header bytes come back from ``email`` as surrogate escapes; decode them properly."""
    if not SURROGATES.search(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    codec = _codec(hint)
    if codec:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return _sniff(data)
