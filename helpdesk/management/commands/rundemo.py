"""``python manage.py rundemo``: the whole product in one terminal on the embedded defaults.

Migrates, loads the demo tenants when missing, then runs the web server and a Celery worker with
an embedded beat as child processes, prints where to go and who to sign in as, and stops all of
them on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
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
        children = [self._start([sys.executable, "manage.py", "runserver", "--noreload", addr])]
        if not options["no_worker"]:
            children.append(
                self._start(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "helpdesk",
                        "worker",
                        "--beat",
                        "--loglevel",
                        "INFO",
                        "--concurrency",
                        "2",
                        "--schedule",
                        settings.CELERY_BEAT_SCHEDULE_FILENAME,
                    ]
                )
            )
        self._print_welcome(addr)
        self._wait(children)

    def _start(self, command: list[str]) -> subprocess.Popen[bytes]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, start_new_session=True)

    def _print_welcome(self, addr: str) -> None:
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
