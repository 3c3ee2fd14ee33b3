"""Display data of queue rows, computed once in Python.

Rendering 50 rows through template lookups, filters and a ``{% url %}`` per row was most of the queue
page's CPU time; the template now only prints ready strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from tickets.models import Ticket
from tickets.statuses import Status

_STATUS_LABELS = dict(Status.choices)
_NUMBER_SLOT = "0"


@dataclass(frozen=True, slots=True)
class QueueRow:
    pk: int
    number: str
    url: str
    subject: str
    organization: str
    requester: str
    priority: int
    status: str
    status_label: str
    assignee: str
    css: str
    due_iso: str
    due_text: str
    overdue: bool
    snippet: str = ""  # a search's highlighted excerpt (already escaped)


def _row_class(ticket: Ticket) -> str:
    css = f"prio-{ticket.priority}"
    if ticket.first_response_breached or ticket.resolution_breached or ticket.ack_breached:
        return css + " breached"
    if ticket.ack_warned or ticket.first_response_warned or ticket.resolution_warned:
        return css + " warned"
    return css


def queue_rows(
    tickets: list[Ticket], *, now: datetime, snippets: Mapping[int, str] | None = None
) -> list[QueueRow]:
    # One reverse() for the page: the number is the only part that changes between rows.
    pattern = reverse("agent:ticket_detail", args=[_NUMBER_SLOT])
    head, tail = pattern.rsplit(_NUMBER_SLOT, 1)
    labels = {key: str(label) for key, label in _STATUS_LABELS.items()}  # one translation per status
    rows = []
    for t in tickets:
        number = t.display_number
        due = getattr(t, "next_due", None) or t.resolution_due
        local_due = timezone.localtime(due) if due else None
        requester = t.requester
        assignee = t.assignee
        rows.append(
            QueueRow(
                pk=t.pk,
                number=number,
                url=f"{head}{number}{tail}",
                subject=t.subject,
                organization=t.organization.name if t.organization_id else "",
                requester=(requester.full_name or requester.email) if requester else "",
                priority=t.priority,
                status=t.status,
                status_label=labels.get(t.status, t.status),
                assignee=assignee.get_full_name() if assignee else "",
                css=_row_class(t),
                due_iso=local_due.isoformat() if local_due else "",
                due_text=local_due.strftime("%d.%m %H:%M") if local_due else "",
                overdue=bool(due and due < now),
                snippet=snippets.get(t.pk, "") if snippets else "",
            )
        )
    return rows
