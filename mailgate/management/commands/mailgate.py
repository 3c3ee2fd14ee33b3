"""``manage.py mailgate pipe|poll|reprocess`` — the MTA pipe, one IMAP pass, quarantine replay."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from mailgate import pipeline
from mailgate.models import InboundMessage, InboundStatus, Source

EX_OK = 0
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the message and retries later


class Command(BaseCommand):
    help = "Почтовый шлюз: приём письма из MTA (pipe), опрос IMAP (poll), повторная обработка карантина."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        pipe = sub.add_parser("pipe", help="Одно письмо со стандартного ввода (для MTA).")
        pipe.add_argument(
            "--recipient", default="", help="Получатель из конверта (например, $RECIPIENT в Postfix)."
        )
        sub.add_parser("poll", help="Один проход по всем активным IMAP-ящикам.")
        again = sub.add_parser("reprocess", help="Повторно обработать письма из карантина.")
        again.add_argument("ids", nargs="*", type=int, help="Номера входящих писем; без них — весь карантин.")
        again.add_argument("--tenant", default="", help="Только карантин этого арендатора (код).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "pipe":
            self._pipe(options["recipient"])
        elif action == "poll":
            self._poll()
        else:
            self._reprocess(options["ids"], options["tenant"])

    def _pipe(self, recipient: str) -> None:
        raw = sys.stdin.buffer.read()
        try:
            row, parsed = pipeline.receive(raw, source=Source.PIPE, envelope_recipient=recipient)
        except DatabaseError as exc:
            # Nothing stored: the MTA must keep the message and try again.
            self.stderr.write(f"temporary failure: {type(exc).__name__}: {exc}")
            sys.exit(EX_TEMPFAIL)
        try:
            pipeline.process(row, parsed)
        except DatabaseError as exc:
            # Stored, so the MTA may forget it; the sweep finishes processing when the database is back.
            self.stderr.write(f"stored #{row.pk}, processing deferred: {type(exc).__name__}")
        self.stdout.write(row.outcome_line)
        sys.exit(EX_OK)

    def _poll(self) -> None:
        from mailgate.sources.imap import poll_all

        counts = poll_all()
        self.stdout.write(
            " ".join(f"{key}={value}" for key, value in sorted(counts.items())) or "nothing new"
        )

    def _reprocess(self, ids: list[int], tenant_slug: str) -> None:
        rows = InboundMessage.objects.all()
        rows = rows.filter(pk__in=ids) if ids else rows.filter(status=InboundStatus.QUARANTINED)
        if tenant_slug:
            rows = rows.filter(tenant__slug=tenant_slug)
        rows = rows.order_by("pk")
        total = rows.count()
        if not total:
            if ids:
                raise CommandError("Нечего обрабатывать: таких писем нет.")
            self.stdout.write("карантин пуст")
            return

        def progress(done: int) -> None:
            width = 30
            filled = width * done // total
            self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
            self.stderr.flush()

        counts = pipeline.reprocess_many(rows.iterator(chunk_size=100), progress=progress)
        self.stderr.write("")
        self.stdout.write(" ".join(f"{key}={value}" for key, value in sorted(counts.items())))
