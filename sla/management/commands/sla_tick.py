"""``manage.py sla_tick [--now ISO8601]``: one beat pass, printing a JSON object of counts."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sla.sweeps import run_tick


class Command(BaseCommand):
    help = "Run one pass of the SLA beat jobs (warnings, breaches, auto-close, stale close)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="The moment to run the pass for, ISO 8601 (default: now).")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as error:
                raise CommandError(f"--now: not an ISO 8601 moment: {options['now']!r}") from error
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        self.stdout.write(json.dumps(run_tick(now=now)))
