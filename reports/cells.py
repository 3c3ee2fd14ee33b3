"""Text that a spreadsheet must show as text, never run (formula injection, CWE-1236).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, and tab or carriage return as a way to start one; the full-width forms count in East Asian
input modes. Such a cell gets a leading apostrophe, the spreadsheets' own "this is text" mark. Leading
blanks (and quotes, for CSV) are looked through, since some importers drop them before deciding.

CSV needs more, because the reader may assume another delimiter than the writer's: Russian Excel splits
on ``;``, others on ``,`` or tab, and a reader that splits a ``;`` file on ``,`` starts a new cell in the
middle of a quoted value ``"безопасно,=1+1"``. So the CSV form also puts the apostrophe after every
delimiter-like character (``,`` ``;`` tab, line breaks) inside a value that a trigger follows:
whatever the delimiter, no cell can start with a formula.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_TRIGGER_CLASS = "=+\\-@\t\r\n\uff1d\uff0b\uff0d\uff20"
_BLANKS = " \u00a0"

# One pass, no nested repetition: linear in the length of the value.
_CELL_START = re.compile(f"^([{_BLANKS}]*)(?=[{_TRIGGER_CLASS}])")
_CSV_CELL_START = re.compile(f'(^|[,;\t\r\n])([{_BLANKS}"]*)(?=[{_TRIGGER_CLASS}])')


def neutralise_formula(value: str) -> str:
    """For a cell of its own (XLSX): an apostrophe before a leading trigger."""
    return "'" + value if _CELL_START.match(value) else value


def neutralise_formula_csv(value: str) -> str:
    """For a CSV field: an apostrophe before a trigger at the start and after any delimiter inside."""
    return _CSV_CELL_START.sub(r"\1'\2", value)
