import json
import sys
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpdesk.models import Tenant
from reports.journal import (
    Dialect,
    journal_csv_chunks,
    journal_json,
    journal_records,
    journal_tickets,
    journal_xlsx,
)
from sla.selectors import tenant_timezone
from tickets.models import Ticket


class Command(BaseCommand):
    help = "Print the ticket journal of one tenant (the same columns as the agent UI's export)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", required=True, help="tenant slug")
        parser.add_argument("--format", choices=["csv", "json", "xlsx"], default="csv")
        parser.add_argument(
            "--dialect",
            choices=[d.value for d in Dialect],
            default=Dialect.EXCEL_RU.value,
            help="CSV only: excel-ru (UTF-8 with BOM, ';', what Russian Excel opens) or rfc4180 (',', no BOM)",
        )
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"Unknown tenant {options['tenant']!r}.")
        tz = tenant_timezone(tenant)
        records = journal_records(
            journal_tickets(Ticket.objects.for_tenant(tenant)).iterator(chunk_size=2000)
        )
        fmt, path = options["format"], options["output"]
        if fmt == "xlsx":
            data = journal_xlsx(records, tz=tz)
            if path:
                with open(path, "wb") as fh:
                    fh.write(data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            return
        if fmt == "json":
            chunks: Iterable[str] = [
                json.dumps(journal_json(records, tz=tz), ensure_ascii=False, indent=2),
                "\n",
            ]
        else:
            chunks = journal_csv_chunks(records, tz=tz, dialect=Dialect(options["dialect"]))
        if path:
            # newline="": the CSV's CRLF line ends (and BOM) reach the file exactly as written.
            with open(path, "w", encoding="utf-8", newline="") as fh:
                fh.writelines(chunks)
        else:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
