from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Data out of Reglament for people: the journal, the leads' reports and the clients' SLA reports.

    Read-only: it sits above the domain apps (``tickets``, ``sla``) and writes nothing of theirs.
    """

    name = "reports"
    verbose_name = _("Отчёты")
    default_auto_field = "django.db.models.BigAutoField"
