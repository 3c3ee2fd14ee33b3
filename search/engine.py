"""Reading the search index: which entries match a query, best first — the same on both databases.

Relevance is where the words were found (``Weight``: a subject or title above a person above a text),
then recency (newest entry first). Both are plain columns, so SQLite and PostgreSQL order alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from search import fts
from search.models import SearchEntry
from search.text import Query

# For staff searches each kind contributes at most its newest matches: enough for any page a person reads,
# and what keeps a common word as fast as a rare one (the scan stops early).
NEWEST_PER_KIND = 1000
MAX_HITS = 200


@dataclass(frozen=True, slots=True)
class Hit:
    entry_id: int
    kind: str
    object_id: int
    ticket_id: int | None
    weight: int


def find(
    query: Query,
    *,
    tenant_id: int,
    kinds: Sequence[str],
    tickets: QuerySet | None = None,
    public_only: bool = False,
    newest_per_kind: int | None = NEWEST_PER_KIND,
    limit: int = MAX_HITS,
) -> list[Hit]:
    """Entries of ``tenant_id`` and ``kinds`` matching every required clause of ``query``, best first.

    ``tickets``: only entries of these tickets (a queryset of the caller's scope, joined as a subquery).
    ``newest_per_kind=None`` looks at every match — for narrow scopes such as one client's tickets or a
    tenant's articles, where a cap on the tenant's newest matches could hide the few that are in scope.
    One query.
    """
    if not query:
        return []
    entries = SearchEntry.objects.filter(tenant_id=tenant_id, kind__in=list(kinds))
    if public_only:
        entries = entries.filter(public=True)
    if tickets is not None:
        entries = entries.filter(ticket_id__in=tickets.order_by().values("pk"))
    if newest_per_kind is None:
        entries = fts.matching(entries, query.required, tenant_id=tenant_id)
    else:
        condition = Q()
        for kind in kinds:
            condition |= fts.newest_matching(query, tenant_id=tenant_id, kind=kind, limit=newest_per_kind)
        entries = entries.filter(condition)
    rows = entries.order_by("-weight", "-id").values_list("pk", "kind", "object_id", "ticket_id", "weight")
    return [Hit(*row) for row in rows[:limit]]


def excluded_tickets(
    query: Query,
    *,
    tenant_id: int,
    ticket_ids: Iterable[int],
    kinds: Sequence[str],
    public_only: bool = False,
) -> set[int]:
    """Of ``ticket_ids``, those with any entry matching an excluded clause (``-слово``). One query, and
    only when the query excludes something."""
    ids = list(ticket_ids)
    if not query.excluded or not ids:
        return set()
    entries = SearchEntry.objects.filter(tenant_id=tenant_id, kind__in=list(kinds), ticket_id__in=ids)
    if public_only:
        entries = entries.filter(public=True)
    entries = fts.matching(entries, query.excluded, tenant_id=tenant_id, any_of=True)
    return set(entries.values_list("ticket_id", flat=True))


def excluded_objects(
    query: Query, *, tenant_id: int, kinds: Sequence[str], object_ids: Iterable[int]
) -> set[int]:
    """Like ``excluded_tickets`` for objects without a ticket (articles): ids with an excluded word."""
    ids = list(object_ids)
    if not query.excluded or not ids:
        return set()
    entries = SearchEntry.objects.filter(tenant_id=tenant_id, kind__in=list(kinds), object_id__in=ids)
    entries = fts.matching(entries, query.excluded, tenant_id=tenant_id, any_of=True)
    return set(entries.values_list("object_id", flat=True))
