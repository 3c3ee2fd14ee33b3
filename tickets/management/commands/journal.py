import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpdesk.models import Tenant
from tickets.journal import journal_csv, journal_queryset, journal_rows, journal_xlsx


class Command(BaseCommand):
    help = "Print the ticket journal of one tenant (the same data as the agent UI's export)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
        parser.add_argument("--output", help="file to write (xlsx defaults to standard output as bytes)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"Unknown tenant {options['tenant']!r}.")
        rows = journal_rows(journal_queryset(tenant).iterator(chunk_size=2000))
        fmt = options["format"]
        if fmt == "xlsx":
            data = journal_xlsx(rows)
            if options["output"]:
                with open(options["output"], "wb") as fh:
                    fh.write(data)
            else:
                sys.stdout.buffer.write(data)
            return
        text = json.dumps(list(rows), ensure_ascii=False, indent=2) if fmt == "json" else journal_csv(rows)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as fh:
                fh.write(text)
        else:
            self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
