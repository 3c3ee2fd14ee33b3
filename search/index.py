"""Writing the search index: the domain services hand over ``Document``s for the text they just wrote.

There are no signals: ``tickets`` and ``kb`` call ``add`` (rows just created), ``put`` (rows whose text
changed) and ``remove`` at their few write points, in the same transaction as the write, so the index is
exactly as current as the data. ``rebuild`` recreates everything from the registered sources
(``manage.py search_rebuild``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from django.db import transaction

from search import fts
from search.models import Kind, SearchEntry, Weight
from search.text import index_text

WEIGHTS = {
    Kind.TICKET: Weight.TITLE,
    Kind.MESSAGE: Weight.TEXT,
    Kind.NOTE: Weight.TEXT,
    Kind.CONTACT: Weight.PERSON,
    Kind.ARTICLE_TITLE: Weight.TITLE,
    Kind.ARTICLE_BODY: Weight.TEXT,
}


@dataclass(frozen=True)
class Document:
    """One searchable text. ``parts`` are joined; ``ticket_id`` ties ticket and message texts to their
    ticket; ``public`` is False for what clients must never find (internal notes, internal articles)."""

    tenant_id: int
    kind: str
    object_id: int
    parts: tuple[str, ...]
    ticket_id: int | None = None
    public: bool = True

    def entry(self, model: type[SearchEntry] = SearchEntry) -> SearchEntry:
        return model(
            tenant_id=self.tenant_id,
            kind=self.kind,
            object_id=self.object_id,
            ticket_id=self.ticket_id,
            public=self.public,
            weight=WEIGHTS[Kind(self.kind)],
            terms=index_text(*self.parts),
        )


def add(documents: Iterable[Document]) -> None:
    """Index texts never indexed before (a new ticket, a new message): one INSERT (two on SQLite)."""
    entries = [entry for entry in (d.entry() for d in documents) if entry.terms]
    if entries:
        SearchEntry.objects.bulk_create(entries)
        fts.added(entries)


@transaction.atomic(savepoint=False)
def put(documents: Iterable[Document]) -> None:
    """Index texts that may already be indexed (an edited article, a renamed contact)."""
    documents = list(documents)
    if not documents:
        return
    keys = {(d.kind, d.object_id) for d in documents}
    existing = {
        (kind, object_id): pk
        for pk, kind, object_id in SearchEntry.objects.filter(
            kind__in={k for k, _ in keys}, object_id__in={o for _, o in keys}
        ).values_list("pk", "kind", "object_id")
        if (kind, object_id) in keys
    }
    fresh = []
    changed = []
    for document in documents:
        entry = document.entry()
        pk = existing.get((document.kind, document.object_id))
        if pk is None:
            fresh.append(document)
        elif not entry.terms:
            changed.append(SearchEntry(pk=pk, terms=""))
        else:
            entry.pk = pk
            changed.append(entry)
    emptied = [entry.pk for entry in changed if not entry.terms]
    kept = [entry for entry in changed if entry.terms]
    if emptied:
        SearchEntry.objects.filter(pk__in=emptied).delete()
    if kept:
        SearchEntry.objects.bulk_update(kept, ["ticket_id", "public", "weight", "terms"])
    fts.removed([entry.pk for entry in changed])
    fts.added(kept)
    add(fresh)


@transaction.atomic(savepoint=False)
def remove(kind: str, object_ids: Iterable[int]) -> None:
    ids = list(
        SearchEntry.objects.filter(kind=kind, object_id__in=list(object_ids)).values_list("pk", flat=True)
    )
    if ids:
        SearchEntry.objects.filter(pk__in=ids).delete()
        fts.removed(ids)


def move_to_ticket(*, entry_ticket_ids: Sequence[int], ticket_id: int) -> None:
    """Messages moved to another ticket (a merge): their entries follow; the texts are unchanged."""
    SearchEntry.objects.filter(ticket_id__in=list(entry_ticket_ids)).exclude(kind=Kind.TICKET).update(
        ticket_id=ticket_id
    )


# --- Rebuilding ---------------------------------------------------------------------------------------

# A source yields its documents for one tenant (or all when None), oldest first, so that entry ids grow
# with time as they do for live writes.
Source = Callable[[int | None], Iterator[Document]]
_sources: dict[str, tuple[Source, frozenset[str]]] = {}
BATCH = 2000


def register_source(name: str, source: Source, *, kinds: Iterable[str]) -> None:
    """``kinds``: the entry kinds this source writes (cleared before it is rebuilt)."""
    _sources[name] = (source, frozenset(kinds))


def rebuild(*, tenant_id: int | None = None, only: Iterable[str] | None = None) -> dict[str, int]:
    """Drop and recreate the entries of every registered source (or ``only`` those), for one tenant or
    all; returns the number of entries written per source."""
    wanted = set(only) if only is not None else set(_sources)
    counts: dict[str, int] = {}
    with transaction.atomic():
        for name, (source, kinds) in _sources.items():
            if name not in wanted:
                continue
            old = SearchEntry.objects.filter(kind__in=kinds)
            if tenant_id is not None:
                old = old.filter(tenant_id=tenant_id)
                fts.removed(list(old.values_list("pk", flat=True)))
            old.delete()
            counts[name] = 0
            documents = source(tenant_id)
            while batch := list(islice(documents, BATCH)):
                entries = [e for e in (d.entry() for d in batch) if e.terms]
                SearchEntry.objects.bulk_create(entries)
                if tenant_id is not None:
                    fts.added(entries)
                counts[name] += len(entries)
        if tenant_id is None:
            fts.rebuild()
    return counts


def fill(documents: Iterator[Document], *, model: type[SearchEntry] = SearchEntry) -> int:
    """Index ``documents`` into an empty index (the data migration, with its historical ``model``), then
    build the FTS5 table from the entries. Returns the number of entries."""
    count = 0
    while batch := list(islice(documents, BATCH)):
        entries = [e for e in (d.entry(model) for d in batch) if e.terms]
        model.objects.bulk_create(entries)
        count += len(entries)
    fts.rebuild()
    return count
