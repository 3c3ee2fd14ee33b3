"""Reading the search index: which entries match a query, best first — the same on both databases.

Relevance is where the words were found (``Weight``: a subject or title above a person above a text),
then recency (newest entry first). Both are plain columns, so SQLite and PostgreSQL order alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from search import fts
from search.models import SearchEntry
from search.text import Matcher, Query

# For staff searches each kind contributes at most its newest matches: enough for any page a person reads,
# and what keeps a common word as fast as a rare one (the scan stops early).
NEWEST_PER_KIND = 500
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
        # EXISTS per candidate, not IN: a lead's scope is every ticket of the tenant, which SQLite would
        # otherwise materialise on every search.
        entries = entries.filter(Exists(tickets.order_by().filter(pk=OuterRef("ticket_id"))))
    if newest_per_kind is None:
        entries = fts.matching(entries, query.required, tenant_id=tenant_id)
    else:
        entries = entries.filter(
            fts.newest_matching(query, tenant_id=tenant_id, kinds=kinds, limit=newest_per_kind)
        )
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
    """Of ``ticket_ids``, those with any entry containing an excluded clause (``-слово``). One query, only
    when the query excludes something; the clauses are checked in Python over the few hundred tickets'
    stored terms (cheaper than the index's list of every entry with a common word, and alike on both
    databases)."""
    ids = list(ticket_ids)
    if not query.excluded or not ids:
        return set()
    # Only the ticket ids in SQL (their index); tenant, kind and visibility are checked on the rows, or
    # SQLite prefers the (tenant, kind) index and reads every entry of the tenant.
    rows = SearchEntry.objects.filter(ticket_id__in=ids).values_list(
        "ticket_id", "tenant_id", "kind", "public", "terms"
    )
    wanted = set(kinds)
    return _containing(
        query,
        (
            (ticket_id, terms)
            for ticket_id, entry_tenant, kind, public, terms in rows
            if entry_tenant == tenant_id and kind in wanted and (public or not public_only)
        ),
    )


def excluded_objects(
    query: Query, *, tenant_id: int, kinds: Sequence[str], object_ids: Iterable[int]
) -> set[int]:
    """Like ``excluded_tickets`` for objects without a ticket (articles): ids with an excluded word."""
    ids = list(object_ids)
    if not query.excluded or not ids:
        return set()
    entries = SearchEntry.objects.filter(tenant_id=tenant_id, kind__in=list(kinds), object_id__in=ids)
    return _containing(query, entries.values_list("object_id", "terms"))


def _containing(query: Query, rows: Iterable[tuple[int, str]]) -> set[int]:
    found = set()
    for key, terms in rows:
        if key not in found:
            words = terms.split()
            if any(_clause_in(clause, words) for clause in query.excluded):
                found.add(key)
    return found


def suggest(
    query: Query, *, tenant_id: int, kinds: Sequence[str], public_only: bool = False, limit: int = 5
) -> list[int]:
    """Object ids sharing the most words with ``query`` (any word, not all: for suggestions beside a
    subject being typed). Words of up to three letters ("не", "при") do not count. Scored in Python over
    the stored terms of the matching entries, so both databases rank alike: more words shared first, a
    word in the title over one in the body, then the newest."""
    clauses = tuple(c for c in query.required if len(c) > 1 or c[0].prefix or not c[0].text.isalpha())
    if not clauses or query.invalid:
        return []
    entries = SearchEntry.objects.filter(tenant_id=tenant_id, kind__in=list(kinds))
    if public_only:
        entries = entries.filter(public=True)
    entries = fts.matching(entries, clauses, tenant_id=tenant_id, any_of=True)
    shared: dict[int, set[int]] = {}
    best_weight: dict[int, int] = {}
    for object_id, weight, terms in entries.values_list("object_id", "weight", "terms")[:500]:
        words = terms.split()
        found = {i for i, clause in enumerate(clauses) if _clause_in(clause, words)}
        shared.setdefault(object_id, set()).update(found)
        best_weight[object_id] = max(best_weight.get(object_id, 0), weight if found else 0)
    needed = max(1, (len(clauses) + 1) // 2)
    ranked = sorted(
        (pk for pk, found in shared.items() if len(found) >= needed),
        key=lambda pk: (len(shared[pk]), best_weight[pk], pk),
        reverse=True,
    )
    return ranked[:limit]


def _clause_in(clause: Sequence[Matcher], words: Sequence[str]) -> bool:
    n = len(clause)
    return any(all(m.matches(words[i + k]) for k, m in enumerate(clause)) for i in range(len(words) - n + 1))
