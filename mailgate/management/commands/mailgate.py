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
        lmtp = sub.add_parser("lmtp", help="Постоянный LMTP-приёмник для MTA (Postfix: lmtp:inet:…).")
        lmtp.add_argument("--host", default="127.0.0.1", help="Адрес, на котором слушать.")
        lmtp.add_argument("--port", type=int, default=8024, help="Порт.")
        lmtp.add_argument("--batch", type=int, default=50, help="Писем в одной пачке обработки.")
        sub.add_parser("poll", help="Один проход по всем активным IMAP-ящикам.")
        again = sub.add_parser("reprocess", help="Повторно обработать письма из карантина.")
        again.add_argument("ids", nargs="*", type=int, help="Номера входящих писем; без них — весь карантин.")
        again.add_argument("--tenant", default="", help="Только карантин этого арендатора (код).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "pipe":
            self._pipe(options["recipient"])
        elif action == "lmtp":
            self._lmtp(options["host"], options["port"], options["batch"])
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

    def _lmtp(self, host: str, port: int, batch: int) -> None:
        import asyncio
        import signal

        from mailgate.sources import lmtp

        processor = lmtp.BatchProcessor(batch_size=batch)
        processor.start()

        async def main() -> None:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)

            def ready(server: object) -> None:
                self.stdout.write(f"LMTP: слушаю {host}:{port}", ending="\n")
                self.stdout.flush()

            serving = asyncio.create_task(lmtp.serve(host, port, processor, ready=ready))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
            serving.cancel()
            if serving.done() and not serving.cancelled() and serving.exception():
                raise serving.exception()  # type: ignore[misc]

        try:
            asyncio.run(main())
        finally:
            processor.stop()
            self.stdout.write(f"LMTP: остановлен, обработано {processor.processed}")

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
