from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailgateConfig(AppConfig):
    name = "mailgate"
    verbose_name = _("Почтовый шлюз")
    default_auto_field = "django.db.models.BigAutoField"
