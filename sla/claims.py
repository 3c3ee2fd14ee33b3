"""Claiming rows exactly once: lock what matches (skipping rows another worker holds) and flip a flag."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import QuerySet

CHUNK = 5000


def chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def claim(queryset: QuerySet[Any], flag_updates: dict[str, Any], *, skip_locked: bool = True) -> list[int]:
    """Lock the matching rows, set ``flag_updates`` on them and return their primary keys.

    Must run inside a transaction. Rows are locked in primary-key order, so claimers that wait for each
    other cannot deadlock. ``skip_locked=False`` waits for rows other transactions hold, then re-checks
    them against the filter, instead of leaving them for a later pass: needed where several kinds of
    claim share one row (a clock's three deadlines and its warnings), or two passes each busy with a
    different kind could both skip the same row for the third. The queryset's filter must exclude rows whose flag is already set, so
    that a row claimed by a concurrent transaction (re-checked by PostgreSQL once its lock is released,
    or skipped while it is held) is never returned twice. On PostgreSQL this is one
    ``UPDATE … WHERE pk = ANY(ARRAY(SELECT … FOR UPDATE [SKIP LOCKED])) RETURNING pk``; elsewhere (SQLite
    holds the database write lock for the whole transaction) a select and a chunked update.
    """
    model = queryset.model
    if connection.vendor == "postgresql":
        locking = queryset.order_by("pk").select_for_update(skip_locked=skip_locked)
        select_sql, params = locking.values("pk").query.sql_with_params()
        quote = connection.ops.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        assignments = ", ".join(f"{quote(model._meta.get_field(name).column)} = %s" for name in flag_updates)
        with connection.cursor() as cursor:
            cursor.execute(
                # "= ANY(ARRAY(…))" makes the locked keys an init-plan array probed through the primary key;
                # "IN (…)" lets the planner pick a hash join over a sequential scan of the whole table.
                f"UPDATE {table} SET {assignments} WHERE {pk} = ANY(ARRAY({select_sql})) RETURNING {pk}",  # noqa: S608
                [*flag_updates.values(), *params],
            )
            return [row[0] for row in cursor.fetchall()]
    ids = list(
        queryset.order_by("pk").select_for_update(skip_locked=skip_locked).values_list("pk", flat=True)
    )
    for chunk in chunks(ids):
        model.objects.filter(pk__in=chunk).update(**flag_updates)
    return ids
