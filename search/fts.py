"""The full-text index itself: the only raw SQL of the search (the ORM cannot declare an FTS5 table, a
generated ``tsvector`` column or their match operators).

Both databases index ``SearchEntry.terms`` — terms already normalised and stemmed by ``search.text`` — and
split them only on spaces, so they match exactly the same rows:

* **SQLite**: an FTS5 table ``search_fts`` (``terms``, ``scope``) whose rowid is the entry's id. ``scope``
  holds ``t<tenant id> k<kind>`` so that "this tenant's messages, newest first" is answered inside FTS5 and
  stops after the first N hits. It is written here, by the same code that writes the entries (no
  triggers), and rebuilt from the entries by ``manage.py search_rebuild``.
* **PostgreSQL**: a stored generated column ``vector = to_tsvector('simple', terms)`` (the ``simple``
  configuration only lower-cases; the stemming is already done) with a GIN index on
  ``(tenant_id, vector)`` (``btree_gin``; without the extension, on ``vector`` alone).

Query words become FTS5 phrases (``"печа"*``, ``"sv" + "1042"``) or ``tsquery`` lexemes
(``'печа':*``, ``'sv' <-> '1042'``); both only ever contain ``[0-9a-zа-я]`` terms from ``search.text``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from search.models import SearchEntry
from search.text import Matcher, Query

FTS_TABLE = "search_fts"
TABLE = SearchEntry._meta.db_table


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def scope(tenant_id: int, kind: str) -> str:
    return f"t{tenant_id} k{kind.replace('_', '')}"


# --- Schema (called by the migration) ------------------------------------------------------------


def install(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
                "terms, scope, tokenize = 'unicode61 remove_diacritics 0')"
            )
        elif vendor == "postgresql":
            cursor.execute(
                f"ALTER TABLE {TABLE} ADD COLUMN IF NOT EXISTS vector tsvector "
                "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED"
            )
            columns = "tenant_id, vector" if _btree_gin(cursor) else "vector"
            cursor.execute(f"CREATE INDEX IF NOT EXISTS search_entry_vector ON {TABLE} USING gin ({columns})")


def _btree_gin(cursor: Any) -> bool:
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
    if cursor.fetchone() is not None:
        return True
    try:
        cursor.execute("SAVEPOINT search_btree_gin")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        cursor.execute("RELEASE SAVEPOINT search_btree_gin")
        return True
    except Exception:  # no privilege: the index on the vector alone still serves, a little slower
        cursor.execute("ROLLBACK TO SAVEPOINT search_btree_gin")
        return False


def uninstall(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
        elif vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS search_entry_vector")
            cursor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS vector")


# --- Keeping the FTS5 table in step with the entries (PostgreSQL's column follows by itself) ----------


def added(entries: Sequence[SearchEntry]) -> None:
    if not entries or not _sqlite():
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, terms, scope) VALUES (%s, %s, %s)",  # noqa: S608 - our table
            [(e.pk, e.terms, scope(e.tenant_id, e.kind)) for e in entries],
        )


def removed(entry_ids: Iterable[int]) -> None:
    ids = list(entry_ids)
    if not ids or not _sqlite():
        return
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", chunk)  # noqa: S608


def rebuild() -> None:
    """The FTS5 table anew from the entries (SQLite); nothing to do on PostgreSQL."""
    if not _sqlite():
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
        cursor.execute(
            f"INSERT INTO {FTS_TABLE} (rowid, terms, scope) "  # noqa: S608
            f"SELECT id, terms, 't' || tenant_id || ' k' || replace(kind, '_', '') FROM {TABLE} ORDER BY id"
        )
        cursor.execute(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('optimize')")  # noqa: S608


# --- Matching -----------------------------------------------------------------------------------------


def _fts_clause(clause: Sequence[Matcher]) -> str:
    return " + ".join(f'"{m.text}"' + ("*" if m.prefix else "") for m in clause)


def _ts_clause(clause: Sequence[Matcher]) -> str:
    return " <-> ".join(f"'{m.text}'" + (":*" if m.prefix else "") for m in clause)


def fts_expression(clauses: Sequence[Sequence[Matcher]], *, any_of: bool = False) -> str:
    joiner = " OR " if any_of else " AND "
    return joiner.join(f"({_fts_clause(c)})" for c in clauses)


def ts_expression(clauses: Sequence[Sequence[Matcher]], *, any_of: bool = False) -> str:
    joiner = " | " if any_of else " & "
    return joiner.join(f"({_ts_clause(c)})" for c in clauses)


def _vector_match(tsquery: str) -> RawSQL:
    # The column is left unqualified on purpose: inside a subquery Django aliases the table (U0), and a
    # qualified "search_searchentry"."vector" would silently correlate with the outer query instead.
    return RawSQL(  # noqa: S611 - the column is ours, the query text is a parameter
        '"vector" @@ CAST(%s AS tsquery)', (tsquery,), output_field=BooleanField()
    )


def matching(
    entries: QuerySet[SearchEntry],
    clauses: Sequence[Sequence[Matcher]],
    *,
    tenant_id: int,
    any_of: bool = False,
) -> QuerySet[SearchEntry]:
    """``entries`` (already of ``tenant_id``) narrowed to those matching all (or any) ``clauses``."""
    if _sqlite():
        expression = f'terms : ({fts_expression(clauses, any_of=any_of)}) AND scope : "t{tenant_id}"'
        return entries.filter(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", (expression,))  # noqa: S608, S611
        )
    return entries.filter(_vector_match(ts_expression(clauses, any_of=any_of)))


def newest_matching(query: Query, *, tenant_id: int, kinds: Sequence[str], limit: int) -> Q:
    """A condition on entries: among the ``limit`` newest entries of this tenant matching ``query``, for
    each of ``kinds``. Both databases stop after ``limit`` hits per kind: FTS5 walks its rowids backwards;
    PostgreSQL picks a scan of ``search_entry_recent`` for common words and the GIN index for rare ones,
    and the union of the kinds' ids drives the outer query through the primary key."""
    if _sqlite():
        # One list of rowids (a UNION ALL of the kinds' newest hits): SQLite then fetches the entries by
        # rowid instead of scanning the tenant's entries and probing several lists (3× the time at 100k).
        parts, params = [], []
        for kind in kinds:
            parts.append(
                f"SELECT rowid FROM (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s "  # noqa: S608
                "ORDER BY rowid DESC LIMIT %s)"
            )
            expression = (
                f'terms : ({fts_expression(query.required)}) AND scope : ("t{tenant_id}" AND '
                f'"k{kind.replace("_", "")}")'
            )
            params += [expression, limit]
        return Q(pk__in=RawSQL(" UNION ALL ".join(parts), params))  # noqa: S611
    per_kind = [
        SearchEntry.objects.filter(tenant_id=tenant_id, kind=kind)
        .filter(_vector_match(ts_expression(query.required)))
        .order_by("-id")
        .values("id")[:limit]
        for kind in kinds
    ]
    return Q(pk__in=per_kind[0].union(*per_kind[1:], all=True) if len(per_kind) > 1 else per_kind[0])
