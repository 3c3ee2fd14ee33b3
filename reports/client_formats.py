"""The client SLA report as XLSX (openpyxl) and PDF (WeasyPrint, from the same HTML as the portal page)."""

from __future__ import annotations

import functools
import io
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from reports.cells import neutralise_formula
from reports.clients import ClientReport
from tickets.models import Priority
from tickets.statuses import Status


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return _("%(h)s ч %(m)02d мин") % {"h": hours, "m": rest}


def ticket_rows(report: ClientReport) -> list[dict[str, Any]]:
    """The month's requests as a person reads them (labels, local times)."""
    statuses, priorities = dict(Status.choices), dict(Priority.choices)
    rows = []
    for record in report.tickets:
        breached = (
            record["ack_breached"] or record["first_response_breached"] or record["resolution_breached"]
        )
        rows.append(
            {
                "number": record["number"],
                "subject": record["subject"],
                "requester": record["requester_name"] or record["requester"] or "",
                "priority": str(priorities.get(record["priority"], record["priority"])),
                "status": str(statuses.get(record["status"], record["status"])),
                "created": record["created"].astimezone(report.tz).replace(tzinfo=None),
                "resolved": record["resolved_at"].astimezone(report.tz).replace(tzinfo=None)
                if record["resolved_at"]
                else None,
                "breached": breached,
                "minutes_booked": record["minutes_booked"],
            }
        )
    return rows


def client_report_context(report: ClientReport) -> dict[str, Any]:
    return {
        "report": report,
        "rows": ticket_rows(report),
        "booked_text": duration_text(report.minutes_booked),
        "spent_text": duration_text(report.minutes_spent),
    }


def client_report_xlsx(report: ClientReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook()
    summary = workbook.active
    summary.title = _("Сводка")
    summary.append([_("Отчёт SLA"), f"{report.organization.name} — {report.month.label}"])
    summary.append([_("Исполнитель"), report.tenant.name])
    summary.append([])
    summary.append([_("Приоритет"), _("Заявок"), _("Решено"), _("Сроки соблюдены"), _("С нарушением")])
    for row in report.priorities:
        summary.append([row.label, row.total, row.done, row.met, row.breached])
    summary.append([_("Всего"), report.total])
    summary.append([])
    summary.append(
        [_("Срок"), _("Установлен"), _("Соблюдён"), _("Нарушен"), _("Ещё идёт"), _("Соблюдено, %")]
    )
    for clock in report.clocks:
        summary.append(
            [clock.label, clock.with_deadline, clock.met, clock.breached, clock.running, clock.percent_met]
        )
    summary.append([])
    summary.append([_("Учтено времени, мин"), report.minutes_booked])
    if report.unit_minutes:
        summary.append([_("Единиц учёта по %(n)s мин") % {"n": report.unit_minutes}, report.units_booked])
    for cells in summary.iter_rows():
        if cells and isinstance(cells[0].value, str) and cells[0].value in (_("Приоритет"), _("Срок")):
            for cell in cells:
                cell.font = bold
    summary.column_dimensions["A"].width = 30
    for letter in "BCDEF":
        summary.column_dimensions[letter].width = 16

    sheet = workbook.create_sheet(_("Заявки"))
    header = [
        _("Номер"),
        _("Тема"),
        _("Заявитель"),
        _("Приоритет"),
        _("Статус"),
        _("Создана"),
        _("Решена"),
        _("Нарушение SLA"),
        _("Учтено, мин"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = bold
    for row in ticket_rows(report):
        sheet.append(
            [
                row["number"],
                neutralise_formula(row["subject"]),
                neutralise_formula(row["requester"]),
                row["priority"],
                row["status"],
                row["created"],
                row["resolved"],
                _("да") if row["breached"] else _("нет"),
                row["minutes_booked"],
            ]
        )
    for cells in sheet.iter_rows(min_row=2):
        for index in (5, 6):
            cells[index].number_format = "DD.MM.YYYY HH:MM"
    for letter, width in zip("ABCDEFGHI", (11, 48, 26, 16, 16, 17, 17, 12, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the system libraries it needs (Pango) are not installed."""


@functools.cache
def pdf_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def client_report_pdf(report: ClientReport) -> bytes:
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable(str(exc)) from exc
    html = render_to_string("reports/client_report_pdf.html", client_report_context(report))
    stylesheet = finders.find("css/client_report_pdf.css")
    # The document loads nothing but the stylesheet given here: no network, no files named by data.
    return HTML(string=html, url_fetcher=_refuse).write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None
    )


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the client report loads no resources ({url[:80]})")
