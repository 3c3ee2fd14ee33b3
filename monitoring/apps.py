from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Мониторинг")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk import metrics
        from monitoring import celery_hooks
        from tickets import services

        celery_hooks.connect()
        services.register_after_commit_listener(metrics.on_ticket_event)
