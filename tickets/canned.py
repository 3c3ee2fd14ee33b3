"""Canned responses: a tenant's reply templates with placeholders filled from the ticket."""

from __future__ import annotations

import string
from typing import Any

from tickets.models import CannedResponse, Ticket

PLACEHOLDERS = ("client_name", "ticket_number", "ticket_subject", "agent_name", "organization", "tenant_name")


class _KeepUnknown(dict[str, str]):
    # A typo such as {clientname} stays visible in the draft instead of raising or vanishing.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholder_values(*, ticket: Ticket, agent: Any) -> dict[str, str]:
    requester = ticket.requester
    return {
        "client_name": (requester.full_name or requester.email) if requester else "",
        "ticket_number": ticket.display_number,
        "ticket_subject": ticket.subject,
        "agent_name": agent.get_full_name() if agent is not None else "",
        "organization": ticket.organization.name if ticket.organization else "",
        "tenant_name": ticket.tenant.name,
    }


def render_canned(response: CannedResponse, *, ticket: Ticket, agent: Any) -> str:
    """The template's text with known placeholders filled; braces that are not placeholders are kept."""
    values = _KeepUnknown(placeholder_values(ticket=ticket, agent=agent))
    try:
        return string.Formatter().vformat(response.body, (), values)
    except (ValueError, IndexError, AttributeError, KeyError):
        # An unbalanced brace or "{0}" in free text: fall back to plain replacement of what we know.
        text = response.body
        for key in PLACEHOLDERS:
            text = text.replace("{" + key + "}", values[key])
        return text
