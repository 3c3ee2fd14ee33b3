"""Mail HTML: a plain-text rendering for display and search, and a sanitised copy to keep. Pure.

The text follows what a mail client shows, without the double spacing a naive conversion gives:
- a ``<div>``, a table row, a list item or Word's ``<p class=MsoNormal>`` (Outlook writes one per line)
  ends a line; an ordinary ``<p>`` ends a paragraph (a blank line); ``<br>`` is a line break and an
  empty line (``<div><br></div>``, ``<p>&nbsp;</p>``) stays one blank line, never more than one;
- table cells of a row are separated by `` | ``;
- text inside ``<blockquote>`` (Yandex, Gmail, Thunderbird quoting) gets ``> `` per level, so quoted
  history is recognisable in the text like plain-text quoting (see ``reply_trimming``).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_SPACE = re.compile(r"[ \t\r\n\f\v\u200b]+")
_LINE = 1  # a line boundary: at most one newline
_PARAGRAPH = 2  # a paragraph boundary: a blank line


class _TextExtractor(HTMLParser):
    _LINE_TAGS = frozenset(
        {"div", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "address"}
    )
    _PARAGRAPH_TAGS = frozenset({"p", "blockquote", "dl"})
    _SKIP = frozenset({"script", "style", "head", "title", "template"})
    _CELLS = frozenset({"td", "th"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []  # (blockquote depth, text)
        self._current: list[str] = []
        self._depth = 0
        self._line_depth = 0
        self._pending = 0  # the strongest boundary waiting before the next text
        self._skipping = 0
        self._cell_in_row = 0
        self._cell_depth = 0  # inside a table cell: its paragraphs run on one line
        self._paragraphs: list[int] = []  # the boundary each open <p> ends with

    def _boundary(self, strength: int) -> None:
        if self._cell_depth:
            if self._current and not self._current[-1].endswith(" "):
                self._current.append(" ")
            return
        self._pending = max(self._pending, strength)

    def _flush_line(self) -> None:
        self.lines.append((self._line_depth, "".join(self._current).strip()))
        self._current = []

    def _write(self, text: str) -> None:
        if self._pending:
            if self._current or self.lines:
                self._flush_line()
                if self._pending == _PARAGRAPH and self.lines and self.lines[-1][1]:
                    self.lines.append((min(self._depth, self.lines[-1][0]), ""))
            self._pending = 0
        if not self._current:
            self._line_depth = self._depth
            text = text.lstrip()
            if not text:
                return
        self._current.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
            return
        if tag == "br":
            if self._pending:
                self._write("")
            self._flush_line()
            self._line_depth = self._depth
            return
        if tag == "blockquote":
            self._boundary(_PARAGRAPH)
            self._depth += 1
        elif tag == "p":
            word = any(k == "class" and v and v.lower().startswith("mso") for k, v in attrs)
            self._paragraphs.append(_LINE if word else _PARAGRAPH)
            self._boundary(self._paragraphs[-1])
        elif tag in self._PARAGRAPH_TAGS or tag in self._LINE_TAGS:
            self._boundary(_LINE)
        if tag == "tr":
            self._cell_in_row = 0
            self._cell_depth = 0
        elif tag in self._CELLS:
            if self._cell_in_row:
                self._write(" | ")
            self._cell_in_row += 1
            self._cell_depth += 1
        elif tag == "li":
            self._write("• ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
            return
        if tag in self._CELLS:
            self._cell_depth = max(0, self._cell_depth - 1)
            return
        if tag == "blockquote":
            self._boundary(_PARAGRAPH)
            self._depth = max(0, self._depth - 1)
        elif tag == "p":
            self._boundary(self._paragraphs.pop() if self._paragraphs else _PARAGRAPH)
        elif tag in self._PARAGRAPH_TAGS or tag in self._LINE_TAGS:
            self._boundary(_LINE)

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            text = _SPACE.sub(" ", data.replace("\xa0", " "))
            if text.strip() or self._current:
                self._write(text)

    def text(self) -> str:
        if self._current:
            self._flush_line()
        out: list[str] = []
        for depth, line in self.lines:
            line = " ".join(line.split())
            if not line and out and not out[-1].lstrip("> "):
                continue  # never two blank lines in a row
            out.append(("> " * depth + line).rstrip() if line or depth else "")
        return "\n".join(out).strip("\n")


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    try:
        extractor.feed(html)
        extractor.close()
    except Exception:  # noqa: BLE001 - HTMLParser is lenient, but never trust mail HTML
        return " ".join(re.sub(r"<[^>]*>", " ", html).split())
    return extractor.text()


def sanitize_html(html: str) -> str:
    return nh3.clean(html, link_rel="noopener noreferrer nofollow")
