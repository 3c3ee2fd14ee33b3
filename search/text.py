"""Text → search terms, query text → a parsed query, and the highlighted snippet. Pure Python.

Both databases index and match the *same* terms computed here, which is what makes their answers
identical: SQLite's FTS5 and PostgreSQL's ``simple`` configuration only split these terms on spaces.

A term is a run of ``[0-9a-zа-я]`` after lower-casing, ``ё`` → ``е`` and stripping Latin accents;
anything else separates terms. Cyrillic words are reduced by Snowball's Russian stemmer; Latin words,
numbers and mixed tokens stay as they are. ``SV-1042`` and ``ivanov@zoo.example`` become several terms
in a row and are searched as a phrase, so they are found as they are written.

Matching a query word: the stem, and for longer Cyrillic stems any term starting with the stem less its
last letter ("печать" → stem "печа", "печати" → "печат": both match ``печа*``; "питомец"/"питомца"
→ ``питом*``). Stems of up to three letters ("не", "на") and numbers match exactly.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

import snowballstemmer
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# PostgreSQL positions stop at 16383 and a tsvector holds at most 1 MB: both backends index the same
# capped term list, so a phrase near the end of a very long message is found (or not) on both alike.
MAX_TERMS = 10_000
MAX_TERM_LENGTH = 60
MAX_CLAUSES = 8
MAX_PHRASE_TERMS = 8

_CYRILLIC = frozenset("абвгдежзийклмнопрстуфхцчшщъыьэюя")
_LATIN = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_KEEP = _CYRILLIC | _LATIN | _DIGITS


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One lower-cased character → a kept letter/digit, or "" (a separator)."""
    if char in _KEEP:
        return char
    if char == "ё":
        return "е"
    base = unicodedata.normalize("NFKD", char)[:1]
    return base if base in _LATIN or base in _DIGITS else ""


def _words(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, folded word) for each run of kept characters in ``text``."""
    start = -1
    folded: list[str] = []
    for index, char in enumerate(text):
        kept = _fold_char(char.lower())
        if kept:
            if start < 0:
                start = index
            folded.append(kept)
        elif start >= 0:
            yield start, index, "".join(folded)
            start, folded = -1, []
    if start >= 0:
        yield start, len(text), "".join(folded)


_stemmer = snowballstemmer.stemmer("russian")


@functools.lru_cache(maxsize=65536)
def term(word: str) -> str:
    """The indexed form of one folded word."""
    word = word[:MAX_TERM_LENGTH]
    if all(c in _CYRILLIC for c in word):
        return _stemmer.stemWord(word)
    return word


def terms(text: str) -> list[str]:
    """The terms of ``text`` in order (at most ``MAX_TERMS``)."""
    out: list[str] = []
    for _start, _end, word in _words(text.replace("\x00", " ")):
        out.append(term(word))
        if len(out) >= MAX_TERMS:
            break
    return out


def index_text(*parts: str) -> str:
    """What is stored and indexed: the terms of all parts, separated by spaces."""
    return " ".join(t for part in parts if part for t in terms(part))


@dataclass(frozen=True)
class Matcher:
    """One query word: an exact term, or a prefix of terms."""

    text: str
    prefix: bool

    def matches(self, indexed: str) -> bool:
        return indexed.startswith(self.text) if self.prefix else indexed == self.text


def matcher(word: str) -> Matcher:
    stem = term(word)
    if not all(c in _CYRILLIC for c in stem) or len(stem) <= 3:
        return Matcher(stem, prefix=False)
    if len(stem) == 4:
        return Matcher(stem, prefix=True)
    return Matcher(stem[:-1], prefix=True)


@dataclass(frozen=True)
class Query:
    """All ``required`` clauses must match one entry; a ticket with any ``excluded`` clause is dropped.

    A clause is a tuple of matchers that must appear in a row (one matcher = a single word).
    ``invalid`` is set for text no search can answer (a NUL byte): the result is empty, never an error.
    """

    required: tuple[tuple[Matcher, ...], ...] = ()
    excluded: tuple[tuple[Matcher, ...], ...] = ()
    invalid: bool = False
    words: tuple[str, ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.required) and not self.invalid


_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _clause(text: str) -> tuple[Matcher, ...]:
    return tuple(matcher(word) for _s, _e, word in _words(text))[:MAX_PHRASE_TERMS]


def parse_query(text: str) -> Query:
    """``печать "не работает" -принтер`` → required ``печа*``, phrase ``не работа*``; excluded ``принтер*``.

    Words are all required, in any order; ``"…"`` is an exact phrase; ``-word`` or ``-"…"`` excludes.
    A word written with punctuation inside (``SV-1042``, an e-mail address) is a phrase of its parts.
    """
    if "\x00" in text:
        return Query(invalid=True)
    required: list[tuple[Matcher, ...]] = []
    excluded: list[tuple[Matcher, ...]] = []
    for match in _CHUNK.finditer(text[:500]):
        negative, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negative, bare = "-", bare[1:]
        clause = _clause(phrase if phrase is not None else bare or "")
        if clause:
            (excluded if negative else required).append(clause)
    return Query(
        required=tuple(dict.fromkeys(required))[:MAX_CLAUSES],
        excluded=tuple(dict.fromkeys(excluded))[:MAX_CLAUSES],
        words=tuple(m.text for clause in required for m in clause),
    )


# --- Snippets --------------------------------------------------------------------------------------

SNIPPET_CHARS = 160


def _hits(text: str, query: Query) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match a required clause (each word of a phrase in a row)."""
    words = list(_words(text))
    indexed = [term(w) for _s, _e, w in words]
    spans: list[tuple[int, int]] = []
    for clause in query.required:
        n = len(clause)
        for i in range(len(indexed) - n + 1):
            if all(m.matches(indexed[i + k]) for k, m in enumerate(clause)):
                spans.extend((words[i + k][0], words[i + k][1]) for k in range(n))
    return sorted(set(spans))


def snippet(text: str, query: Query, *, width: int = SNIPPET_CHARS) -> SafeString:
    """An escaped excerpt of ``text`` around the first match, matched words in ``<mark>``."""
    text = " ".join(text.split())
    spans = _hits(text, query)
    if spans:
        first = spans[0][0]
        start = max(0, first - width // 3)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and first - space < width // 2 else start
    else:
        start = 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    out = ["…" if start else ""]
    cursor = start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        out.append(escape(text[cursor:span_start]))
        out.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    out.append(escape(text[cursor:end]))
    out.append("…" if end < len(text) else "")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped
