from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = _("Арендаторы и пользователи")
    default_auto_field = "django.db.models.BigAutoField"
