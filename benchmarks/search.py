"""Benchmark: the one search engine on the SQLite default, at 100,000 tickets.

Run: `python benchmarks/search.py [--tickets 100000] [--repeat 30] [--database-url URL]`.

Loads (once, reused later) a database of five tenants with five messages per ticket on average
(`BENCH_VAR_DIR`, default /tmp/reglament-bench-search; SQLite unless `--database-url` names another), the
search index built by `search.index.rebuild` exactly as `manage.py search_rebuild` does, and a few articles.
Then times searches through Django's test client — agent queue search as a lead and as a queue agent
(common word, two words, phrase, exclusion, rare word, number, e-mail), portal search as a client and the
knowledge-base search — and the indexing cost of a written message (the `index_new_messages` call that
`ticket_reply` makes: milliseconds and statements per message). Prints p50/p95; the last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from agent_pages import RARE_EVERY, RARE_WORD, load_average, measure, progress, sentence  # noqa: E402

TENANTS = 5
MESSAGES_PER_TICKET = 5
TARGET_P95_MS = 200
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
BATCH = 5000


def setup(database_url: str | None, tickets: int) -> None:
    var = Path(os.environ.get("BENCH_VAR_DIR", "/tmp/reglament-bench-search"))
    var.mkdir(parents=True, exist_ok=True)
    os.environ["HELPDESK_VAR_DIR"] = str(var)
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var / f'search-{tickets}.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(tickets: int) -> None:
    """Tenants, staff, clients, tickets and messages by bulk_create (no services: their index calls are
    what the rebuild replaces), then the index rebuilt once."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from helpdesk.models import Membership, Role, Tenant, User
    from kb import services as kb_services
    from search import index
    from tickets.models import Contact, Message, Organization, Queue, Ticket, TicketCounter

    if Ticket.objects.count() >= tickets:
        print(f"reusing {Ticket.objects.count():,} tickets already loaded", flush=True)
        return
    if Tenant.objects.exists():
        sys.exit("the benchmark database holds other or partial data: delete it and run again")
    rng = random.Random(11)
    password = make_password("bench")
    per_tenant = tickets // TENANTS
    started = time.perf_counter()
    with transaction.atomic():
        for t in range(1, TENANTS + 1):
            tenant = Tenant.objects.create(slug=f"bench{t}", name=f"Bench {t}", ticket_prefix=f"B{t}")
            lead = User.objects.create(
                email=f"lead@bench{t}.test", full_name="Руководитель", password=password
            )
            agent = User.objects.create(email=f"agent@bench{t}.test", full_name="Агент", password=password)
            Membership.objects.create(tenant=tenant, user=lead, role=Role.LEAD)
            Membership.objects.create(tenant=tenant, user=agent, role=Role.AGENT)
            queues = [
                Queue.objects.create(tenant=tenant, name=f"Очередь {q}", slug=f"q{q}") for q in range(4)
            ]
            queues[0].agents.add(agent)
            orgs = Organization.objects.bulk_create(
                [Organization(tenant=tenant, name=f"ООО Клиент {o}") for o in range(50)]
            )
            contacts = Contact.objects.bulk_create(
                [
                    Contact(tenant=tenant, email=f"c{c}@org{c % 50}.bench{t}.test", full_name=f"Клиент {c}",
                            organization=orgs[c % 50])
                    for c in range(500)
                ]
            )  # fmt: skip
            client_user = User.objects.create(
                email=f"client@bench{t}.test", full_name="Клиент", password=password
            )
            Contact.objects.filter(pk=contacts[0].pk).update(user=client_user)
            for chunk_start in range(1, per_tenant + 1, BATCH):
                numbers = range(chunk_start, min(per_tenant, chunk_start + BATCH - 1) + 1)
                rows = []
                for n in numbers:
                    contact = rng.choice(contacts)
                    created = NOW - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                    rows.append(
                        Ticket(
                            tenant=tenant, number=n, subject=sentence(rng, rng.randint(3, 7)), requester=contact,
                            organization_id=contact.organization_id, queue=rng.choice(queues), status="open",
                            channel="email", created_at=created,
                        )
                    )  # fmt: skip
                made = Ticket.objects.bulk_create(rows)
                messages = []
                for ticket in made:
                    for k in range(rng.randint(1, 2 * MESSAGES_PER_TICKET - 1)):
                        rare = rng.randrange(RARE_EVERY) == 0
                        messages.append(
                            Message(
                                tenant=tenant, ticket=ticket, kind="internal" if k % 7 == 3 else "public",
                                author_kind="contact", body_text=sentence(rng, rng.randint(8, 30))
                                + (f" {RARE_WORD}" if rare else ""), source="email",
                                created_at=ticket.created_at + timedelta(minutes=10 * k),
                            )
                        )  # fmt: skip
                Message.objects.bulk_create(messages, batch_size=BATCH)
                progress(f"tenant {t}", numbers[-1], per_tenant, started)
            TicketCounter.objects.create(tenant=tenant, last_number=per_tenant)
            for title, body in (
                ("Не печатает принтер: что проверить", "<p>Проверьте кабель, драйвер и очередь печати.</p>"),
                ("Как выгрузить отчёт", "<p>Отчёты выгружаются в XLSX из раздела «Отчёты».</p>"),
                ("Настройка VPN", "<p>Сертификат и адрес сервера выдаёт администратор.</p>"),
            ):
                kb_services.article_save(
                    tenant=tenant, actor=lead, title=title, body_html=body, status="published"
                )
    print(f"loaded in {time.perf_counter() - started:.0f} s; building the search index…", flush=True)
    started = time.perf_counter()
    counts = index.rebuild()
    print(f"index of {sum(counts.values()):,} entries in {time.perf_counter() - started:.0f} s", flush=True)


def run_searches(repeat: int) -> dict[str, dict[str, float]]:
    from django.test import Client

    from helpdesk.models import User

    lead, agent, client_user = (
        User.objects.get(email=f"{who}@bench1.test") for who in ("lead", "agent", "client")
    )
    clients = {}
    for name, user in (("lead", lead), ("agent", agent), ("client", client_user)):
        clients[name] = Client()
        clients[name].force_login(user)
    agent_home, portal, kb = "/t/bench1/agent/?q=", "/t/bench1/tickets/?q=", "/t/bench1/kb/?q="
    searches = {
        "agent_common_word": ("lead", agent_home + "принтер"),
        "agent_two_words": ("lead", agent_home + quote("сервер принтер")),
        "agent_phrase": ("lead", agent_home + quote('"ошибка сервер"')),
        "agent_exclusion": ("lead", agent_home + quote("принтер -сервер")),
        "agent_rare_word": ("lead", agent_home + RARE_WORD),
        "agent_number": ("lead", agent_home + "B1-4242"),
        "agent_email": ("lead", agent_home + "c7@org7.bench1.test"),
        "queue_agent_common_word": ("agent", agent_home + "принтер"),
        "portal_common_word": ("client", portal + "принтер"),
        "kb_search": ("client", kb + "принтер"),
    }
    results = {}
    for name, (who, url) in searches.items():
        results[name] = measure(clients[who], url, repeat)
        print(
            f"  {name:24} p50 {results[name]['p50_ms']:7.1f} ms  p95 {results[name]['p95_ms']:7.1f} ms  "
            f"cpu p50 {results[name]['cpu_p50_ms']:6.1f} ms  {results[name]['queries']:2} queries",
            flush=True,
        )
    return results


def indexing_cost(samples: int = 300) -> dict[str, float]:
    """What indexing adds to writing one message: the ``index_new_messages`` call ``ticket_reply`` makes,
    timed alone on fresh messages (rolled back afterwards)."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tickets.models import Message, Ticket
    from tickets.search_index import index_new_messages

    ticket = Ticket.objects.select_related("tenant").filter(tenant__slug="bench1").order_by("pk").first()
    rng = random.Random(3)
    times = []
    statements = 0
    with transaction.atomic():
        for _ in range(samples + 10):
            message = Message.objects.create(
                tenant_id=ticket.tenant_id, ticket=ticket, author_kind="agent", created_at=NOW,
                body_text=sentence(rng, rng.randint(8, 60)),
            )  # fmt: skip
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                index_new_messages([message])
                times.append((time.perf_counter() - started) * 1000)
            statements = len(ctx.captured_queries)
        transaction.set_rollback(True)
    times = sorted(times[10:])
    return {
        "ms_per_message_p50": round(statistics.median(times), 3),
        "ms_per_message_p95": round(times[int(len(times) * 0.95) - 1], 3),
        "statements_per_message": statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url", help="default: a SQLite file under BENCH_VAR_DIR")
    args = parser.parse_args()
    setup(args.database_url, args.tickets)
    from django.db import connection

    load(args.tickets)
    print(
        f"timing on {connection.vendor} at {args.tickets:,} tickets, {args.repeat} requests per search, "
        f"load average {load_average()}",
        flush=True,
    )
    searches = run_searches(args.repeat)
    cost = indexing_cost()
    print(
        f"  indexing a written message: p50 {cost['ms_per_message_p50']} ms, p95 {cost['ms_per_message_p95']} ms, "
        f"{cost['statements_per_message']} statement(s)",
        flush=True,
    )
    worst = max(figures["p95_ms"] for figures in searches.values())
    print(f"  load average after: {load_average()}", flush=True)
    summary = {
        "database": connection.vendor,
        "tickets": args.tickets,
        "target_p95_ms": TARGET_P95_MS,
        "searches": searches,
        "indexing": cost,
        "worst_p95_ms": worst,
        "target_met": worst < TARGET_P95_MS,
        "load_average": load_average(),
    }
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
