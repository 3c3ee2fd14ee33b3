"""The worker's timer and beat's tick write heartbeats the health check reads."""

from __future__ import annotations

import pytest
from celery.utils.timer2 import Timer

from helpdesk.celery import app
from monitoring.health import health_report
from monitoring.heartbeats import HeartbeatScheduler, WorkerHeartbeat
from monitoring.models import Heartbeat


class _Worker:
    hostname = "celery@test-host"

    def __init__(self) -> None:
        self.timer = Timer()


# transaction=True: the writers close stale connections first, as a long-running process must, which
# a test wrapped in one transaction would not survive.
@pytest.mark.django_db(transaction=True)
def test_the_worker_bootstep_beats_at_start_and_stops_with_the_worker():
    worker = _Worker()
    step = WorkerHeartbeat(worker)
    step.start(worker)
    try:
        (row,) = Heartbeat.objects.filter(role="worker")
        assert row.node.startswith("celery@test-host:")
        assert step.tref is not None
    finally:
        step.stop(worker)
        worker.timer.stop()
    assert step.tref is None
    assert health_report()["worker"]["status"] == "ok"


def test_the_worker_bootstep_is_installed_in_the_celery_app():
    assert "monitoring.heartbeats:WorkerHeartbeat" in app.steps["worker"]
    assert app.conf.beat_scheduler == "monitoring.heartbeats:HeartbeatScheduler"


@pytest.mark.django_db(transaction=True)
def test_beat_writes_its_heartbeat_from_its_tick(tmp_path, monkeypatch):
    sent = []
    monkeypatch.setattr(HeartbeatScheduler, "apply_async", lambda self, entry, **kw: sent.append(entry.name))
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"), lazy=False)
    try:
        assert not Heartbeat.objects.filter(role="beat").exists()
        delay = scheduler.tick()
        assert delay <= 30
        (row,) = Heartbeat.objects.filter(role="beat")
        first = row.seen_at
        scheduler.tick()  # within the interval: no second write
        assert Heartbeat.objects.get(pk=row.pk).seen_at == first
        scheduler._last_beat -= 31
        scheduler.tick()
        assert Heartbeat.objects.get(pk=row.pk).seen_at > first
    finally:
        scheduler.close()
    assert health_report()["beat"]["status"] == "ok"


def test_a_database_outage_does_not_stop_the_process(db, monkeypatch, caplog):
    from django.db import OperationalError

    from monitoring import heartbeats

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(heartbeats, "record", broken)
    heartbeats.record_safely("worker", node="n")
    assert "could not record worker" in caplog.text
