"""Template helpers of the portal pages."""

from __future__ import annotations

from django import template

from tickets.due_phrases import ticket_due_phrase
from tickets.models import Ticket

register = template.Library()


@register.filter
def due_phrase(ticket: Ticket) -> str:
    """``{{ ticket|due_phrase }}`` → "ответим до 14:00 завтра" (empty when nothing is due)."""
    return ticket_due_phrase(ticket)


@register.filter
def filesize(size: int) -> str:
    if size < 1024:
        return f"{size} Б"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} КБ"
    return f"{size / 1024 / 1024:.1f} МБ"
