from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "sla"
    verbose_name = _("SLA")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # sla.clocks connects the handlers that expire cached tier snapshots when an admin edits them.
        import sla.clocks  # noqa: F401
        from sla.demo import seed_sla
        from tickets.demo import EXTRA_SEEDERS

        if seed_sla not in EXTRA_SEEDERS:
            EXTRA_SEEDERS.append(seed_sla)
