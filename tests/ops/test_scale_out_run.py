"""benchmarks/scale_out.py end to end at a tiny size: two web servers, two workers (one SIGKILLed), two
beats, pages and piped mail; the script's own checks (no 5xx, one outcome per mail, every
acknowledgement and SLA alert mailed once, nothing sent twice) must pass. Timing is not checked here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
@pytest.mark.django_db
def test_scale_out_survives_a_killed_worker_and_a_second_beat(tmp_path):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("the scale-out run needs PostgreSQL and Redis (DATABASE_URL and REDIS_URL)")
    params = connection.settings_dict
    server = f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"
    env = {
        **os.environ,
        # Named after this run's test database: parallel runs of other checkouts get their own.
        "SCALE_DATABASE_URL": f"{server}/{params['NAME']}_scale_out",
        "SCALE_REDIS_URL": settings.REDIS_URL,  # the suite's own Redis database: the run flushes it
        "SCALE_VAR_DIR": str(tmp_path / "var"),
    }
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "scale_out.py"),
            "--seconds",
            "20",
            "--users",
            "2",
            "--mail-senders",
            "1",
            "--sla-tick",
            "5",
            "--drain",
            "240",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        cwd=ROOT,
    )
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["failed_checks"] == [], proc.stdout[-4000:]
    assert proc.returncode == 0
    assert summary["mails_piped"] >= 1 and summary["requests"] > 0
    assert summary["sla_alert_mails"] > 0 and summary["sla_ticks_sent_by_beat"]["beat2"] >= 1
