"""Bulk actions of the queue page: each ticket goes through the ordinary service, failures are collected."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from helpdesk.models import User
from tickets.models import Ticket
from tickets.services import TicketError, ticket_assign, ticket_set_priority, ticket_set_status
from tickets.services.merging import ticket_merge
from tickets.statuses import InvalidTransition


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def bulk_apply(
    *,
    tickets: Sequence[Ticket],
    action: str,
    actor: User,
    assignee: User | None = None,
    status: str = "",
    priority: int | None = None,
    reason: str = "",
) -> BulkResult:
    """Apply one action to several tickets; one refused ticket does not undo the others.

    ``merge`` folds every selected ticket into the oldest one (the lowest number)."""
    result = BulkResult()
    if action == "merge":
        if len(tickets) < 2:
            result.failed.append(("", "Для объединения выберите хотя бы две заявки."))
            return result
        survivor, *rest = sorted(tickets, key=lambda t: t.number)
        tickets = rest
    for ticket in tickets:
        try:
            if action == "assign":
                ticket_assign(ticket=ticket, assignee=assignee, actor=actor, reason=reason)
            elif action == "status":
                ticket_set_status(ticket=ticket, status=status, actor=actor, reason=reason)
            elif action == "priority" and priority is not None:
                ticket_set_priority(ticket=ticket, priority=priority, actor=actor, reason=reason)
            elif action == "merge":
                ticket_merge(source=ticket, target=survivor, actor=actor, reason=reason)
            else:
                raise TicketError(f"Unknown bulk action {action!r}.")
        except (TicketError, InvalidTransition) as exc:
            result.failed.append((ticket.display_number, str(exc)))
        else:
            result.done.append(ticket.display_number)
    return result
