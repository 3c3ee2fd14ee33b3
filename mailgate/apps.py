from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailgateConfig(AppConfig):
    name = "mailgate"
    verbose_name = _("Почтовый шлюз")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anymail.signals import inbound
        from django.db.models.signals import post_delete, post_save

        from helpdesk.models import Tenant
        from mailgate import routing, tasks
        from mailgate.demo import seed_mailboxes
        from mailgate.models import Mailbox
        from mailgate.sources.webhook import on_inbound
        from tickets import demo, services
        from tickets.models import Queue

        services.register_after_commit_listener(tasks.on_ticket_event)
        inbound.connect(on_inbound, dispatch_uid="mailgate.inbound")
        if seed_mailboxes not in demo.EXTRA_SEEDERS:
            demo.EXTRA_SEEDERS.append(seed_mailboxes)

        # The routing table is cached per process; any change to what it is built from drops it.
        def _drop_routes(**kwargs: object) -> None:
            routing.clear_cache()

        for model in (Mailbox, Queue, Tenant):
            post_save.connect(
                _drop_routes, sender=model, dispatch_uid=f"mailgate.routes.save.{model.__name__}"
            )
            post_delete.connect(
                _drop_routes, sender=model, dispatch_uid=f"mailgate.routes.delete.{model.__name__}"
            )
