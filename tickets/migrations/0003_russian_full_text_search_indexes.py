"""GIN indexes for the agent search (PostgreSQL only; SQLite searches with icontains).

The expressions must stay identical to the ones in ``tickets.search`` for the planner to use them.
``btree_gin`` lets one GIN index hold ``tenant_id`` next to the text vector, so a search inside one
tenant intersects posting lists instead of filtering every tenant's matches afterwards.
"""

from django.db import migrations

INDEXES = {
    "ticket_subject_fts": (
        "tickets_ticket",
        "to_tsvector('russian'::regconfig, subject)",
    ),
    "message_body_fts": (
        "tickets_message",
        "to_tsvector('russian'::regconfig, body_text)",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'btree_gin'")
        has_btree_gin = cursor.fetchone() is not None
        if not has_btree_gin:
            try:
                cursor.execute("SAVEPOINT btree_gin")
                cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
                cursor.execute("RELEASE SAVEPOINT btree_gin")
                has_btree_gin = True
            except Exception:  # no privilege: a plain text index still serves, a little slower
                cursor.execute("ROLLBACK TO SAVEPOINT btree_gin")
        for name, (table, expression) in INDEXES.items():
            columns = f"tenant_id, {expression}" if has_btree_gin else expression
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({columns})")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_canned_responses_and_saved_filters")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
