"""Benchmark: 5,000 varied messages through the whole mail pipeline on PostgreSQL, in one process.

Run: `python benchmarks/mail_ingest.py [--messages 5000] [--batch 50]`.

Uses its own database `reglament_bench_mail` on `BENCH_DATABASE_URL`'s server (default
postgres://postgres@127.0.0.1:5432), dropped, created and migrated on every run. Two tenants with
mailboxes, 300 contacts and 200 existing tickets each; then a mix like a real support@ inbox: new
requests (UTF-8, KOI8-R, windows-1251, HTML, attachments, Cc), replies by subject tag and by
In-Reply-To, auto-replies, bounces, duplicates, unknown senders, unknown recipients and broken
MIME. Messages go in as an IMAP poll would hand them over: a batch stored with one INSERT, then every
message through parse → route → screen → thread → apply (ticket services). Notification tasks are
enqueued after commit as in production; the broker is replaced by a counter, so sending is not
timed. Every SQL statement is counted (savepoints included). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import os
import random
import re
import sys
import tempfile
import time
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0]
DB_NAME = os.environ.get("BENCH_DB_PREFIX", "reglament_bench") + "_mail"
TARGETS = {"messages_per_second": 300, "queries_per_message": 8}
CONTACTS_PER_TENANT = 300
TICKETS_PER_TENANT = 200
MIX = [  # (kind, weight)
    ("new", 50),
    ("new_koi8", 5),
    ("new_cp1251", 5),
    ("new_html", 4),
    ("new_attachment", 4),
    ("new_cc", 3),
    ("reply_tag", 12),
    ("reply_header", 4),
    ("auto_reply", 4),
    ("bounce", 2),
    ("duplicate", 3),
    ("unknown_sender", 2),
    ("unknown_recipient", 1),
    ("broken", 1),
]
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SUBJECTS = [
    "Не печатает накладные",
    "Ошибка выгрузки в 1С",
    "Пропадает поток",
    "Медленно работает отчёт",
    "Не приходит письмо",
    "Сбой после обновления",
    "Вопрос по лицензии",
    "Не открывается портал",
]


def prepare_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("HELPDESK_VAR_DIR", tempfile.mkdtemp(prefix="bench-mail-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")


def seed() -> dict:
    from helpdesk.models import Tenant
    from mailgate.models import Mailbox, OutboundMail, OutboxKind
    from sla.models import SLATier
    from tickets import services
    from tickets.models import Contact, Organization, Queue

    world = {}
    for slug, prefix in (("alpha", "AL"), ("beta", "BE")):
        tenant = Tenant.objects.create(slug=slug, name=slug.title(), ticket_prefix=prefix)
        tier = SLATier.objects.create(tenant=tenant, name="Стандарт", is_default=True)
        queue = Queue.objects.create(tenant=tenant, slug="support", name="Поддержка", is_default=True)
        noc = Queue.objects.create(tenant=tenant, slug="noc", name="NOC", default_priority=2)
        Mailbox.objects.create(tenant=tenant, address=f"support@{slug}.example", queue=queue)
        Mailbox.objects.create(tenant=tenant, address=f"noc@{slug}.example", queue=noc)
        org = Organization.objects.create(
            tenant=tenant, name=f"{slug}-client", email_domains=f"{slug}-client.example", sla_tier=tier
        )
        contacts = Contact.objects.bulk_create(
            Contact(
                tenant=tenant,
                email=f"user{i}@{slug}-client.example",
                full_name=f"Клиент {i}",
                organization=org,
            )
            for i in range(CONTACTS_PER_TENANT)
        )
        tickets = []
        for i in range(TICKETS_PER_TENANT):
            contact = contacts[i % len(contacts)]
            ticket = services.ticket_create(
                tenant=tenant,
                requester=contact,
                subject=f"Существующая заявка {i}",
                body_text="Текст",
                channel="email",
                queue=queue,
            )
            tickets.append((ticket.display_number, contact.email, ticket.pk))
        OutboundMail.objects.bulk_create(
            OutboundMail(
                tenant=tenant,
                ticket_id=pk,
                kind=OutboxKind.ACKNOWLEDGEMENT,
                key=f"seed:{pk}",
                to_email=email,
                subject="s",
                body_text="b",
                message_id=f"seed-{pk}@{slug}.example",
                status="sent",
            )
            for _, email, pk in tickets
        )
        world[slug] = {"contacts": [c.email for c in contacts], "tickets": tickets}
    return world


def build_messages(count: int, world: dict, rng: random.Random) -> list[tuple[str, bytes]]:
    from email.message import EmailMessage

    from django.utils import timezone

    kinds = [k for k, w in MIX for _ in range(w)]
    date = format_datetime(timezone.now())
    made: list[tuple[str, bytes]] = []

    def eml(
        slug: str,
        sender: str,
        subject: str,
        body: str = "Подробное описание проблемы.\nС уважением.",
        box: str = "support",
        **extra: str,
    ) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = f"Клиент <{sender}>"
        msg["To"] = f"{box}@{slug}.example"
        msg["Subject"] = subject
        msg["Date"] = date
        msg["Message-ID"] = f"<bench-{len(made)}-{rng.getrandbits(40):x}@{slug}-client.example>"
        for name, value in extra.items():
            msg[name.replace("_", "-")] = value
        msg.set_content(body)
        return msg

    for i in range(count):
        kind = rng.choice(kinds)
        slug = rng.choice(("alpha", "beta"))
        data = world[slug]
        sender = rng.choice(data["contacts"])
        number, requester, ticket_pk = rng.choice(data["tickets"])
        subject = f"{rng.choice(SUBJECTS)} #{i}"
        if kind == "duplicate" and made:
            made.append((kind, rng.choice(made)[1]))
            continue
        if kind == "broken":
            made.append((kind, b"\x00garbage without headers " + rng.randbytes(64)))
            continue
        if kind in ("new_koi8", "new_cp1251"):
            charset = "koi8-r" if kind == "new_koi8" else "windows-1251"
            body = "Добрый день! Не работает выгрузка отчёта по складу, ошибка при сохранении.".encode(
                charset
            )
            raw = (
                f"From: {sender}\r\nTo: support@{slug}.example\r\nSubject: Report {i}\r\nDate: {date}\r\n"
                f"Message-ID: <bench-{i}@{slug}-client.example>\r\nContent-Type: text/plain; charset={charset}\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n"
            ).encode() + body
            made.append((kind, raw))
            continue
        if kind == "reply_tag":
            msg = eml(slug, requester, f"Re: [{number}] {subject}")
        elif kind == "reply_header":
            msg = eml(slug, requester, f"Re: {subject}", In_Reply_To=f"<seed-{ticket_pk}@{slug}.example>")
        elif kind == "auto_reply":
            msg = eml(slug, requester, f"Автоответ: [{number}]", Auto_Submitted="auto-replied")
        elif kind == "bounce":
            msg = eml(
                slug,
                f"MAILER-DAEMON@mx.{slug}-client.example",
                "Undelivered Mail Returned to Sender",
                body="Delivery failed.",
                In_Reply_To=f"<seed-{ticket_pk}@{slug}.example>",
            )
        elif kind == "unknown_sender":
            msg = eml(slug, f"new{i}@{slug}-client.example", subject)
        elif kind == "unknown_recipient":
            msg = eml(slug, sender, subject, box="sales")
        elif kind == "new_cc":
            msg = eml(slug, sender, subject, Cc=", ".join(rng.sample(data["contacts"], 2)))
        else:
            msg = eml(slug, sender, subject, box=rng.choice(("support", "support", "noc")))
            if kind == "new_html":
                msg.add_alternative(
                    "<p>Подробное <b>описание</b> проблемы.</p><script>x()</script>", subtype="html"
                )
            elif kind == "new_attachment":
                msg.add_attachment(PNG, maintype="image", subtype="png", filename="скриншот.png")
        made.append((kind, msg.as_bytes()))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    print(f"preparing database {DB_NAME} …", flush=True)
    prepare_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-mail-media-")
    # As in production (DJANGO_DEBUG=0): no per-query debug log; statements are still counted below.
    settings.DEBUG = False
    # The generated mail repeats a few bodies per sender; real mail does not. Keep the loop check's
    # query in the figures but not its verdict, so the outcome mix stays the benchmark's own.
    settings.MAILGATE_LOOP_BURST = 10**9
    call_command("migrate", verbosity=0)
    from mailgate import pipeline, tasks
    from mailgate.models import Source

    queued = collections.Counter()
    tasks.enqueue = lambda task, *a: queued.update([task.name])  # the broker is not under test

    print("seeding 2 tenants, contacts and existing tickets …", flush=True)
    world = seed()
    rng = random.Random(20260301)
    messages = build_messages(args.messages, world, rng)
    print(f"built {len(messages)} messages: {dict(collections.Counter(k for k, _ in messages))}", flush=True)
    queued.clear()

    statements = 0
    by_table: collections.Counter[str] = collections.Counter()
    table_of = re.compile(r'(?:FROM|INTO|UPDATE)\s+"([a-z_]+)"')

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        match = table_of.search(sql)
        by_table[match.group(1) if match else sql.split(" ", 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    outcomes: collections.Counter[str] = collections.Counter()
    profile = None
    if os.environ.get("BENCH_PROFILE"):
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
    sampler = None
    if os.environ.get("BENCH_PYINSTRUMENT"):  # sampling profile (pip install pyinstrument)
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0005)
        sampler.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        for start in range(0, len(messages), args.batch):
            chunk = messages[start : start + args.batch]
            stored = pipeline.receive_many([pipeline.Incoming(raw) for _, raw in chunk], source=Source.IMAP)
            pipeline.process_batch(stored)
            outcomes.update(row.status for row, _ in stored)
            done = start + len(chunk)
            if done % 1000 == 0 or done == len(messages):
                elapsed = time.perf_counter() - started
                print(
                    f"  {done}/{len(messages)} messages, {done / elapsed:.0f} msg/s, "
                    f"{statements / done:.2f} queries/msg",
                    flush=True,
                )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if sampler is not None:
        sampler.stop()
        Path(os.environ["BENCH_PYINSTRUMENT"]).write_text(sampler.output_text(show_all=False))
    if profile is not None:
        import pstats

        profile.disable()
        if os.environ["BENCH_PROFILE"].endswith(".prof"):
            profile.dump_stats(os.environ["BENCH_PROFILE"])
        pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "tottime")).print_stats(
            os.environ.get("BENCH_PROFILE_FILTER", ""), 25
        )
    control = sum(by_table[k] for k in ("SAVEPOINT", "RELEASE", "ROLLBACK"))
    queries = statements - control
    mailgate_own = sum(v for k, v in by_table.items() if k.startswith("mailgate_"))
    per_table = {k: round(v / len(messages), 2) for k, v in by_table.most_common()}
    print(f"statements per message by table: {per_table}", flush=True)
    result = {
        "benchmark": "mail_ingest",
        "database": connection.vendor,
        "messages": len(messages),
        "seconds": round(elapsed, 2),
        "cpu_seconds": round(cpu, 2),
        "messages_per_second": round(len(messages) / elapsed, 1),
        "statements": statements,
        "statements_per_message": round(statements / len(messages), 2),
        "queries_per_message": round(queries / len(messages), 2),
        "savepoint_statements_per_message": round(control / len(messages), 2),
        "mailgate_table_queries_per_message": round(mailgate_own / len(messages), 2),
        "outcomes": dict(outcomes),
        "notifications_queued": sum(queued.values()),
        "targets": TARGETS,
        "meets_targets": len(messages) / elapsed >= TARGETS["messages_per_second"]
        and queries / len(messages) <= TARGETS["queries_per_message"],
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
