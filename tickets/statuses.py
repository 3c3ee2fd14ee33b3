"""Ticket statuses and the explicit table of allowed transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    NEW = "new", _("Новая")
    OPEN = "open", _("В работе")
    WAITING = "waiting", _("Ожидает клиента")
    IN_DEVELOPMENT = "in_development", _("В разработке")
    RESOLVED = "resolved", _("Решена")
    CLOSED = "closed", _("Закрыта")


ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset(
        {Status.OPEN, Status.WAITING, Status.IN_DEVELOPMENT, Status.RESOLVED, Status.CLOSED}
    ),
    Status.OPEN: frozenset({Status.WAITING, Status.IN_DEVELOPMENT, Status.RESOLVED, Status.CLOSED}),
    Status.WAITING: frozenset({Status.OPEN, Status.IN_DEVELOPMENT, Status.RESOLVED, Status.CLOSED}),
    Status.IN_DEVELOPMENT: frozenset({Status.OPEN, Status.WAITING, Status.RESOLVED, Status.CLOSED}),
    # A client's objection ("Не согласен") sends a resolved ticket back to work.
    Status.RESOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    # Closed is final: a later message reopens nothing here, it is handled by the tenant's
    # closed-reply policy (see tickets.services.ticket_reopen_closed) or opens a follow-up ticket.
    Status.CLOSED: frozenset(),
}

OPEN_STATUSES = frozenset({Status.NEW, Status.OPEN, Status.WAITING, Status.IN_DEVELOPMENT})
ACTIVE_STATUSES = OPEN_STATUSES | {Status.RESOLVED}


class InvalidTransition(Exception):
    """A status change the transition table does not allow."""

    def __init__(self, current: str, target: str) -> None:
        self.current = current
        self.target = target
        super().__init__(
            f"Status change {current!r} → {target!r} is not allowed "
            f"(allowed from {current!r}: {sorted(ALLOWED_TRANSITIONS.get(current, ())) or 'none'})."
        )


def check_transition(current: str, target: str) -> None:
    if target not in Status.values:
        raise InvalidTransition(current, target)
    if target not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(current, target)
