"""The ticket journal (SaveIT's appendix 1): ``manage.py journal`` and the agent UI's export share it."""

from reports.journal.columns import JOURNAL_COLUMNS, Column, Kind, journal_records, journal_tickets
from reports.journal.formats import (
    XLSX_CONTENT_TYPE,
    Dialect,
    journal_csv,
    journal_csv_chunks,
    journal_json,
    journal_xlsx,
)

__all__ = [
    "JOURNAL_COLUMNS",
    "XLSX_CONTENT_TYPE",
    "Column",
    "Dialect",
    "Kind",
    "journal_csv",
    "journal_csv_chunks",
    "journal_json",
    "journal_records",
    "journal_tickets",
    "journal_xlsx",
]
