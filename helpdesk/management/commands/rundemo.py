"""``python manage.py rundemo``: the whole product in one terminal on the embedded defaults.

Migrates, loads the demo tenants when missing, then runs the web server, a Celery worker and Celery
beat as child processes, prints where to go and who to sign in as, and stops all of them on Ctrl-C.
The children write their logs to ``var/log/``; the terminal shows the URLs, requests and errors.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from tickets.demo import DEMO_PASSWORD, DEMO_TENANTS, demo_logins


class Command(BaseCommand):
    help = "Migrate, seed the demo tenants and run web + Celery worker + beat until Ctrl-C."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port for the web server")
        parser.add_argument("--no-worker", action="store_true", help="run only the web server")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - closed at exit
        self.stdout.write("Demo tenants loaded.")
        addr = options["addr"]
        log_dir = settings.VAR_DIR / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        metrics_dir = settings.VAR_DIR / "metrics"
        children = [
            self._start(
                [sys.executable, "manage.py", "runserver", "--noreload", addr],
                name="web",
                log_dir=log_dir,
                metrics_dir=metrics_dir,
            )
        ]
        if not options["no_worker"]:
            celery = [sys.executable, "-m", "celery", "-A", "helpdesk"]
            children.append(
                self._start(
                    [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
                    name="worker",
                    log_dir=log_dir,
                    metrics_dir=metrics_dir,
                )
            )
            children.append(
                self._start(
                    [
                        *celery,
                        "beat",
                        "--loglevel",
                        "INFO",
                        "--schedule",
                        settings.CELERY_BEAT_SCHEDULE_FILENAME,
                    ],
                    name="beat",
                    log_dir=log_dir,
                    metrics_dir=metrics_dir,
                )
            )
        self._print_welcome(addr, log_dir)
        self._wait(children)

    def _start(
        self, command: list[str], *, name: str, log_dir: Path, metrics_dir: Path
    ) -> subprocess.Popen[bytes]:
        """One child: its log lines go to ``var/log/<name>.log`` (and its start-up banner too); the
        terminal keeps the request lines and warnings and errors. Its counters go to its own metrics
        directory, which the web process adds up for ``/metrics``."""
        own_metrics = metrics_dir / name
        shutil.rmtree(own_metrics, ignore_errors=True)
        own_metrics.mkdir(parents=True)
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "LOG_FILE": str(log_dir / f"{name}.log"),
            "PROMETHEUS_MULTIPROC_DIR": str(own_metrics),
            "METRICS_MULTIPROC_DIRS": ",".join(str(metrics_dir / group) for group in ("web", "worker")),
        }
        banner = open(log_dir / f"{name}.out", "ab")  # noqa: SIM115 - the child owns it until it exits
        return subprocess.Popen(
            command, cwd=settings.BASE_DIR, env=env, start_new_session=True, stdout=banner
        )

    def _print_welcome(self, addr: str, log_dir: Path) -> None:
        base = f"http://{addr}"
        self.stdout.write(self.style.SUCCESS(f"\nReglament is running at {base}/"))
        self.stdout.write(f"  admin:   {base}/admin/")
        for spec in DEMO_TENANTS:
            self.stdout.write(
                f"  {spec.name:<13} portal {base}/t/{spec.slug}/   agents {base}/t/{spec.slug}/agent/"
            )
        mail_dir = getattr(settings, "EMAIL_FILE_PATH", None)
        if mail_dir:
            self.stdout.write(f"  outgoing mail is written to {mail_dir}")
        self.stdout.write(f"  logs of the web server, worker and beat: {log_dir}/")
        self.stdout.write(f"\nLogins (password {DEMO_PASSWORD}):")
        for email, what in demo_logins():
            self.stdout.write(f"  {email:<36} {what}")
        self.stdout.write("\nPress Ctrl-C to stop.\n")

    def _wait(self, children: list[subprocess.Popen[bytes]]) -> None:
        stopping = False

        def stop(*_: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            self.stdout.write("\nStopping…")
            for child in children:
                if child.poll() is None:
                    child.terminate()  # the worker shuts its pool and beat down itself
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(child.pid, signal.SIGKILL)
            self.stdout.write("Stopped.")
