"""Scale-out test: several web and worker processes on one PostgreSQL and Redis, one worker killed.

Run: `python benchmarks/scale_out.py [--seconds 60] [--users 6] [--mail-senders 2]` (uses `.venv`'s
packages). Loopback only, bounded in time (the load phase, then at most `--drain` seconds), and it stops
everything it started. It needs PostgreSQL and Redis: `SCALE_DATABASE_URL` (default
postgres://postgres@127.0.0.1:5432/reglament_scale_out — **dropped and created afresh**) and
`SCALE_REDIS_URL` (default redis://127.0.0.1:6379/13 — **flushed**).

What it does:
1. migrates and seeds the demo tenants, collects static files, and makes a few open tickets overdue
   so that the SLA beat pass has breaches to alert on;
2. starts two gunicorn web servers (two workers each), two Celery workers and one Celery beat, in the
   production settings (`DJANGO_DEBUG=0`, JSON logs under the run's `var/log/`);
3. for `--seconds`: `--users` threads request agent and portal pages of two tenants from both web
   servers, while `--mail-senders` threads pipe mail through `manage.py mailgate pipe` (new tickets,
   replies to existing ones, the same message twice, auto-replies); a third of the way in a **second
   beat** is started by mistake; half-way one worker is killed with SIGKILL (its whole process group);
4. waits until the pipeline, the outbox and the broker queue are empty and both beats have ticked;
5. checks: no 5xx, every piped message exactly one outcome (a copy of the same message is a duplicate
   of it), every acknowledgement sent exactly once, no SLA alert mailed twice, no mail sent twice at
   all (same Message-ID), and reports requests/s and p50/p95 latency.

The last line printed is one JSON object with the figures; the exit status is 1 when a check failed.
"""

from __future__ import annotations

import argparse
import email
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATABASE_URL = os.environ.get("SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/reglament_scale_out")
REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/13")
VAR_DIR = Path(os.environ.get("SCALE_VAR_DIR", "/tmp/var-scale-out"))
METRICS_TOKEN = secrets.token_urlsafe(16)
TENANTS = ("saveit", "microimpuls")
OVERDUE_TICKETS = 3
MAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {text}", flush=True)


# --- environment --------------------------------------------------------------------------------
def child_env(name: str | None = None) -> dict[str, str]:
    """The production-shaped environment every process of the run gets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "S3_", "PROMETHEUS_"))}
    env.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "HELPDESK_VAR_DIR": str(VAR_DIR),
            "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "scale-out-" + "k" * 50,
            "SECURE_SSL_REDIRECT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "METRICS_TOKEN": METRICS_TOKEN,
            "METRICS_MULTIPROC_DIRS": ",".join(
                str(VAR_DIR / "metrics" / g) for g in ("web1", "web2", "w1", "w2")
            ),
            # A killed worker's unacknowledged tasks come back within the run, not after two hours.
            "CELERY_VISIBILITY_TIMEOUT": "20",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if name is not None:
        env["LOG_FILE"] = str(VAR_DIR / "log" / f"{name}.log")
        env["PROMETHEUS_MULTIPROC_DIR"] = str(VAR_DIR / "metrics" / name)
    return env


def recreate_database_and_broker() -> None:
    import psycopg
    import redis

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    redis.Redis.from_url(REDIS_URL).flushdb()
    shutil.rmtree(VAR_DIR, ignore_errors=True)
    (VAR_DIR / "log").mkdir(parents=True)


# --- the world ----------------------------------------------------------------------------------
@dataclass
class Visitor:
    cookie: str
    urls: list[str]


@dataclass
class World:
    visitors: list[Visitor]
    client_email: dict[str, str]
    client_tickets: dict[str, list[str]]
    overdue: list[int]


def _session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def prepare() -> World:
    os.environ.update(child_env())
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from helpdesk.models import User
    from tickets.models import Ticket
    from tickets.statuses import OPEN_STATUSES

    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("collectstatic", interactive=False, verbosity=0)
    visitors, client_email, client_tickets = [], {}, {}
    for slug in TENANTS:
        tickets = list(Ticket.objects.filter(tenant__slug=slug).select_related("tenant", "requester"))
        numbers = [t.display_number for t in tickets]
        agent = User.objects.get(email=f"agent@{slug}.example")
        visitors.append(
            Visitor(
                _session_cookie(agent),
                [f"/t/{slug}/agent/", *(f"/t/{slug}/agent/tickets/{n}/" for n in numbers)],
            )
        )
        email_address = f"client@{slug}-client.example"
        client = User.objects.get(email=email_address)
        own = [t.display_number for t in tickets if t.requester and t.requester.email == email_address]
        visitors.append(
            Visitor(
                _session_cookie(client), [f"/t/{slug}/tickets/", *(f"/t/{slug}/tickets/{n}/" for n in own)]
            )
        )
        client_email[slug] = email_address
        client_tickets[slug] = [
            t.display_number
            for t in tickets
            if t.requester and t.requester.email == email_address and t.status in OPEN_STATUSES
        ]
    # Overdue first responses: the beat pass finds breaches and alerts (and mails) each exactly once.
    overdue = list(
        Ticket.objects.filter(
            tenant__slug__in=TENANTS,
            status__in=OPEN_STATUSES,
            first_response_at__isnull=True,
            sla_paused_at__isnull=True,
        ).values_list("pk", flat=True)[:OVERDUE_TICKETS]
    )
    Ticket.objects.filter(pk__in=overdue).update(
        first_response_due=timezone.now() - timezone.timedelta(minutes=5)
    )
    from django.db import connections

    connections.close_all()
    return World(visitors, client_email, client_tickets, overdue)


# --- processes ----------------------------------------------------------------------------------
class Processes:
    def __init__(self) -> None:
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, command: list[str]) -> None:
        out = open(VAR_DIR / "log" / f"{name}.out", "ab")  # noqa: SIM115 - the child owns it
        self.running[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=child_env(name),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, name: str) -> None:
        os.killpg(self.running[name].pid, signal.SIGKILL)
        self.running[name].wait()

    def stop_all(self) -> None:
        for process in self.running.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def start_everything(processes: Processes, ports: list[int]) -> None:
    for n, port in enumerate(ports, start=1):
        processes.start(
            f"web{n}",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:helpdesk.gunicorn_conf",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--access-logfile",
                str(VAR_DIR / "log" / f"web{n}.access.log"),
                "helpdesk.wsgi",
            ],
        )
    celery = [sys.executable, "-m", "celery", "-A", "helpdesk"]
    for n in (1, 2):
        processes.start(
            f"w{n}", [*celery, "worker", "-n", f"w{n}@%h", "--concurrency", "2", "--loglevel", "INFO"]
        )
    processes.start(
        "beat1", [*celery, "beat", "--loglevel", "INFO", "--schedule", str(VAR_DIR / "beat1-schedule")]
    )


def wait_ready(ports: list[int], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    for port in ports:
        while True:
            try:
                status, _ = get(port, "/readyz/", "")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"web on port {port} did not become ready")
            time.sleep(0.5)


def get(
    port: int, path: str, cookie: str, connection: http.client.HTTPConnection | None = None
) -> tuple[int, bytes]:
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    body = response.read()
    if connection is None:
        conn.close()
    return response.status, body


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- load -----------------------------------------------------------------------------------------
@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    request_errors: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    piped: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def browse(visitor: Visitor, ports: list[int], until: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    connections = {port: http.client.HTTPConnection("127.0.0.1", port, timeout=30) for port in ports}
    while time.monotonic() < until:
        port, path = rng.choice(ports), rng.choice(visitor.urls)
        started = time.perf_counter()
        try:
            status, _ = get(port, path, visitor.cookie, connections[port])
        except (OSError, http.client.HTTPException) as exc:
            connections[port].close()
            connections[port] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with results.lock:
                results.request_errors.append(f"{path}: {type(exc).__name__}")
            continue
        elapsed = time.perf_counter() - started
        with results.lock:
            results.latencies.append(elapsed)
            results.statuses[status] += 1
            if status >= 500:
                results.server_errors.append(f"{status} {path}")


def _mail(kind: str, slug: str, world: World, rng: random.Random) -> bytes:
    message = EmailMessage()
    message["From"] = world.client_email[slug]
    message["To"] = f"support@{slug}.example"
    message["Message-ID"] = make_msgid(domain=f"{slug}-client.example")
    subject = f"Проверка нагрузки {rng.randrange(10**6)}"
    if kind == "reply" and world.client_tickets[slug]:
        subject = f"Re: [{rng.choice(world.client_tickets[slug])}] {subject}"
    if kind == "autoreply":
        message["Auto-Submitted"] = "auto-replied"
        subject = f"Автоответ: {subject}"
    message["Subject"] = subject
    message.set_content("Добрый день! Письмо из теста масштабирования.\n")
    return message.as_bytes()


def pipe_mail(world: World, until: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    previous: bytes | None = None
    while time.monotonic() < until:
        slug = rng.choice(TENANTS)
        kind = rng.choices(["new", "reply", "duplicate", "autoreply"], weights=[6, 3, 1, 1])[0]
        raw = (
            previous
            if kind == "duplicate" and previous
            else _mail(kind if kind != "duplicate" else "new", slug, world, rng)
        )
        previous = raw
        message_id = email.message_from_bytes(raw, policy=default_policy)["Message-ID"].strip().strip("<>")
        done = subprocess.run(
            [sys.executable, "manage.py", "mailgate", "pipe", "--recipient", f"support@{slug}.example"],
            input=raw,
            cwd=ROOT,
            env=child_env(),
            capture_output=True,
        )
        with results.lock:
            results.piped.append(
                {
                    "message_id": message_id,
                    "kind": kind,
                    "exit": done.returncode,
                    "line": done.stdout.decode().strip(),
                }
            )


# --- checks ---------------------------------------------------------------------------------------
def _header(message: email.message.EmailMessage, name: str) -> str:
    return str(message[name] or "").strip()  # long values are folded onto the next line


def ticket_tag(message: email.message.EmailMessage) -> str:
    """The ticket number our subjects start with: ``[SV-12] …``."""
    subject = _header(message, "Subject")
    return subject[1:].split("]")[0] if subject.startswith("[") else ""


def sent_mails() -> list[email.message.EmailMessage]:
    mails = []
    for path in sorted((VAR_DIR / "mail").glob("*.log")):
        for chunk in path.read_bytes().split(MAIL_SEPARATOR):
            if chunk.strip():
                mails.append(email.message_from_bytes(chunk.lstrip(b"\n"), policy=default_policy))
    return mails


def scrape(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    text = conn.getresponse().read().decode()
    conn.close()
    return text


def drained(world: World, port: int) -> tuple[bool, str]:
    import redis

    from mailgate.models import InboundMessage, InboundStatus, OutboundMail, OutboxStatus
    from sla.models import AlertOutbox, SLAAlert

    unprocessed = InboundMessage.objects.filter(status=InboundStatus.RECEIVED).count()
    unsent = OutboundMail.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]).count()
    queued = redis.Redis.from_url(REDIS_URL).llen("celery")
    undelivered = AlertOutbox.objects.filter(delivered_at__isnull=True).count()
    undelivered += SLAAlert.objects.filter(emailed_at__isnull=True).count()
    alerted = SLAAlert.objects.filter(ticket_id__in=world.overdue).values("ticket_id").distinct().count()
    ticks = metric(scrape(port), "reglament_celery_tasks_total", task="sla.tick", outcome="success")
    sent_by = {name: beat_sends(name) for name in ("beat1", "beat2")}
    state = (
        f"unprocessed={unprocessed} unsent={unsent} queued={queued} undelivered_alerts={undelivered} "
        f"alerted={alerted}/{len(world.overdue)} sla_ticks={ticks:.0f} sent_by={sent_by}"
    )
    # Both beats must have sent the SLA pass at least once after the second one started: that is the
    # situation in which nothing may be sent twice.
    lost = in_flight("w1")
    redelivered = lost & task_events("w2")["received"]
    state += f" killed_in_flight={len(lost)} redelivered={len(redelivered)}"
    # What the killed worker had taken comes back after the visibility timeout to the other worker
    # (which runs it, or drops it when it has expired meanwhile, as a periodic pass does).
    idle = unprocessed == unsent == queued == undelivered == 0 and redelivered == lost
    return idle and alerted == len(world.overdue) and min(sent_by.values()) >= 1, state


_TASK_LINE = re.compile(r"Task ([\w.]+)\[([0-9a-f-]{36})\] (received|succeeded|failed|retry)")
_DISCARDED = re.compile(r"Discarding revoked task: ([\w.]+)\[([0-9a-f-]{36})\]")


def task_events(name: str) -> dict[str, set[str]]:
    """Task ids a worker logged as received, succeeded, failed, retried, or discarded (expired)."""
    events: dict[str, set[str]] = {
        key: set() for key in ("received", "succeeded", "failed", "retry", "discarded")
    }
    path = VAR_DIR / "log" / f"{name}.log"
    if path.exists():
        text = path.read_text(errors="replace")
        for match in _TASK_LINE.finditer(text):
            events[match[3]].add(match[2])
        events["discarded"].update(match[2] for match in _DISCARDED.finditer(text))
    return events


def in_flight(name: str) -> set[str]:
    events = task_events(name)
    return events["received"] - events["succeeded"] - events["failed"] - events["discarded"]


def wait_until_busy(name: str, within: float) -> bool:
    """Poll the worker's log until it has taken a task it has not finished (the moment to kill it)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if in_flight(name):
            return True
        time.sleep(0.01)
    return False


def beat_sends(name: str) -> int:
    """How often a beat process sent the SLA pass (from its log)."""
    path = VAR_DIR / "log" / f"{name}.log"
    if not path.exists():
        return 0
    return sum(
        1 for line in path.read_text(errors="replace").splitlines() if "Sending due task sla-tick" in line
    )


def metric(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        ours = line.startswith(name + "{") or line.startswith(name + " ")
        if ours and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def check(world: World, results: Results, port: int) -> dict[str, Any]:
    from django.db.models import Count

    from helpdesk.models import Membership
    from mailgate.models import InboundMessage, InboundStatus, OutboundMail, OutboxKind, OutboxStatus
    from tickets.models import Message, Ticket

    figures: dict[str, Any] = {}
    # Every piped message: stored (exit 0), exactly one decided row per Message-ID, copies duplicates.
    figures["mails_piped"] = len(results.piped)
    figures["pipe_failures"] = sum(1 for p in results.piped if p["exit"] != 0)
    ids = {p["message_id"] for p in results.piped}
    rows = InboundMessage.objects.filter(message_id__in=ids)
    decided = Counter(
        rows.exclude(status=InboundStatus.IGNORED, reason="duplicate").values_list("message_id", flat=True)
    )
    figures["mails_distinct"] = len(ids)
    figures["mail_outcomes"] = dict(Counter(rows.values_list("status", flat=True)))
    figures["mails_without_outcome"] = (
        len(ids - set(decided)) + rows.filter(status=InboundStatus.RECEIVED).count()
    )
    figures["mails_with_two_outcomes"] = sum(1 for n in decided.values() if n > 1)
    figures["messages_stored_twice"] = (
        Message.objects.filter(message_id__in=ids)
        .values("message_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    # Mail we sent: by Message-ID (any mail twice), acknowledgements per ticket, SLA alerts per recipient.
    mails = sent_mails()
    by_id = Counter(_header(m, "Message-ID") for m in mails)
    figures["mails_sent"] = len(mails)
    figures["mails_sent_twice"] = sum(n - 1 for n in by_id.values() if n > 1)
    created = list(rows.filter(status=InboundStatus.CREATED).values_list("ticket_number", flat=True))
    acks = Counter(ticket_tag(m) for m in mails if "Заявка зарегистрирована" in _header(m, "Subject"))
    figures["acks_expected"] = len(created)
    figures["acks_missing"] = sum(1 for number in created if acks[number] == 0)
    figures["ack_duplicates"] = sum(acks[number] - 1 for number in created if acks[number] > 1)
    figures["ack_rows_unsent"] = (
        OutboundMail.objects.filter(kind=OutboxKind.ACKNOWLEDGEMENT).exclude(status=OutboxStatus.SENT).count()
    )
    # SLA alerts: mail to staff about the tickets made overdue, one per (recipient, subject).
    overdue_numbers = {
        t.display_number for t in Ticket.objects.filter(pk__in=world.overdue).select_related("tenant")
    }
    staff = set(Membership.objects.values_list("user__email", flat=True))
    alerts = Counter(
        (_header(m, "To"), _header(m, "Subject"))
        for m in mails
        if ticket_tag(m) in overdue_numbers and _header(m, "To") in staff
    )
    figures["sla_alert_mails"] = sum(alerts.values())
    figures["sla_alert_duplicates"] = sum(n - 1 for n in alerts.values() if n > 1)
    # What the processes counted themselves (Prometheus multiprocess files of both web servers and workers).
    text = scrape(port)
    figures["sla_ticks"] = metric(text, "reglament_celery_tasks_total", task="sla.tick", outcome="success")
    figures["sla_ticks_sent_by_beat"] = {name: beat_sends(name) for name in ("beat1", "beat2")}
    # The killed worker: tasks it had taken and not finished, and whether the other worker ran them.
    lost = in_flight("w1")
    figures["killed_worker_in_flight"] = len(lost)
    figures["in_flight_redelivered"] = len(lost & task_events("w2")["received"])
    figures["task_failures"] = metric(text, "reglament_celery_tasks_total", outcome="failure")
    figures["task_retries"] = metric(text, "reglament_celery_tasks_total", outcome="retry")
    return figures


# --- main -----------------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load phase")
    parser.add_argument("--users", type=int, default=6, help="page-browsing threads")
    parser.add_argument("--mail-senders", type=int, default=2, help="threads piping mail")
    parser.add_argument("--drain", type=float, default=180.0, help="at most this long to let work finish")
    parser.add_argument("--sla-tick", type=float, default=20.0, help="seconds between beat's SLA passes")
    args = parser.parse_args()
    os.environ["SLA_TICK_SECONDS"] = str(args.sla_tick)  # children inherit it through child_env()

    say(f"fresh database {urlsplit(DATABASE_URL).path.lstrip('/')}, Redis {REDIS_URL}, var {VAR_DIR}")
    recreate_database_and_broker()
    world = prepare()
    say(f"seeded; {len(world.overdue)} tickets made overdue for the SLA pass")
    ports = [free_port(), free_port()]
    processes = Processes()
    results = Results()
    try:
        start_everything(processes, ports)
        wait_ready(ports)
        say(f"2 web servers on {ports}, 2 workers, 1 beat: running the load for {args.seconds:.0f} s")
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(
                target=browse, args=(world.visitors[i % len(world.visitors)], ports, until, results, i)
            )
            for i in range(args.users)
        ]
        threads += [
            threading.Thread(target=pipe_mail, args=(world, until, results, 1000 + i))
            for i in range(args.mail_senders)
        ]
        for thread in threads:
            thread.start()
        time.sleep(args.seconds / 3)
        say("starting a second beat by mistake")
        processes.start(
            "beat2",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(VAR_DIR / "beat2-schedule"),
            ],
        )
        time.sleep(max(0.0, started + args.seconds / 2 - time.monotonic()))
        busy = wait_until_busy("w1", within=15.0)
        say(f"SIGKILL worker w1 (its whole process group){' in the middle of a task' if busy else ''}")
        processes.kill("w1")
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        say(
            f"load done: {sum(results.statuses.values())} requests, {len(results.piped)} mails piped; draining"
        )
        deadline = time.monotonic() + args.drain
        while True:
            done, state = drained(world, ports[0])
            if done or time.monotonic() > deadline:
                break
            say(f"  waiting: {state}")
            time.sleep(5)
        say(f"drained: {state}" if done else f"drain timed out: {state}")
        time.sleep(3)  # the last sends' files are flushed
        figures = check(world, results, ports[0])
    finally:
        processes.stop_all()

    latencies = sorted(results.latencies)
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    figures = {
        "seconds": round(elapsed, 1),
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "errors_5xx": len(results.server_errors),
        "request_errors": len(results.request_errors),
        "statuses": {str(k): v for k, v in sorted(results.statuses.items())},
        "drained": done,
        **figures,
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    failed = [
        name
        for name in (
            "errors_5xx",
            "request_errors",
            "pipe_failures",
            "mails_without_outcome",
            "mails_with_two_outcomes",
            "messages_stored_twice",
            "mails_sent_twice",
            "acks_missing",
            "ack_duplicates",
            "sla_alert_duplicates",
        )
        if figures[name]
    ]
    if not done:
        failed.append("drained")
    if figures["in_flight_redelivered"] != figures["killed_worker_in_flight"]:
        failed.append("killed_worker_in_flight")
    if not figures["sla_alert_mails"]:
        failed.append("sla_alert_mails")  # nothing to count duplicates of: the check would prove nothing
    if min(figures["sla_ticks_sent_by_beat"].values()) < 1:
        failed.append("sla_ticks_sent_by_beat")
    for name in failed:
        say(f"CHECK FAILED: {name} = {figures[name]}")
    if results.server_errors:
        say("first server errors: " + "; ".join(results.server_errors[:5]))
    say("all checks passed" if not failed else f"{len(failed)} checks failed")
    figures["failed_checks"] = failed
    print(json.dumps(figures, ensure_ascii=False))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
