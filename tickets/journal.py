"""The ticket journal (SaveIT's appendix 1): one row per ticket, shared by the command and the UI export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from helpdesk.models import Tenant
from tickets.models import Ticket

JOURNAL_COLUMNS: list[tuple[str, str]] = [
    ("number", "Номер"),
    ("subject", "Тема"),
    ("organisation", "Организация"),
    ("requester", "Заявитель"),
    ("priority", "Приоритет"),
    ("status", "Статус"),
    ("sla_tier", "Уровень SLA"),
    ("assignee", "Исполнитель"),
    ("created", "Создана"),
    ("first_response_due", "Срок первого ответа"),
    ("first_response_at", "Первый ответ"),
    ("resolution_due", "Срок решения"),
    ("resolved_at", "Решена"),
    ("first_response_breached", "Первый ответ просрочен"),
    ("resolution_breached", "Решение просрочено"),
]


def journal_queryset(tenant: Tenant) -> QuerySet[Ticket]:
    return (
        Ticket.objects.for_tenant(tenant)
        .select_related("tenant", "organization", "requester", "sla_tier", "assignee")
        .order_by("number")
    )


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def journal_rows(tickets: Iterable[Ticket]) -> Iterator[dict[str, Any]]:
    for t in tickets:
        yield {
            "number": t.display_number,
            "subject": t.subject,
            "organisation": t.organization.name if t.organization else None,
            "requester": t.requester.email if t.requester else None,
            "priority": t.priority,
            "status": t.status,
            "sla_tier": t.sla_tier.name if t.sla_tier else None,
            "assignee": t.assignee.email if t.assignee else None,
            "created": _iso(t.created_at),
            "first_response_due": _iso(t.first_response_due),
            "first_response_at": _iso(t.first_response_at),
            "resolution_due": _iso(t.resolution_due),
            "resolved_at": _iso(t.resolved_at),
            "first_response_breached": t.first_response_breached,
            "resolution_breached": t.resolution_breached,
        }


def neutralise_formula(value: Any) -> Any:
    """Spreadsheet formula injection: a cell starting with = + - @ (or tab/CR) is prefixed with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def journal_csv(rows: Iterable[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([title for _, title in JOURNAL_COLUMNS])
    for row in rows:
        writer.writerow(
            ["" if row[key] is None else neutralise_formula(row[key]) for key, _ in JOURNAL_COLUMNS]
        )
    return out.getvalue()


def journal_xlsx(rows: Iterable[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Журнал")
    sheet.append([title for _, title in JOURNAL_COLUMNS])
    for row in rows:
        sheet.append([neutralise_formula(row[key]) for key, _ in JOURNAL_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
