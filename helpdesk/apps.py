from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Арендаторы и пользователи")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from helpdesk.portal_demo import seed_portal
        from tickets.demo import EXTRA_SEEDERS

        if seed_portal not in EXTRA_SEEDERS:
            EXTRA_SEEDERS.append(seed_portal)
