"""Heartbeats of the background processes: one row per process (role and node), updated in place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HeartbeatRole(models.TextChoices):
    WORKER = "worker", _("Celery worker")
    BEAT = "beat", _("Celery beat")


class Heartbeat(models.Model):
    """The last moment a worker or beat process said it was alive.

    Rows are keyed by (role, node) so several workers on several hosts each keep their own; the health
    check reads the newest per role. A stopped process simply stops updating its row.
    """

    role = models.CharField(_("роль"), max_length=10, choices=HeartbeatRole.choices)
    node = models.CharField(_("процесс"), max_length=200)
    started_at = models.DateTimeField(_("запущен"))
    seen_at = models.DateTimeField(_("последний сигнал"))

    class Meta:
        verbose_name = _("сигнал процесса")
        verbose_name_plural = _("сигналы процессов")
        constraints = [models.UniqueConstraint(fields=["role", "node"], name="heartbeat_unique_role_node")]
        indexes = [models.Index(fields=["role", "-seen_at"], name="heartbeat_role_seen")]

    def __str__(self) -> str:
        return f"{self.role} {self.node}"
