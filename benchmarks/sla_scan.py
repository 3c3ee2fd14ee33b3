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
                **{d: "09:00-18:00" for d in ("monday", "tuesday", "wednesday", "thursday", "friday")},
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

    from tickets.models import Ticket

    rng = random.Random(SEED)
    per_tenant = total // len(tenants)
    due_every = round(1 / due_share)
    fields = [f for f in Ticket._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    print(f"loading {per_tenant * len(tenants):,} tickets with COPY", flush=True)
    started = time.perf_counter()
    done = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY tickets_ticket ({', '.join(columns)}) FROM STDIN") as copy:
            for tenant in tenants:
                for number in range(1, per_tenant + 1):
                    done += 1
                    created = NOW - timedelta(minutes=rng.randint(60, 60 * 24 * 20))
                    if done % due_every == 0:  # due for breach at NOW: within the last minute
                        resolution_due = NOW - timedelta(seconds=rng.randint(0, 59))
                    else:
                        resolution_due = NOW + timedelta(minutes=rng.randint(1, 60 * 24 * 60))
                    values = {
                        "tenant_id": tenant["id"],
                        "number": number,
                        "subject": f"Нагрузочная заявка {number}",
                        "queue_id": tenant["queue"],
                        "priority": rng.randint(1, 4),
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
                        "resolution_due": resolution_due,
                    }
                    row = []
                    for field in fields:
                        if field.attname in values:
                            row.append(values[field.attname])
                        elif field.null:
                            row.append(None)
                        else:
                            row.append(field.get_db_prep_save(field.get_default(), connection))
                    copy.write_row(row)
                    if done % 20_000 == 0:
                        progress(done, per_tenant * len(tenants), started, "tickets")
    progress(done, done, started, "tickets")
    with connection.cursor() as cursor:
        # The clocks: one row per ticket, as ticket creation makes them (warnings already passed).
        print("creating the ticket clocks", flush=True)
        cursor.execute(
            """
            INSERT INTO sla_ticketclock (ticket_id, tenant_id, tier_id, schedule_id, first_response_target,
                resolution_target, warning_percent, pause_statuses, paused_total, paused, updated_at)
            SELECT id, tenant_id, sla_tier_id, NULL, interval '4 hours', interval '16 hours', 75,
                   '["waiting", "in_development"]'::jsonb, interval '0', false, created_at
            FROM tickets_ticket
            """
        )
        print("ANALYZE", flush=True)
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE sla_ticketclock")


def reset_previous_pass() -> None:
    """Undo what a previous run's pass did, so every run measures the same work."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM sla_slaalert")
        cursor.execute(
            "UPDATE tickets_ticket SET resolution_breached = false WHERE resolution_breached AND resolution_due <= %s",
            [NOW],
        )
        cursor.execute("VACUUM ANALYZE tickets_ticket")  # autocommit: clears the dead rows the reset left


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--due-share", type=float, default=0.01)
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
    if existing < args.tickets:
        if existing:
            print(f"found {existing:,} tickets, fewer than asked: reloading", flush=True)
            with connection.cursor() as cursor:
                cursor.execute("TRUNCATE tickets_ticket CASCADE")
        load_tickets(tenants, args.tickets, args.due_share)
    else:
        print(f"reusing {existing:,} tickets", flush=True)
    reset_previous_pass()
    total = Ticket.objects.count()
    due = Ticket.objects.filter(
        resolution_due__lte=NOW,
        resolved_at__isnull=True,
        resolution_breached=False,
        sla_paused_at__isnull=True,
    ).count()
    print(f"{total:,} open tickets, {due:,} due at {NOW.isoformat()}", flush=True)

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        counts = run_tick(now=NOW)
        first_pass = time.perf_counter() - started
    first_queries = len(queries)
    print(f"pass 1: {first_pass * 1000:.0f} ms, {first_queries} queries, {counts}", flush=True)

    with CaptureQueriesContext(connection) as again:
        started = time.perf_counter()
        repeat = run_tick(now=NOW)
        second_pass = time.perf_counter() - started
    print(f"pass 2 (same moment): {second_pass * 1000:.0f} ms, {len(again)} queries, {repeat}", flush=True)

    from sla.models import SLAAlert

    alerts = SLAAlert.objects.count()
    print(
        json.dumps(
            {
                "benchmark": "sla_scan",
                "tickets": total,
                "tenants": args.tenants,
                "due": due,
                "pass_seconds": round(first_pass, 3),
                "pass_queries": first_queries,
                "breached": counts["breached"],
                "alerts_stored": alerts,
                "repeat_pass_seconds": round(second_pass, 3),
                "repeat_pass_queries": len(again),
                "repeat_counts": repeat,
                "target_seconds": 1.0,
            }
        )
    )


if __name__ == "__main__":
    main()
