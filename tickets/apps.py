from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Заявки")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from search.index import register_source
        from search.models import Kind
        from tickets.search_index import TICKET_KINDS, documents

        register_source("tickets", documents, kinds=(*TICKET_KINDS, Kind.CONTACT))
