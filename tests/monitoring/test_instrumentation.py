"""Counters at the decision points, and the log context on the mail path's lines."""

from __future__ import annotations

import json
import logging

import pytest
from prometheus_client import REGISTRY

from helpdesk.log_context import ContextFilter, log_context
from tests.mailgate.conftest import make_eml, pipe


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
def mail_world(world_a, monkeypatch):
    from mailgate import tasks

    monkeypatch.setattr(tasks, "enqueue", lambda task, *args: task.apply(args=args))
    from mailgate import routing
    from mailgate.models import Mailbox

    Mailbox.objects.create(tenant=world_a.tenant, address="support@alpha.test")
    routing.clear_cache()
    yield world_a
    routing.clear_cache()


@pytest.fixture
def json_lines():
    """What the production handler writes: our filter and the JSON formatter on a handler of the root."""
    import io

    from pythonjsonlogger.json import JsonFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_a_piped_mail_counts_its_outcome_and_the_ticket(mail_world, django_capture_on_commit_callbacks):
    created = sample("reglament_mail_inbound_total", outcome="created", source="pipe")
    tickets = sample("reglament_tickets_created_total")
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(make_eml(sender=mail_world.client.email, to="support@alpha.test"))
    assert row.status == "created"
    assert sample("reglament_mail_inbound_total", outcome="created", source="pipe") == created + 1
    assert sample("reglament_tickets_created_total") == tickets + 1


def test_ignored_mail_counts_as_ignored(mail_world):
    before = sample("reglament_mail_inbound_total", outcome="ignored", source="pipe")
    raw = make_eml(sender=mail_world.client.email, to="support@alpha.test", message_id="<same@client.test>")
    pipe(raw)
    pipe(raw)
    assert sample("reglament_mail_inbound_total", outcome="ignored", source="pipe") == before + 1


def test_mail_path_lines_carry_tenant_ticket_and_inbound_id(mail_world, json_lines):
    with log_context(task_id="task-123"):
        row = pipe(make_eml(sender=mail_world.client.email, to="support@alpha.test"))
    (line,) = [line for line in json_lines() if line["name"] == "mailgate.pipeline"]
    assert line["tenant"] == "alpha"
    assert line["ticket"] == row.ticket_number
    assert line["inbound_id"] == row.pk
    assert line["task_id"] == "task-123"
    assert line["levelname"] == "INFO"


def test_outgoing_mail_counts_and_logs_with_its_ticket(
    mail_world, json_lines, django_capture_on_commit_callbacks
):
    sent = sample("reglament_mail_outbound_total", kind="ack", result="sent")
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(make_eml(sender=mail_world.client.email, to="support@alpha.test"))
    assert sample("reglament_mail_outbound_total", kind="ack", result="sent") == sent + 1
    (line,) = [line for line in json_lines() if line["name"] == "mailgate.outbound"]
    assert line["ticket"] == row.ticket_number and line["tenant"] == "alpha"
    assert "task_id" in line  # the acknowledgement is sent by a task (run inline here)


def test_task_outcomes_are_counted_by_celery_signals(db):
    from celery import shared_task

    @shared_task(name="tests.monitoring.flaky", bind=True, max_retries=1)
    def flaky(self, fail: str) -> str:
        if fail == "retry" and not self.request.retries:
            raise self.retry(countdown=0)
        if fail == "fail":
            raise ValueError("boom")
        return "ok"

    name = "tests.monitoring.flaky"
    before = {
        o: sample("reglament_celery_tasks_total", task=name, outcome=o)
        for o in ("success", "failure", "retry")
    }
    flaky.apply(args=["no"])
    flaky.apply(args=["fail"], throw=False)
    flaky.apply(args=["retry"], throw=False)
    after = {o: sample("reglament_celery_tasks_total", task=name, outcome=o) for o in before}
    assert after["success"] - before["success"] == 2
    assert after["failure"] - before["failure"] == 1
    assert after["retry"] - before["retry"] == 1


def test_sla_pass_counts_warnings_and_breaches(db, monkeypatch):
    from sla import tasks

    monkeypatch.setattr(
        tasks, "run_tick", lambda now: {"warned": 2, "breached": 3, "auto_closed": 0, "stale_closed": 0}
    )
    warned, breached = (
        sample("reglament_sla_events_total", kind="warned"),
        sample("reglament_sla_events_total", kind="breached"),
    )
    tasks.sla_tick.apply()
    assert sample("reglament_sla_events_total", kind="warned") == warned + 2
    assert sample("reglament_sla_events_total", kind="breached") == breached + 3


def test_metrics_add_up_the_files_of_other_processes(client, db, token, settings, tmp_path):
    """Multiprocess mode: a separate process (as a gunicorn or Celery pool worker) writes its counters
    to files; /metrics sums the files of every listed directory."""
    import os
    import subprocess
    import sys

    code = (
        "from helpdesk import metrics; metrics.count_inbound([('created', 'imap')] * {n}); "
        "metrics.count_task(task='t', outcome='success')"
    )
    for n, group in ((2, "web"), (3, "worker")):
        directory = tmp_path / group
        directory.mkdir()
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
        subprocess.run([sys.executable, "-c", code.format(n=n)], env=env, check=True, cwd=settings.BASE_DIR)
    settings.METRICS_MULTIPROC_DIRS = [str(tmp_path / "web"), str(tmp_path / "worker")]
    text = client.get("/metrics", **token).content.decode()
    assert 'reglament_mail_inbound_total{outcome="created",source="imap"} 5.0' in text
    assert 'reglament_celery_tasks_total{outcome="success",task="t"} 2.0' in text
