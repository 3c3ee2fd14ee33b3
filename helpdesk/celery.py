"""The Celery application; the beat schedule lives in ``helpdesk.beat_schedule``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

from helpdesk.beat_schedule import BEAT_SCHEDULE  # noqa: E402

app.conf.beat_schedule = BEAT_SCHEDULE
# Each worker writes its heartbeat from a timer in its main process (see monitoring.heartbeats).
app.steps["worker"].add("monitoring.heartbeats:WorkerHeartbeat")
