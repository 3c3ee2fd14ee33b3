"""Benchmark: the agent workspace pages at 10,000 and at 1,000,000 tickets on PostgreSQL.

Run: `python benchmarks/agent_pages.py [--sizes 10000,1000000] [--repeat 30]`.

Each size has its own database (`reglament_bench_agent_<size>_<per tenant>` on `BENCH_DATABASE_URL`'s server, default
postgres://postgres@127.0.0.1:5432), created, migrated and bulk-loaded with COPY once (progress bars on
stderr) and reused by later runs. Tenants hold 10,000 tickets each (1 tenant at 10k, 100 tenants at 1M)
with five messages per ticket on average, so 1M tickets come with 5M messages; ticket 1 of every tenant
has 50 messages. Pages are requested in-process through Django's test client (middleware, views and
templates included) as a lead and as a queue agent; each size runs in a subprocess so both use a fresh
process. Prints p50/p95 and query counts per page; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x").rsplit("/", 1)[0]
DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "reglament_bench")
PER_TENANT = 10_000  # tickets per tenant; --per-tenant changes it (small runs prove the benchmark works)
MESSAGES_PER_TICKET = 5
BIG_TICKET_MESSAGES = 50
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
TARGETS = {"page_p95_ms": 100, "page_queries": 15, "search_ms": 150, "dashboard_ms": 500, "growth": 2.0}
# One message in RARE_EVERY carries RARE_WORD: the rare-word search (the common ones are in WORDS).
RARE_WORD = "турникет"
RARE_EVERY = 5000

WORDS = [
    "принтер",
    "сервер",
    "выгрузка",
    "отчёт",
    "ошибка",
    "пароль",
    "доступ",
    "почта",
    "сеть",
    "касса",
    "лицензия",
    "обновление",
    "база",
    "данных",
    "резервная",
    "копия",
    "договор",
    "счёт",
    "оплата",
    "интеграция",
    "модуль",
    "роутер",
    "коммутатор",
    "камера",
    "видео",
    "телефония",
    "звонок",
    "портал",
    "сайт",
    "сертификат",
    "подпись",
    "склад",
    "накладная",
    "зарплата",
    "табель",
    "кадры",
    "VPN",
    "монитор",
    "ноутбук",
    "клавиатура",
    "диск",
    "память",
    "процессор",
    "очередь",
    "задача",
    "срок",
    "клиент",
    "заявка",
    "печать",
]


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize()


# --- loading -----------------------------------------------------------------------------------------


def ensure_database(name: str) -> str:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{SERVER}/{name}"


def progress(label: str, done: int, total: int, started: float) -> None:
    width = 40
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-9)
    end = "\n" if done >= total else ""
    sys.stderr.write(
        f"\r{label:9} [{'#' * filled}{'.' * (width - filled)}] {done:>10,}/{total:,} {rate:>9,.0f}/s{end}"
    )
    sys.stderr.flush()


def columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields]


def as_row(model, values: dict) -> tuple:
    """The COPY row in column order; a column added to the model later gets its field default."""
    return tuple(
        values[f.column] if f.column in values else f.get_default() for f in model._meta.concrete_fields
    )


def load(tenants: int) -> None:
    """Bulk-load ``tenants`` tenants of PER_TENANT tickets; skipped when the data is already there."""
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from helpdesk.models import Membership, Tenant, User
    from sla.models import SLATier
    from tickets.models import Category, Contact, Message, Organization, Queue, Rating, Ticket, TicketCounter

    if (
        Tenant.objects.filter(slug__startswith="bench").count() == tenants
        and Ticket.objects.count() >= tenants * PER_TENANT
    ):
        print(f"reusing {tenants * PER_TENANT:,} tickets already loaded", flush=True)
        return
    if Tenant.objects.exists():
        sys.exit("the benchmark database holds other or partial data: drop it and run again")
    rng = random.Random(7)
    password = make_password("bench")
    raw = connection.connection  # psycopg 3 connection under Django's wrapper
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        # The text index is built once after the load: far cheaper than maintaining it row by row.
        cursor.execute("DROP INDEX IF EXISTS search_entry_vector")

    def copy(model, rows_iter, total: int, label: str) -> None:
        started = time.perf_counter()
        cols = columns(model)
        with raw.cursor() as cur:
            sql = f"COPY {model._meta.db_table} ({', '.join(chr(34) + c + chr(34) for c in cols)}) FROM STDIN"
            with cur.copy(sql) as cp:
                for i, row in enumerate(rows_iter, 1):
                    cp.write_row(row)
                    if i % 20000 == 0 or i == total:
                        progress(label, i, total, started)
        raw.commit()

    ids = {"user": 0, "org": 0, "contact": 0, "queue": 0, "cat": 0, "tier": 0, "ticket": 0, "msg": 0}
    plan = []  # per tenant: the ids of its staff, orgs, contacts, queues, categories and tiers
    tenant_rows, users, memberships, orgs, contacts, queues, cats, tiers, queue_agents = (
        [] for _ in range(9)
    )
    for t in range(1, tenants + 1):
        tenant_rows.append(Tenant(id=t, slug=f"bench{t}", name=f"Bench {t}", ticket_prefix=f"B{t}"))
        staff = []
        for role, count in (("admin", 1), ("lead", 1), ("agent", 10)):
            for k in range(count):
                ids["user"] += 1
                users.append(
                    User(
                        id=ids["user"],
                        email=f"{role}{k}@bench{t}.test",
                        full_name=f"{role} {k} {t}",
                        password=password,
                    )
                )
                memberships.append(Membership(tenant_id=t, user_id=ids["user"], role=role))
                staff.append(ids["user"])
        tier_ids = []
        for name in ("Стандарт", "Премиум"):
            ids["tier"] += 1
            tiers.append(SLATier(id=ids["tier"], tenant_id=t, name=name, is_default=name == "Стандарт"))
            tier_ids.append(ids["tier"])
        q_ids = []
        for k in range(3):
            ids["queue"] += 1
            queues.append(
                Queue(id=ids["queue"], tenant_id=t, name=f"Очередь {k}", slug=f"q{k}", is_default=k == 0)
            )
            q_ids.append(ids["queue"])
            for agent in staff[2 + k * 3 : 2 + k * 3 + 4]:
                queue_agents.append(Queue.agents.through(queue_id=ids["queue"], user_id=agent))
        c_ids = []
        for k in range(5):
            ids["cat"] += 1
            cats.append(Category(id=ids["cat"], tenant_id=t, name=f"Категория {k}"))
            c_ids.append(ids["cat"])
        o_ids, ct_ids = [], []
        for k in range(50):
            ids["org"] += 1
            orgs.append(
                Organization(id=ids["org"], tenant_id=t, name=f"ООО Клиент {k}", sla_tier_id=tier_ids[k % 2])
            )
            o_ids.append(ids["org"])
            for j in range(10):
                ids["contact"] += 1
                contacts.append(
                    Contact(
                        id=ids["contact"],
                        tenant_id=t,
                        email=f"c{j}@org{k}.bench{t}.test",
                        full_name=f"Клиент {j} {k}",
                        organization_id=ids["org"],
                        created_at=NOW,
                    )
                )
                ct_ids.append((ids["contact"], ids["org"]))
        plan.append((t, staff, tier_ids, q_ids, c_ids, ct_ids))
    for model, objs in (
        (Tenant, tenant_rows),
        (User, users),
        (Membership, memberships),
        (SLATier, tiers),
        (Queue, queues),
        (Queue.agents.through, queue_agents),
        (Category, cats),
        (Organization, orgs),
        (Contact, contacts),
    ):
        model.objects.bulk_create(objs, batch_size=5000)
    TicketCounter.objects.bulk_create(
        [TicketCounter(tenant_id=t, last_number=PER_TENANT) for t in range(1, tenants + 1)]
    )

    total_tickets = tenants * PER_TENANT
    statuses = (
        ["closed"] * 60
        + ["resolved"] * 10
        + ["new"] * 8
        + ["open"] * 12
        + ["waiting"] * 6
        + ["in_development"] * 4
    )
    message_plan: list[
        tuple[int, int, int, int, int, datetime]
    ] = []  # ticket, tenant, contact, agent, count, created

    def ticket_rows():
        for t, staff, tier_ids, q_ids, c_ids, ct_ids in plan:
            for n in range(1, PER_TENANT + 1):
                ids["ticket"] += 1
                contact, org = rng.choice(ct_ids)
                created = (
                    NOW - timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                    if n > 1
                    else NOW - timedelta(hours=3)
                )
                status = rng.choice(statuses) if n > 1 else "open"
                done = status in ("resolved", "closed")
                assignee = rng.choice(staff[2:]) if status != "new" and rng.random() < 0.9 else None
                fr_due, res_due = created + timedelta(hours=4), created + timedelta(days=3)
                fr_at = created + timedelta(minutes=rng.randint(5, 600)) if status != "new" else None
                resolved_at = created + timedelta(hours=rng.randint(1, 120)) if done else None
                row = {
                    "id": ids["ticket"],
                    "tenant_id": t,
                    "number": n,
                    "subject": sentence(rng, rng.randint(3, 7)),
                    "requester_id": contact,
                    "organization_id": org,
                    "queue_id": rng.choice(q_ids),
                    "category_id": rng.choice(c_ids),
                    "priority": rng.choice((1, 2, 2, 3, 3, 3, 3, 4)),
                    "status": status,
                    "assignee_id": assignee,
                    "sla_tier_id": tier_ids[org % 2],
                    "channel": "email",
                    "custom_fields": "{}",
                    "created_at": created,
                    "updated_at": created,
                    "ack_due": created + timedelta(hours=1),
                    "first_response_due": fr_due,
                    "first_response_at": fr_at,
                    "resolution_due": res_due,
                    "resolved_at": resolved_at,
                    "closed_at": resolved_at if status == "closed" else None,
                    "ack_at": created + timedelta(minutes=5),
                    "ack_breached": False,
                    "first_response_breached": bool(fr_at and fr_at > fr_due),
                    "resolution_breached": (resolved_at or NOW) > res_due,
                    "first_response_warned": False,
                    "resolution_warned": not done and res_due - NOW < timedelta(hours=8),
                    "sla_paused_at": None,
                    "auto_close_at": None,
                    "stale_close_at": None,
                    "merged_into_id": None,
                }
                count = BIG_TICKET_MESSAGES if n == 1 else rng.randint(1, 2 * MESSAGES_PER_TICKET - 1)
                message_plan.append((ids["ticket"], t, contact, assignee or staff[2], count, created))
                yield as_row(Ticket, row)

    copy(Ticket, ticket_rows(), total_tickets, "tickets")

    total_messages = sum(p[4] for p in message_plan)

    def message_rows():
        for ticket_id, t, contact, agent, count, created in message_plan:
            for k in range(count):
                ids["msg"] += 1
                from_client = k % 2 == 0
                row = {
                    "id": ids["msg"],
                    "tenant_id": t,
                    "ticket_id": ticket_id,
                    "kind": "internal" if k % 7 == 3 else "public",
                    "author_kind": "contact" if from_client else "agent",
                    "author_user_id": None if from_client else agent,
                    "author_contact_id": contact if from_client else None,
                    "body_text": sentence(rng, rng.randint(8, 30))
                    + (f" {RARE_WORD}" if ids["msg"] % RARE_EVERY == 0 else ""),
                    "body_html": "",
                    "message_id": "",
                    "source": "email",
                    "created_at": created + timedelta(minutes=10 * k),
                }
                yield as_row(Message, row)

    copy(Message, message_rows(), total_messages, "messages")

    def rating_rows():
        for i, (ticket_id, t, contact, *_rest, created) in enumerate(message_plan):
            if i % 10 == 0:
                row = {
                    "id": i // 10 + 1,
                    "tenant_id": t,
                    "ticket_id": ticket_id,
                    "contact_id": contact,
                    "score": rng.choice((3, 4, 5, 5, 5, 2)),
                    "comment": "",
                    "created_at": created + timedelta(days=1),
                }
                yield as_row(Rating, row)

    copy(Rating, rating_rows(), total_tickets // 10, "ratings")

    from django.db import transaction

    from search import fts
    from search.models import SearchEntry
    from tickets.search_index import documents

    # The same documents and terms the services write (tickets.search_index), oldest first. Read in batches
    # between COPYs: the reading cursor and a COPY cannot share the connection at the same moment.
    total_entries = total_tickets + total_messages + Contact.objects.count()
    started = time.perf_counter()
    fields = SearchEntry._meta.concrete_fields
    sql = f"COPY {SearchEntry._meta.db_table} ({', '.join(chr(34) + c + chr(34) for c in columns(SearchEntry))}) FROM STDIN"
    stream, written = iter(documents(None)), 0
    with transaction.atomic(), raw.cursor() as cur:
        while batch := [d.entry() for d in itertools.islice(stream, 20000)]:
            with cur.copy(sql) as cp:
                for entry in batch:
                    written += 1
                    entry.pk = written
                    cp.write_row(as_row(SearchEntry, {f.column: getattr(entry, f.attname) for f in fields}))
            progress("search", written, total_entries, started)

    print("building indexes and statistics (a few minutes at 1M)…", flush=True)
    started = time.perf_counter()
    with connection.schema_editor() as editor:
        fts.install(editor)
    with connection.cursor() as cursor:
        for model in (
            Tenant,
            User,
            Membership,
            SLATier,
            Queue,
            Category,
            Organization,
            Contact,
            Ticket,
            Message,
            Rating,
            SearchEntry,
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{model._meta.db_table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {model._meta.db_table}))"
            )
        cursor.execute("VACUUM ANALYZE")
    print(f"indexes and statistics in {time.perf_counter() - started:.0f} s", flush=True)


# --- timing ------------------------------------------------------------------------------------------


def measure(client, url: str, repeat: int, **headers) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    cpu = []
    queries = 0
    for i in range(repeat + 2):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            cpu_started = time.process_time()
            response = client.get(url, **headers)
            cpu_elapsed = (time.process_time() - cpu_started) * 1000
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code)
        if i >= 2:  # two warm-up requests: connection, templates, calendar cache
            times.append(elapsed)
            cpu.append(cpu_elapsed)
            queries = max(queries, len(ctx.captured_queries))
    times.sort()
    # CPU of this (Django) process only: wall minus CPU is mostly waiting for PostgreSQL (or for the
    # scheduler on a loaded machine), so the two together tell SQL cost from Python cost.
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[max(0, int(len(times) * 0.95) - 1)], 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "queries": queries,
    }


def run_pages(repeat: int) -> dict[str, dict[str, float]]:
    from urllib.parse import quote

    from django.test import Client
    from django.urls import reverse

    from helpdesk.models import Tenant, User
    from tickets.models import Ticket
    from tickets.views.agent.filtering import NEXT_DUE

    tenant = Tenant.objects.get(slug="bench1")
    lead = User.objects.get(email="lead0@bench1.test")
    agent = User.objects.get(email="agent0@bench1.test")

    def url(name: str, *args: object) -> str:
        return f"/t/{tenant.slug}" + reverse(
            f"agent:{name}", urlconf="helpdesk.urls_tenant", args=args or None
        )

    lead_client, agent_client = Client(), Client()
    lead_client.force_login(lead)
    agent_client.force_login(agent)
    # A deep keyset page: the cursor of the 500th open ticket in due order.
    deep = (
        Ticket.objects.for_tenant(tenant)
        .open()
        .annotate(next_due=NEXT_DUE)
        .order_by("next_due", "pk")
        .values_list("next_due", "pk")[500:501]
    )
    cursor = f"{deep[0][0].isoformat()}~{deep[0][1]}" if deep else ""
    big = Ticket.objects.get(tenant=tenant, number=1)
    home = url("home")
    pages = {
        "queue_lead": (lead_client, home, {}),
        "queue_agent": (agent_client, home, {}),
        "queue_breached": (lead_client, home + "?view=breached&priority=2", {}),
        "queue_deep_page": (lead_client, f"{home}?after={cursor}", {"HTTP_HX_REQUEST": "true"}),
        "search_word": (lead_client, home + "?q=" + "принтер", {}),
        "search_two_words": (lead_client, home + "?q=" + quote("сервер принтер"), {}),
        "search_word_agent": (agent_client, home + "?q=" + "принтер", {}),
        "search_phrase": (lead_client, home + "?q=" + quote('"ошибка сервер"'), {}),
        "search_rare_word": (lead_client, home + "?q=" + RARE_WORD, {}),
        "search_requester": (lead_client, home + "?q=c3@org7.bench1.test", {}),
        "ticket_50_messages": (lead_client, url("ticket_detail", big.display_number), {}),
        "dashboard": (lead_client, url("dashboard"), {}),
        **api_pages(tenant),
    }
    results = {}
    for name, (client, target, headers) in pages.items():
        results[name] = measure(client, target, repeat, **headers)
        print(
            f"  {name:20} p50 {results[name]['p50_ms']:7.1f} ms  p95 {results[name]['p95_ms']:7.1f} ms  "
            f"cpu p50 {results[name]['cpu_p50_ms']:6.1f} ms  {results[name]['queries']:2} queries",
            flush=True,
        )
    return results


def api_pages(tenant) -> dict[str, tuple[object, str, dict[str, str]]]:
    """The REST API's ticket list (first page, a filter, a deep cursor page) and one ticket, as a lead token."""
    from django.test import Client

    from api.tokens import api_token_create

    issued = api_token_create(
        tenant=tenant, name=f"bench-{os.getpid()}-{time.time_ns()}", role="lead", scope="read"
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    client = Client()
    first = client.get("/api/v1/tickets/?page_size=50", **auth).json()
    deep = "/api/v1/tickets/?page_size=50"
    for _ in range(10):  # ten pages in: a cursor like the ones a sync job follows
        nxt = client.get(deep, **auth).json()["next"]
        deep = nxt.replace("http://testserver", "") if nxt else deep
    number = first["results"][0]["number"] if first["results"] else "X-1"
    return {
        "api_tickets": (client, "/api/v1/tickets/", auth),
        "api_tickets_filtered": (client, "/api/v1/tickets/?status=open&priority=2", auth),
        "api_tickets_deep_page": (client, deep, auth),
        "api_ticket": (client, f"/api/v1/tickets/{number}/", auth),
    }


def load_average() -> str:
    """The 1/5/15-minute load: on a shared machine figures measured above ~1.5 are not comparable."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def worker(size: int, repeat: int) -> None:
    tenants = max(1, size // PER_TENANT)
    os.environ["DATABASE_URL"] = ensure_database(f"{DB_PREFIX}_agent_{size}_{PER_TENANT}")
    os.environ.setdefault("HELPDESK_VAR_DIR", "/tmp/var-agent-bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
    os.environ.pop("REDIS_URL", None)
    os.environ["API_THROTTLE_RATE"] = ""  # the benchmark's own request rate is not under test
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load(tenants)
    print(
        f"timing at {size:,} tickets ({tenants} tenant(s)), {repeat} requests per page, "
        f"load average {load_average()}",
        flush=True,
    )
    pages = run_pages(repeat)
    print(f"  load average after: {load_average()}", flush=True)
    print(json.dumps({"size": size, "pages": pages}))


def main() -> None:
    global PER_TENANT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=f"{PER_TENANT},1000000")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--per-tenant", type=int, default=PER_TENANT, help="tickets per tenant")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    PER_TENANT = args.per_tenant
    if args.worker:
        worker(args.worker, args.repeat)
        return
    by_size = {}
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"== {size:,} tickets", flush=True)
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", str(size), "--repeat", str(args.repeat)]
            + ["--per-tenant", str(PER_TENANT)],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        lines = proc.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        by_size[size] = json.loads(lines[-1])["pages"]
    summary: dict = {"targets": TARGETS, "sizes": {str(k): v for k, v in by_size.items()}}
    sizes = sorted(by_size)
    checks = {}
    for name, figures in by_size[sizes[-1]].items():
        limit = (
            TARGETS["dashboard_ms"]
            if name == "dashboard"
            else (TARGETS["search_ms"] if name.startswith("search") else TARGETS["page_p95_ms"])
        )
        ok = figures["p95_ms"] < limit and (
            name.startswith(("search", "dashboard")) or figures["queries"] <= TARGETS["page_queries"]
        )
        if len(sizes) > 1:
            base = by_size[sizes[0]][name]["p95_ms"]
            ratio = figures["p95_ms"] / max(base, 1.0)
            checks[f"{name}_growth"] = round(ratio, 2)
            ok = ok and ratio <= TARGETS["growth"]
        checks[name] = "ok" if ok else "MISSED"
    summary["checks"] = checks
    summary["all_targets_met"] = all(v == "ok" for k, v in checks.items() if not k.endswith("_growth"))
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
