"""Tickets, messages and contacts move to the one search index (app ``search``): fill it from the rows that
exist, and drop the Russian-configuration GIN indexes of 0003 that only PostgreSQL had."""

import importlib

from django.db import migrations

_OLD = importlib.import_module("tickets.migrations.0003_russian_full_text_search_indexes")


def fill_index(apps, schema_editor):
    from search.index import fill
    from tickets.search_index import documents

    fill(
        documents(
            None,
            ticket_model=apps.get_model("tickets", "Ticket"),
            message_model=apps.get_model("tickets", "Message"),
            contact_model=apps.get_model("tickets", "Contact"),
        ),
        model=apps.get_model("search", "SearchEntry"),
    )


def empty_index(apps, schema_editor):
    apps.get_model("search", "SearchEntry").objects.filter(kind__in=["ticket", "message", "note", "contact"]).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0009_message_quoted_text"), ("search", "0002_full_text_index")]

    operations = [
        migrations.RunPython(_OLD.drop_indexes, _OLD.create_indexes),
        migrations.RunPython(fill_index, empty_index),
    ]
