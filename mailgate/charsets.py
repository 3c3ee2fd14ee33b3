"""Text decoding for Russian mail: declared charsets first, then sniffing UTF-8 / windows-1251 / KOI8-R.

A declared charset is tried first, then the bytes are sniffed: UTF-8, else whichever Cyrillic code
page reads as more natural text. Labels senders get wrong (GB2312 for GBK, latin-1 for Cyrillic) are
widened or overruled. Pure: no Django.
"""

from __future__ import annotations

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


def _mostly_8bit(data: bytes) -> bool:
    high = sum(1 for byte in data if byte >= 0x80)
    letters = high + sum(1 for byte in data if 65 <= byte <= 90 or 97 <= byte <= 122)
    return bool(letters) and high / letters > 0.5


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode text bytes in the declared charset if it works, else sniff UTF-8 / cp1251 / KOI8-R."""
    if declared:
        declared = declared.strip().strip('"').lower()
        declared = SUPERSETS.get(declared, declared)
        if declared in ("unknown-8bit", "x-unknown", "8bit", "default"):
            declared = None
    if declared:
        try:
            text = data.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
        else:
            # Mail clients often declare latin-1 for what is really Cyrillic; Russian text is mostly
            # high bytes, while German or French text has only a few.
            if declared not in LATIN1_NAMES or not _mostly_8bit(data):
                return text
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [data.decode(cs, errors="replace") for cs in ("cp1251", "koi8-r")]
    best = max(candidates, key=_cyrillic_score)
    if _cyrillic_score(best) == 0.0 and declared:
        try:
            return data.decode(declared, errors="replace")
        except LookupError:
            pass
    return best


def fix_8bit(value: str, hint: str | None = None) -> str:
    """Raw 8-bit header bytes come back from ``email`` as surrogate escapes; decode them properly."""
    if not SURROGATES.search(value):
        return value
    data = value.encode("utf-8", "surrogateescape")
    if hint:
        try:
            return data.decode(SUPERSETS.get(hint.lower(), hint))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(data)
