from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    """Outbound webhooks: a channel like the mailgate; ticket events in, signed HTTP POSTs out."""

    name = "webhooks"
    verbose_name = _("Вебхуки")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tickets import services
        from webhooks import tasks

        services.register_after_commit_listener(tasks.on_ticket_event)
