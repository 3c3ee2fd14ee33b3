"""One object of every tenant-scoped admin model, for the admin isolation tests.

Each area adds a maker for the admin models it registers (a function taking the tenant world);
tests/helpdesk/test_admin_isolation.py fails loudly for a scoped model that has none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps

from tests.factories import CategoryFactory, QueueFactory, make_ticket
from tickets import services
from tickets.models import CustomField


def _tickets(world: Any) -> None:
    QueueFactory(tenant=world.tenant)
    CategoryFactory(tenant=world.tenant)
    CustomField.objects.create(tenant=world.tenant, key="product", label="Продукт")
    services.ticket_link(source=world.other_org_ticket, target=world.ticket, kind="related")
    make_ticket(tenant=world.tenant, attachments=[services.NewAttachment("a.png", b"png", "image/png")])


def _announcement(world: Any) -> None:
    apps.get_model("helpdesk", "Announcement").objects.create(tenant=world.tenant, title="Плановые работы")


def _agent_workspace(world: Any) -> None:
    apps.get_model("tickets", "CannedResponse").objects.create(
        tenant=world.tenant, title="Приветствие", body="Здравствуйте, {client_name}!"
    )
    apps.get_model("tickets", "SavedFilter").objects.create(
        tenant=world.tenant, user=world.agent, name="Мои срочные", query="priority=1"
    )


def _sla(world: Any) -> None:
    apps.get_model("sla", "WorkSchedule").objects.create(
        tenant=world.tenant, name="Офис", monday="09:00-18:00", friday="09:00-17:00"
    )


def _mailgate(world: Any) -> None:
    slug = world.tenant.slug
    apps.get_model("mailgate", "Mailbox").objects.create(tenant=world.tenant, address=f"support@{slug}.test")
    apps.get_model("mailgate", "InboundMessage").objects.create(
        tenant=world.tenant, source="pipe", raw=b"Subject: x\r\n\r\nbody", received_at=world.ticket.created_at
    )
    apps.get_model("mailgate", "OutboundMail").objects.create(
        tenant=world.tenant,
        ticket=world.ticket,
        kind="ack",
        key=f"sample-{slug}",
        to_email=world.client.email,
        subject="[x] ok",
        body_text="ok",
        message_id=f"<sample-{slug}@reglament.test>",
    )


def _api(world: Any) -> None:
    from api.tokens import api_token_create

    api_token_create(tenant=world.tenant, name="CRM", role="lead", scope="read", created_by=world.admin)


def _webhooks(world: Any) -> None:
    from webhooks.planning import plan_deliveries

    endpoint = apps.get_model("webhooks", "WebhookEndpoint").objects.create(
        tenant=world.tenant, url=f"https://hooks.{world.tenant.slug}.example/in", events=["ticket.created"]
    )
    plan_deliveries(event="ticket.created", ticket_id=world.ticket.pk, data={}, notice_id=f"sample-{endpoint.pk}")


def _knowledge_base(world: Any) -> None:
    from kb import services as kb_services

    category = kb_services.category_save(tenant=world.tenant, name="Частые вопросы")
    article = kb_services.article_save(
        tenant=world.tenant, actor=world.admin, title="Как сбросить пароль", body_html="<p>Так.</p>",
        category=category, status="published",
    )  # fmt: skip
    kb_services.deflection_record(article=article, contact=world.client, subject="Не могу войти")


SAMPLE_MAKERS: list[Callable[[Any], None]] = [
    _tickets,
    _announcement,
    _agent_workspace,
    _sla,
    _mailgate,
    _api,
    _webhooks,
    _knowledge_base,
]


def fill_tenant(world: Any) -> None:
    for maker in SAMPLE_MAKERS:
        maker(world)
