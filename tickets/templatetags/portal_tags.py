"""Template helpers of the portal pages."""

from __future__ import annotations

from typing import Any

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


@register.filter
def with_aria(bound_field: Any) -> str:
    """Render a form field's widget tied to its help text and errors for screen readers."""
    if not hasattr(bound_field, "as_widget"):
        return bound_field
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(described)} if described else {}
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)
