"""Benchmark: one SLA beat pass over 1,000,000 open tickets in 100 tenants on PostgreSQL.

Run: `python benchmarks/sla_scan.py [--tickets N] [--tenants N] [--due-share 0.01]`.
Uses its own database (`reglament_bench_sla` on `BENCH_DATABASE_URL`, default
postgres://postgres@127.0.0.1:5432/reglament_bench_sla), created and migrated when missing and loaded
once with COPY (a progress bar shows the load); later runs reuse the rows and only reset what the
previous pass changed. The pass runs as of a moment when `due-share` of the tickets have just passed
their resolution deadline: it flags them, inserts the in-app alerts and queues one mailer task (the
mail itself is not sent inline). Prints the pass time and query count; the last line is a JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reglament_bench_sla"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("HELPDESK_VAR_DIR", "/tmp/var-sla-bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.pop("REDIS_URL", None)  # queue into the embedded filesystem broker: nothing consumes it

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
HISTORY = timedelta(days=20)
RESOLUTION_SPAN = {1: timedelta(hours=4), 2: timedelta(days=1), 3: timedelta(days=3), 4: timedelta(days=7)}
SEED = 5


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"creating database {name}", flush=True)
            conn.execute(f'CREATE DATABASE "{name}"')


def progress(done: int, total: int, started: float, label: str) -> None:
    width = 40
    filled = int(width * done / total) if total else width
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,} {rate:,.0f}/s")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def setup_tenants(tenant_count: int) -> list[dict]:
    from helpdesk.models import Membership, Role, Tenant, User
    from sla.models import SLATarget, SLATier, WorkSchedule
    from tickets.models import Queue

    tenants = []
    for index in range(tenant_count):
        slug = f"bench{index:03d}"
        tenant, _ = Tenant.objects.get_or_create(
            slug=slug, defaults={"name": slug, "ticket_prefix": f"B{index:03d}"}
        )
        WorkSchedule.objects.get_or_create(
            tenant=tenant,
            name="Офис",
            defaults={
                "is_default": True,
                **dict.fromkeys(("monday", "tuesday", "wednesday", "thursday", "friday"), "09:00-18:00"),
            },
        )
        tier, created = SLATier.objects.get_or_create(
            tenant=tenant, name="Стандарт", defaults={"is_default": True}
        )
        if created:
            for priority in (1, 2, 3, 4):
                SLATarget.objects.create(
                    tenant=tenant,
                    tier=tier,
                    priority=priority,
                    first_response_hours=4 * priority,
                    resolution_hours=16 * priority,
                )
        queue, _ = Queue.objects.get_or_create(
            tenant=tenant, slug="support", defaults={"name": "Поддержка", "is_default": True}
        )
        agents = []
        for role, count in ((Role.ADMIN, 1), (Role.LEAD, 1), (Role.AGENT, 3)):
            for n in range(count):
                user, _ = User.objects.get_or_create(
                    email=f"{role}{n}@{slug}.bench", defaults={"full_name": f"{role} {n}"}
                )
                Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
                if role == Role.AGENT:
                    agents.append(user.pk)
        queue.agents.add(*agents)
        tenants.append({"id": tenant.pk, "tier": tier.pk, "queue": queue.pk, "agents": agents})
    return tenants


def load_tickets(tenants: list[dict], total: int, due_share: float) -> None:
    from django.db import connection

    from sla.models import TicketClock
    from tickets.models import Ticket

    rng = random.Random(SEED)
    per_tenant = total // len(tenants)
    count = per_tenant * len(tenants)
    # Tickets arrive in time order, tenants interleaved, as in production; each one's resolution is due
    # a priority-dependent span after creation. Deadlines passed before the last `due_share` of them
    # were flagged by earlier passes; the most recent `due_share` are what this pass finds due.
    step = HISTORY / count
    priorities = [rng.randint(1, 4) for _ in range(count)]
    dues = [NOW - HISTORY + step * i + RESOLUTION_SPAN[priorities[i]] for i in range(count)]
    past = sorted((d for d in dues if d <= NOW), reverse=True)
    due_count = round(count * due_share)
    breached_before = past[due_count - 1] if len(past) >= due_count else NOW - HISTORY * 2
    print(f"loading {count:,} tickets with COPY", flush=True)
    started = time.perf_counter()

    def ticket_rows():
        for i in range(count):
            tenant = tenants[i % len(tenants)]
            number = i // len(tenants) + 1
            created = NOW - HISTORY + step * i
            if (i + 1) % 20_000 == 0:
                progress(i + 1, count, started, "tickets")
            yield {
                "tenant_id": tenant["id"],
                "number": number,
                "subject": f"Нагрузочная заявка {number}",
                "queue_id": tenant["queue"],
                "priority": priorities[i],
                "resolution_breached": dues[i] < breached_before,
                "status": "open",
                "assignee_id": rng.choice(tenant["agents"]) if rng.random() < 0.5 else None,
                "sla_tier_id": tenant["tier"],
                "channel": "email",
                "custom_fields": "{}",
                "created_at": created,
                "updated_at": created,
                "ack_due": created + timedelta(hours=1),
                "ack_at": created + timedelta(minutes=5),
                "first_response_due": created + timedelta(hours=4),
                "first_response_at": created + timedelta(minutes=30),
                "resolution_due": dues[i],
            }

    copy_rows(Ticket, ticket_rows())
    progress(count, count, started, "tickets")

    # The clocks: one row per ticket, as ticket creation makes them (warnings already passed).
    print("creating the ticket clocks", flush=True)
    # Read before the COPY starts: the connection cannot run a query while a COPY is in progress.
    tickets = list(Ticket.objects.order_by("pk").values_list("pk", "tenant_id", "sla_tier_id", "created_at"))
    copy_rows(
        TicketClock,
        (
            {
                "ticket_id": pk,
                "tenant_id": tenant_id,
                "tier_id": tier_id,
                "first_response_target": timedelta(hours=4),
                "resolution_target": timedelta(hours=16),
                "warning_percent": 75,
                "pause_statuses": '["waiting", "in_development"]',
                "paused_total": timedelta(0),
                "updated_at": created,
            }
            for pk, tenant_id, tier_id, created in tickets
        ),
    )
    with connection.cursor() as cursor:
        print("ANALYZE", flush=True)
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE sla_ticketclock")


def copy_rows(model, rows) -> None:  # type: ignore[no-untyped-def]
    """COPY ``rows`` (dicts by attname) into ``model``'s table; every column not given takes the model's
    default (or NULL), so the loader follows the schema as migrations change it."""
    from django.db import connection

    generated = ("AutoField", "BigAutoField", "SmallAutoField")
    fields = [f for f in model._meta.concrete_fields if f.get_internal_type() not in generated]
    columns = ", ".join(f.column for f in fields)
    defaults = {
        f.attname: None if f.null and not f.has_default() else f.get_db_prep_save(f.get_default(), connection)
        for f in fields
    }
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for values in rows:
            copy.write_row(
                [values[f.attname] if f.attname in values else defaults[f.attname] for f in fields]
            )


def reset_previous_pass() -> None:
    """Undo what a previous run's pass did (its outbox says which tickets), so each run does the same work."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE tickets_ticket SET resolution_breached = false
            WHERE id IN (
                SELECT jsonb_array_elements_text(ticket_ids)::bigint FROM sla_alertoutbox
                WHERE kind = 'resolution_breach'
            )
            """
        )
        cursor.execute(
            """
            UPDATE sla_ticketclock SET resolution_breach_claimed = false
            WHERE ticket_id IN (
                SELECT jsonb_array_elements_text(ticket_ids)::bigint FROM sla_alertoutbox
                WHERE kind = 'resolution_breach'
            )
            """
        )
        cursor.execute("DELETE FROM sla_alertoutbox")
        cursor.execute("DELETE FROM sla_slaalert")
        # Autocommit: clear the dead rows the reset left, as autovacuum would between real passes.
        cursor.execute("VACUUM ANALYZE tickets_ticket")
        cursor.execute("VACUUM ANALYZE sla_ticketclock")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--due-share", type=float, default=0.01)
    parser.add_argument("--repeat", type=int, default=3, help="passes to time (each after a reset)")
    parser.add_argument("--reload", action="store_true", help="drop the loaded tickets and load them again")
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sla.sweeps import run_tick
    from tickets.models import Ticket

    print("migrating", flush=True)
    call_command("migrate", verbosity=0)
    existing = Ticket.objects.count()
    tenants = setup_tenants(args.tenants)
    if existing < args.tickets or args.reload:
        if existing:
            print(f"found {existing:,} tickets, fewer than asked: reloading", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE tickets_ticket CASCADE")
        load_tickets(tenants, args.tickets, args.due_share)
    else:
        print(f"reusing {existing:,} tickets", flush=True)
    total = Ticket.objects.count()
    passes = []
    for attempt in range(1, args.repeat + 1):
        reset_previous_pass()
        due = Ticket.objects.filter(
            resolution_due__lte=NOW,
            resolved_at__isnull=True,
            resolution_breached=False,
            sla_paused_at__isnull=True,
        ).count()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            counts = run_tick(now=NOW)
            elapsed = time.perf_counter() - started
        passes.append((elapsed, len(queries), counts))
        print(
            f"pass {attempt}: {total:,} open tickets, {due:,} due: {elapsed * 1000:.0f} ms, "
            f"{len(queries)} queries, {counts}",
            flush=True,
        )

    with CaptureQueriesContext(connection) as again:
        started = time.perf_counter()
        repeat = run_tick(now=NOW)
        repeat_seconds = time.perf_counter() - started
    print(
        f"same moment again, before delivery: {repeat_seconds * 1000:.0f} ms, {len(again)} queries, {repeat}",
        flush=True,
    )

    # What the pass queued: the delivery tasks' work, run here inline to show its cost (a worker's job).
    from sla.alerts import deliver_batch
    from sla.models import AlertOutbox, SLAAlert

    started = time.perf_counter()
    for batch_id in AlertOutbox.objects.filter(delivered_at__isnull=True).values_list("pk", flat=True):
        deliver_batch(batch_id)
    delivery_seconds = time.perf_counter() - started
    alerts = SLAAlert.objects.count()
    print(
        f"delivery (the queued work, done by workers, not part of the pass): ticket flags and {alerts:,} "
        f"in-app alerts in {delivery_seconds:.2f} s",
        flush=True,
    )
    with CaptureQueriesContext(connection) as settled:
        started = time.perf_counter()
        after_delivery = run_tick(now=NOW)
        settled_seconds = time.perf_counter() - started
    print(
        f"same moment after delivery: {settled_seconds * 1000:.0f} ms, {len(settled)} queries, {after_delivery}",
        flush=True,
    )

    times = sorted(p[0] for p in passes)
    median = times[len(times) // 2]
    print(
        json.dumps(
            {
                "benchmark": "sla_scan",
                "tickets": total,
                "tenants": args.tenants,
                "due": due,
                "pass_seconds_median": round(median, 3),
                "pass_seconds_all": [round(t, 3) for t in (p[0] for p in passes)],
                "pass_queries": passes[-1][1],
                "breached": passes[-1][2]["breached"],
                "repeat_pass_seconds": round(repeat_seconds, 3),
                "repeat_pass_queries": len(again),
                "repeat_counts": repeat,
                "after_delivery_pass_seconds": round(settled_seconds, 3),
                "after_delivery_counts": after_delivery,
                "alerts_delivered": alerts,
                "delivery_seconds": round(delivery_seconds, 3),
                "target_seconds": 1.0,
                "under_target": median < 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()
