"""Similar open tickets of the same client, shown before they open a duplicate (Microimpuls)."""

from __future__ import annotations

from tickets.forms.subject_rules import normalise_subject
from tickets.models import Ticket, TicketQuerySet

# Words that say nothing about which problem it is.
_NOISE = frozenset(
    {"не", "нет", "работает", "работают", "ошибка", "проблема", "вопрос", "после", "при", "для", "как", "что"}
)
_STEM = 5
_CANDIDATES = 200


def _stems(text: str) -> set[str]:
    # A crude stem (the first letters) is enough to match "выгрузка"/"выгрузки"/"выгрузкой".
    return {word[:_STEM] for word in normalise_subject(text).split() if len(word) >= 3 and word not in _NOISE}


def similar_open_tickets(candidates: TicketQuerySet, subject: str, *, limit: int = 5) -> list[Ticket]:
    """Open tickets among ``candidates`` whose subjects share most of the meaningful words of ``subject``.

    Compared in Python over the client's recent open tickets: case-insensitive for Cyrillic on
    every database, and a client never has so many open tickets that this matters.
    """
    wanted = _stems(subject)
    if not wanted:
        return []
    scored = []
    recent = candidates.open().select_related("tenant").order_by("-created_at")[:_CANDIDATES]
    for ticket in recent:
        shared = len(wanted & _stems(ticket.subject))
        if shared >= 2 or (shared and shared * 2 >= len(wanted)):
            scored.append((shared, ticket.created_at, ticket))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [ticket for _, _, ticket in scored[:limit]]
