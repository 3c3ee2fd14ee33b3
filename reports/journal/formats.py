"""The journal as JSON (for programs), CSV and XLSX (for people).

CSV comes in two dialects: ``excel-ru`` (the default and the UI's) is what Russian Excel opens with a
double click — UTF-8 with a byte-order mark, ``;`` between fields, CRLF line ends, dates as
``ДД.ММ.ГГГГ ЧЧ:ММ``; ``rfc4180`` is plain RFC 4180 (UTF-8 without BOM, ``,``). Both quote every field and
neutralise formulas (``reports.cells``). XLSX has real date-time cells in the tenant's time zone, labels,
column widths, a frozen header and an autofilter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from enum import Enum
from typing import Any

from django.utils.translation import gettext as _

from reports.cells import neutralise_formula, neutralise_formula_csv
from reports.journal.columns import JOURNAL_COLUMNS, Column, Kind
from tickets.models import Priority, Ticket
from tickets.statuses import Status

DATETIME_TEXT = "%d.%m.%Y %H:%M"
DATETIME_CELL = "DD.MM.YYYY HH:MM"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Dialect(Enum):
    EXCEL_RU = "excel-ru"
    RFC4180 = "rfc4180"


def journal_json(records: Iterable[dict[str, Any]], *, tz: tzinfo) -> list[dict[str, Any]]:
    """Codes, numbers and booleans as they are; times as ISO 8601 with the tenant's offset; None stays."""
    out = []
    for record in records:
        row = dict(record)
        for column in JOURNAL_COLUMNS:
            if column.kind is Kind.DATETIME and row[column.key] is not None:
                row[column.key] = row[column.key].astimezone(tz).isoformat()
        out.append(row)
    return out


class _Labels:
    """Translated labels, looked up once per export rather than once per cell."""

    def __init__(self) -> None:
        self.status = {code: str(label) for code, label in Status.choices}
        self.priority = {code: str(label) for code, label in Priority.choices}
        self.channel = {code: str(label) for code, label in Ticket._meta.get_field("channel").choices}
        self.flag = {True: _("да"), False: _("нет")}

    def human(self, column: Column, value: Any, tz: tzinfo) -> Any:
        """The value a person reads: a label, "да"/"нет", a local naive datetime, minutes, or text."""
        if value is None:
            return None
        kind = column.kind
        if kind is Kind.DATETIME:
            return value.astimezone(tz).replace(tzinfo=None)
        if kind is Kind.FLAG:
            return self.flag[bool(value)]
        if kind is Kind.STATUS:
            return self.status.get(value, value)
        if kind is Kind.PRIORITY:
            return self.priority.get(value, str(value))
        if kind is Kind.CHANNEL:
            return self.channel.get(value, value)
        if kind is Kind.MINUTES:
            return int(value)
        return str(value)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(DATETIME_TEXT)
    return neutralise_formula_csv(str(value))


def journal_csv_chunks(records: Iterable[dict[str, Any]], *, tz: tzinfo, dialect: Dialect) -> Iterator[str]:
    """The CSV text in pieces (header first), so that a large journal streams."""
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=";" if dialect is Dialect.EXCEL_RU else ",",
        quoting=csv.QUOTE_ALL,
        lineterminator="\r\n",
    )
    labels = _Labels()

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow([_csv_cell(str(column.title)) for column in JOURNAL_COLUMNS])
    yield ("\ufeff" if dialect is Dialect.EXCEL_RU else "") + flush()
    for i, record in enumerate(records, 1):
        writer.writerow([_csv_cell(labels.human(c, record[c.key], tz)) for c in JOURNAL_COLUMNS])
        if i % 500 == 0:
            yield flush()
    yield flush()


def journal_csv(records: Iterable[dict[str, Any]], *, tz: tzinfo, dialect: Dialect = Dialect.EXCEL_RU) -> str:
    return "".join(journal_csv_chunks(records, tz=tz, dialect=dialect))


def journal_xlsx(records: Iterable[dict[str, Any]], *, tz: tzinfo) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Журнал"))
    for index, column in enumerate(JOURNAL_COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"
    header_font, header_alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    header = []
    for column in JOURNAL_COLUMNS:
        cell = WriteOnlyCell(sheet, value=neutralise_formula(str(column.title)))
        cell.font, cell.alignment = header_font, header_alignment
        header.append(cell)
    sheet.append(header)
    labels = _Labels()
    rows = 0
    for record in records:
        cells: list[Any] = []
        for column in JOURNAL_COLUMNS:
            value = labels.human(column, record[column.key], tz)
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATETIME_CELL
                cells.append(cell)
            else:
                cells.append(neutralise_formula(value) if isinstance(value, str) else value)
        sheet.append(cells)
        rows += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(JOURNAL_COLUMNS))}{rows + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
