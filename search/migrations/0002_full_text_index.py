"""The full-text index over ``SearchEntry.terms``: an FTS5 table on SQLite, a generated tsvector column
with a GIN index on PostgreSQL. The SQL lives in ``search.fts``."""

from django.db import migrations


def install(apps, schema_editor):
    from search import fts

    fts.install(schema_editor)


def uninstall(apps, schema_editor):
    from search import fts

    fts.uninstall(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_entries")]

    operations = [migrations.RunPython(install, uninstall)]
