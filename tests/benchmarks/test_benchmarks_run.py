"""Every benchmark runs end to end at a tiny size, so a loader that lags the schema fails here, not on the
day someone wants the figures. The figures themselves are not checked (timing is the benchmarks' job);
the last line must be the benchmark's JSON summary.

The PostgreSQL benchmarks use databases named ``<test database>_bench_*`` on the server of ``DATABASE_URL``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _run(script: str, *args: str, env: dict[str, str] | None = None, ok_codes: tuple[int, ...] = (0,)) -> dict:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )
    assert proc.returncode in ok_codes, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _postgres_env(tmp_path: Path) -> dict[str, str]:
    if connection.vendor != "postgresql":
        pytest.skip("the page, scan and ingest benchmarks run on PostgreSQL")
    settings = connection.settings_dict
    server = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}"
    # Named after this run's test database, so runs of several checkouts on one server never share one.
    return {
        "BENCH_DATABASE_URL": f"{server}/postgres",
        "BENCH_DB_PREFIX": f"{settings['NAME']}_bench",
        "HELPDESK_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "ERROR",
    }


@pytest.mark.postgres
@pytest.mark.django_db
def test_sla_scan_loads_and_runs_a_pass(tmp_path):
    env = _postgres_env(tmp_path)
    env["BENCH_DATABASE_URL"] = env["BENCH_DATABASE_URL"].rsplit("/", 1)[0] + f"/{env['BENCH_DB_PREFIX']}_sla"
    summary = _run("sla_scan.py", "--tickets", "400", "--tenants", "2", "--repeat", "1", "--reload", env=env)
    assert summary["tickets"] == 400
    assert summary["breached"] > 0
    assert summary["repeat_counts"]["breached"] == 0


@pytest.mark.postgres
@pytest.mark.django_db
def test_portal_pages_seeds_and_times_every_page(tmp_path):
    env = _postgres_env(tmp_path)
    env["BENCH_DATABASE_URL"] = env["BENCH_DATABASE_URL"].rsplit("/", 1)[0] + f"/{env['BENCH_DB_PREFIX']}_portal"
    # Exit 1 means a target was missed, which a busy test machine may do; the run itself must work.
    summary = _run("portal_pages.py", "--tickets", "30", "--requests", "3", env=env, ok_codes=(0, 1))
    assert summary["fixed_queries"] is True
    assert set(summary["pages"]) >= {"list", "detail_big", "detail_small"}


@pytest.mark.postgres
@pytest.mark.django_db
def test_agent_pages_loads_and_times_every_page(tmp_path):
    env = _postgres_env(tmp_path)
    summary = _run("agent_pages.py", "--sizes", "200", "--per-tenant", "200", "--repeat", "2", env=env)
    pages = summary["sizes"]["200"]
    assert {"queue", "ticket", "api"} <= {name.split("_")[0] for name in pages}


@pytest.mark.postgres
@pytest.mark.django_db
def test_mail_ingest_gives_every_message_an_outcome(tmp_path):
    env = _postgres_env(tmp_path)
    summary = _run("mail_ingest.py", "--messages", "120", "--batch", "40", env=env)
    assert sum(summary["outcomes"].values()) == summary["messages"] == 120
    assert "received" not in summary["outcomes"]


def test_sla_calendar_agrees_with_the_reference():
    pytest.importorskip("businesstimedelta", reason="the calendar benchmark compares with businesstimedelta")
    summary = _run("sla_calendar.py", "--calls", "2000")
    assert summary["mismatches"] == 0
    assert summary["edge_mismatches"] == 0


def test_search_loads_indexes_and_times_every_search(tmp_path):
    """On SQLite (its default) whatever the suite's database; a tiny size."""
    summary = _run("search.py", "--tickets", "100", "--repeat", "2", env={"BENCH_VAR_DIR": str(tmp_path / "bench")})
    assert summary["database"] == "sqlite" and summary["tickets"] == 100
    assert {"agent_common_word", "portal_common_word", "kb_search"} <= set(summary["searches"])
    assert summary["indexing"]["statements_per_message"] == 2  # the entry and its FTS5 row
