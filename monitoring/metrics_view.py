"""``/metrics``: the counters of this node's processes plus gauges read from the database."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from monitoring.health import health_report
from monitoring.token_auth import metrics_token_required

_STATUS_VALUE = {"ok": 0, "warning": 1, "error": 2}


class ProcessFilesCollector:
    """The multiprocess files of every directory in ``METRICS_MULTIPROC_DIRS`` added up: gunicorn's
    workers and Celery's pool processes, one directory per process group (they may live in separate
    containers, whose process ids collide, so they must not share one)."""

    def __init__(self, directories: list[str]) -> None:
        self.directories = directories

    def collect(self) -> Iterator[Any]:
        files = [
            path for directory in self.directories for path in glob.glob(os.path.join(directory, "*.db"))
        ]
        return iter(multiprocess.MultiProcessCollector.merge(files, accumulate=True))


class HealthCollector:
    """Backlogs and ages from the health report, so alerts can be written on them."""

    def collect(self) -> Iterator[Any]:
        report = health_report()
        status = GaugeMetricFamily(
            "reglament_health_status", "Health signal: 0 ok, 1 warning, 2 error.", labels=["signal"]
        )
        for name in ("worker", "beat", "quarantine", "outbox"):
            status.add_metric([name], _STATUS_VALUE[report[name]["status"]])
        status.add_metric(["overall"], _STATUS_VALUE[report["status"]])
        yield status
        heartbeat = GaugeMetricFamily(
            "reglament_heartbeat_age_seconds",
            "Seconds since the newest heartbeat of a role.",
            labels=["role"],
        )
        for role in ("worker", "beat"):
            age = report[role]["age_seconds"]
            heartbeat.add_metric([role], float("inf") if age is None else age)
        yield heartbeat
        outbox = report["outbox"]
        yield GaugeMetricFamily(
            "reglament_outbox_backlog", "Outgoing mails not sent yet.", value=outbox["backlog"]
        )
        yield GaugeMetricFamily(
            "reglament_outbox_oldest_age_seconds",
            "Age of the oldest unsent mail (0 when none).",
            value=outbox["oldest_age_seconds"] or 0,
        )
        quarantine = report["quarantine"]
        yield GaugeMetricFamily(
            "reglament_quarantine_messages", "Messages in quarantine.", value=quarantine["count"]
        )
        failing = GaugeMetricFamily(
            "reglament_mailbox_failing", "1 when a polled mailbox's health is error.", labels=["address"]
        )
        for box in report["mailboxes"]:
            if box["polled"]:
                failing.add_metric([box["address"]], 1 if box["status"] == "error" else 0)
        yield failing


@never_cache
@metrics_token_required
def metrics(request: HttpRequest) -> HttpResponse:
    directories = settings.METRICS_MULTIPROC_DIRS
    if directories:
        counters = CollectorRegistry()
        counters.register(ProcessFilesCollector(directories))
    else:
        counters = REGISTRY
    gauges = CollectorRegistry()
    gauges.register(HealthCollector())
    return HttpResponse(generate_latest(counters) + generate_latest(gauges), content_type=CONTENT_TYPE_LATEST)
