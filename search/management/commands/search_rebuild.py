"""``manage.py search_rebuild [--tenant SLUG] [--only tickets|kb]``: recreate the search index from the data."""

from __future__ import annotations

import json
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpdesk.models import Tenant
from search import index


class Command(BaseCommand):
    help = "Rebuild the search index (all tenants, or one) from tickets, messages, contacts and articles."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--tenant", help="slug of one tenant (default: all)")
        parser.add_argument("--only", action="append", help="one source (repeatable): tickets, kb")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant_id = None
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No tenant with slug {options['tenant']!r}.")
            tenant_id = tenant.pk
        started = time.perf_counter()
        counts = index.rebuild(tenant_id=tenant_id, only=options["only"])
        counts["seconds"] = round(time.perf_counter() - started, 2)  # type: ignore[assignment]
        self.stdout.write(json.dumps(counts))
