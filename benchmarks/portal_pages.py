"""Benchmark: the portal's ticket list and ticket page for a client with 500 tickets, on PostgreSQL.

Run: `python benchmarks/portal_pages.py` (uses `.venv`'s packages). It recreates its own database
(`BENCH_DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/reglament_bench_portal), migrates it,
seeds one tenant with a client who has 500 tickets (one of them with 60 messages and 30 attachments,
plus internal notes), then times the pages through Django's test client (the full middleware stack,
templates included) and counts the queries of each page for a small and a large data set.
The goal: p95 under 50 ms and the same number of queries whatever the number of tickets or messages.
The last line printed is a JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get(
    "BENCH_DATABASE_URL",
    f"postgres://postgres@127.0.0.1:5432/{os.environ.get('BENCH_DB_PREFIX', 'reglament_bench')}_portal",
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("HELPDESK_VAR_DIR", "/tmp/var-bench-portal")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

TICKETS = 500
MESSAGES_ON_BIG_TICKET = 60
REQUESTS = 300
WARMUP = 30
P95_BUDGET_MS = 50.0


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    from helpdesk.models import Announcement, Membership, Role, Tenant, User
    from sla.models import SLATier
    from tickets import services
    from tickets.models import Contact, Organization, Queue
    from tickets.services import NewAttachment
    from tickets.statuses import Status

    tenant = Tenant.objects.create(slug="bench", name="Bench", ticket_prefix="BN", brand_color="#0b5cad")
    SLATier.objects.create(tenant=tenant, name="Стандарт", is_default=True)
    Queue.objects.create(tenant=tenant, name="Поддержка", slug="support", is_default=True)
    Announcement.objects.create(tenant=tenant, title="Плановые работы в субботу 02:00–04:00")
    agent = User.objects.create_user("agent@bench.test", "x", full_name="Агент")
    Membership.objects.create(tenant=tenant, user=agent, role=Role.AGENT)
    org = Organization.objects.create(tenant=tenant, name="Клиент")
    people = {}
    for key in ("big", "small"):
        user = User.objects.create_user(f"{key}@client.test", "x", full_name=f"Клиент {key}")
        people[key] = Contact.objects.create(
            tenant=tenant, email=user.email, user=user, organization=None if key == "small" else org
        )
    now = timezone.now()
    started = time.perf_counter()
    for n in range(TICKETS):
        ticket = services.ticket_create(
            tenant=tenant,
            requester=people["big"],
            subject=f"Заявка {n}: не выгружается отчёт по складу {n % 17}",
            body_text=f"Описание проблемы номер {n}.",
            created_at=now,
        )
        if n % 5 == 0:
            services.ticket_reply(ticket=ticket, actor=agent, body_text="Принято в работу.")
        if n % 7 == 0:
            services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    print(f"seeded {TICKETS} tickets in {time.perf_counter() - started:.1f} s", flush=True)
    small_one = services.ticket_create(
        tenant=tenant, requester=people["small"], subject="Одна заявка", body_text="Текст"
    )
    big_one = services.ticket_create(
        tenant=tenant, requester=people["big"], subject="Длинная переписка", body_text="Начало"
    )
    for n in range(MESSAGES_ON_BIG_TICKET // 2):
        services.ticket_reply(
            ticket=big_one,
            actor=agent,
            body_text=f"Ответ {n}",
            attachments=[NewAttachment(f"log{n}.txt", b"log line\n" * 20, "text/plain")],
        )
        services.ticket_reply(ticket=big_one, contact=people["big"], body_text=f"Уточнение {n}")
        services.ticket_reply(ticket=big_one, actor=agent, internal=True, body_text=f"Заметка {n}")
    return people, small_one, big_one


def measure(client, url: str) -> tuple[list[float], list[float], int]:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured)
    timings, cpu = [], []
    for _ in range(REQUESTS):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200
    return timings, cpu, queries


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[94]


def main() -> None:
    global TICKETS, REQUESTS, WARMUP
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=TICKETS, help="tickets of the big client")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="timed requests per page")
    args = parser.parse_args()
    TICKETS, REQUESTS, WARMUP = args.tickets, args.requests, min(WARMUP, args.requests)
    print(f"database: {DATABASE_URL}", flush=True)
    recreate_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.DEBUG = False  # no query log kept per request, as in production
    call_command("migrate", verbosity=0)
    people, small_one, big_one = seed()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum keeps them in production

    big, small = Client(), Client()
    big.force_login(people["big"].user)
    small.force_login(people["small"].user)
    pages = {
        "list": (big, "/t/bench/tickets/"),
        "list_search": (big, "/t/bench/tickets/?q=отчёт&status=open"),
        "list_last_page": (big, "/t/bench/tickets/?page=20"),
        "detail_big": (big, f"/t/bench/tickets/{big_one.display_number}/"),
        "detail_small": (small, f"/t/bench/tickets/{small_one.display_number}/"),
        "list_small": (small, "/t/bench/tickets/"),
    }
    results = {}
    for name, (client, url) in pages.items():
        timings, cpu, queries = measure(client, url)
        results[name] = {
            "p50_ms": round(statistics.median(timings), 2),
            "p95_ms": round(p95(timings), 2),
            # CPU time of this process alone: what the page costs the app server, whatever the load.
            "cpu_p95_ms": round(p95(cpu), 2),
            "queries": queries,
        }
        print(
            f"{name:16} {url:45} p50 {results[name]['p50_ms']:6.2f} ms  p95 {results[name]['p95_ms']:6.2f} ms  "
            f"cpu p95 {results[name]['cpu_p95_ms']:6.2f} ms  {queries} queries",
            flush=True,
        )

    fixed_queries = (
        results["list"]["queries"] == results["list_small"]["queries"]
        and results["detail_big"]["queries"] == results["detail_small"]["queries"]
    )
    worst_p95 = max(r["p95_ms"] for r in results.values())
    load = os.getloadavg()[0]
    summary = {
        "benchmark": "portal_pages",
        "tickets": TICKETS,
        "messages_on_big_ticket": MESSAGES_ON_BIG_TICKET,
        "requests_per_page": REQUESTS,
        "pages": results,
        "worst_p95_ms": worst_p95,
        "p95_budget_ms": P95_BUDGET_MS,
        "fixed_queries": fixed_queries,
        "load_average_1min": round(load, 2),
        "ok": fixed_queries and worst_p95 < P95_BUDGET_MS,
    }
    print(json.dumps(summary, ensure_ascii=False))
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
