"""Row writes for the hot paths of the ticket services (mail ingest creates thousands of tickets).

On PostgreSQL several new rows go out in one statement (data-modifying CTEs) and the INSERT text of a
model and column set is compiled once; everywhere else, and for models with save signals, rows are
saved one by one the ordinary way. Nothing here knows about tickets: it writes whatever rows it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model, signals
from django.db.models.expressions import RawSQL
from django.db.models.sql import InsertQuery

# INSERT text per (model, columns, RETURNING, inline SQL values): compiled once, then only the
# parameters are prepared. Django's compiler rebuilt the same text on every save of the wide ticket row.
insert_sql_cache: dict[tuple[Any, ...], str] = {}


def insert_sql(obj: Model, *, returning: Sequence[Field] | None = None) -> tuple[str, list[Any]]:
    """The INSERT ``obj.save(force_insert=True)`` would run, as SQL and parameters, not executed.
    A value may be a parameterless ``RawSQL`` (inlined); other expressions go through the compiler."""
    meta = obj._meta
    pk_set = obj._is_pk_set(meta)
    fields = [
        f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field)
    ]
    values = [f.pre_save(obj, add=True) for f in fields]
    inline = tuple((f.attname, v.sql) for f, v in zip(fields, values, strict=True) if is_inline_sql(v))
    cacheable = not any(
        hasattr(f, "get_placeholder") or (hasattr(v, "resolve_expression") and not is_inline_sql(v))
        for f, v in zip(fields, values, strict=True)
    )
    key = (connection.alias, type(obj), tuple(f.attname for f in fields), tuple(returning or ()), inline)
    if cacheable and key in insert_sql_cache:
        params = [
            f.get_db_prep_save(v, connection=connection)
            for f, v in zip(fields, values, strict=True)
            if not is_inline_sql(v)
        ]
        return insert_sql_cache[key], params
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    compiler = query.get_compiler(connection=connection)
    compiler.returning_fields = list(returning) if returning else None
    [(sql, params)] = compiler.as_sql()
    if cacheable:
        insert_sql_cache[key] = sql
    return sql, list(params)


def is_inline_sql(value: object) -> bool:
    return isinstance(value, RawSQL) and not value.params


def insert_together(objs: Sequence[Model]) -> None:
    """Save new rows in one statement on PostgreSQL (data-modifying CTEs): one round trip instead of
    one per row. Only the last row's generated columns (its pk) are read back; the others' stay unset,
    so use it for rows nothing reads again. Anything with save signals, and SQLite, saves one by one.
    """
    if connection.vendor != "postgresql" or any(
        signals.pre_save.has_listeners(type(obj)) or signals.post_save.has_listeners(type(obj))
        for obj in objs
    ):
        for obj in objs:
            obj.save(force_insert=True)
        return
    *leading, last = objs
    parts = [insert_sql(obj) for obj in leading]
    last_sql, last_params = insert_sql(last, returning=last._meta.db_returning_fields)
    ctes = ", ".join(f"_row{i} AS ({sql})" for i, (sql, _) in enumerate(parts))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {ctes} {last_sql}" if parts else last_sql,
            [param for _, params in parts for param in params] + last_params,
        )
        returned = cursor.fetchone()
    for value, field in zip(returned, last._meta.db_returning_fields, strict=True):
        setattr(last, field.attname, value)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
