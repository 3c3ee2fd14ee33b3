"""The five demo tenants, modelled on the регламенты in ../shared/regulations (see their digest).

``seed_demo`` is idempotent: it creates what is missing and leaves what exists alone, so running it
twice leaves the same counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from helpdesk.models import ClientVisibility, ClosedReplyPolicy, Membership, Role, Tenant, User
from search import index as search_index
from sla.models import SLATier
from tickets import services
from tickets.models import (
    CannedResponse,
    Category,
    Contact,
    CustomField,
    Organization,
    Priority,
    Queue,
    Ticket,
)
from tickets.statuses import Status

DEMO_PASSWORD = "reglament-demo"
SUPERUSER_EMAIL = "root@reglament.example"


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    name: str
    prefix: str
    color: str
    queues: list[tuple[str, str, int, bool]]  # slug, name, default priority, is default
    categories: list[tuple[str, int | None]]  # name, priority set by the category (or None)
    tiers: list[tuple[str, bool]]  # name, is default
    client_tier: str
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    tickets: list[dict[str, Any]] = field(default_factory=list)


DEMO_TENANTS: list[DemoTenant] = [
    DemoTenant(
        slug="microimpuls",
        name="Микроимпульс",
        prefix="MI",
        color="#0b5cad",
        queues=[
            ("support", "Поддержка ПО", Priority.NORMAL, True),
            ("noc", "NOC — стриминг", Priority.HIGH, False),
        ],
        categories=[
            ("Программное обеспечение", None),
            ("Стриминг и доставка контента", None),
            ("Лицензии", None),
        ],
        tiers=[("Базовый", True), ("Расширенный", False), ("Премиум", False)],
        client_tier="Расширенный",
        settings={"client_visibility": ClientVisibility.ORGANIZATION, "clients_choose_priority": True},
        tickets=[
            {
                "subject": "Не стартует middleware после обновления до 5.2",
                "queue": "support",
                "status": Status.OPEN,
            },
            {"subject": "Пропадает HLS-поток на канале «Спорт»", "queue": "noc", "status": Status.NEW},
            {"subject": "Как перенести лицензию на новый сервер", "status": Status.RESOLVED},
        ],
    ),
    DemoTenant(
        slug="saveit",
        name="SaveIT",
        prefix="SV",
        color="#1f7a4d",
        queues=[("support", "Техническая поддержка", Priority.NORMAL, True)],
        categories=[
            ("Сбой программы", None),
            ("Медленная работа", None),
            ("Консультация", None),
            ("Пожелание к развитию", None),
        ],
        tiers=[("Стандарт", True), ("Приоритетный", False)],
        client_tier="Стандарт",
        settings={
            "time_accounting_minimum_minutes": 30,
            "accept_unknown_senders": True,
            # Screenshots as JPG/GIF/PNG; BMP only inside an archive (ZIP/RAR).
            "allowed_attachment_extensions": "jpg, jpeg, gif, png, zip, rar, 7z, pdf, txt, log, doc, docx, xls, xlsx",
        },
        tickets=[
            {
                "subject": "Программа не запускается после обновления Windows",
                "priority": 1,
                "status": Status.OPEN,
            },
            {"subject": "Медленно формируется отчёт по складу", "priority": 2, "status": Status.WAITING},
            {"subject": "Как настроить резервное копирование", "priority": 3, "status": Status.RESOLVED},
            {"subject": "Добавить выгрузку в Excel", "priority": 4, "status": Status.NEW},
            {"subject": "Ошибка печати накладной", "priority": 2, "status": Status.CLOSED},
        ],
    ),
    DemoTenant(
        slug="umi",
        name="UMI",
        prefix="UMI",
        color="#c2410c",
        queues=[("support", "Поддержка", Priority.NORMAL, True)],
        categories=[("Общая консультация", None), ("Разработка", None)],
        tiers=[("Консультация", True), ("Разработка", False)],
        client_tier="Консультация",
        settings={"closed_reply_policy": ClosedReplyPolicy.REOPEN, "reopen_window_days": 30},
        tickets=[
            {"subject": "Не сохраняется страница в редакторе", "status": Status.OPEN},
            {
                "subject": "Доработка модуля каталога",
                "category": "Разработка",
                "status": Status.IN_DEVELOPMENT,
            },
            {"subject": "Как подключить свой домен", "status": Status.RESOLVED},
        ],
    ),
    DemoTenant(
        slug="kasburg",
        name="Kasburg",
        prefix="KB",
        color="#4338ca",
        queues=[("support", "Сервисная поддержка", Priority.NORMAL, True)],
        categories=[("Аппаратная неисправность", None), ("Программное обеспечение", None)],
        tiers=[("Стандартный пакет", True), ("Расширенный пакет", False)],
        client_tier="Расширенный пакет",
        custom_fields=[
            {"key": "product", "label": "Продукт / модель оборудования", "required": True},
            {"key": "version", "label": "Версия", "required": True},
        ],
        settings={"closed_reply_policy": ClosedReplyPolicy.NEW_LINKED},
        tickets=[
            {
                "subject": "Сервер KB-R720 перезагружается под нагрузкой",
                "status": Status.WAITING,
                "custom_fields": {"product": "KB-R720", "version": "BIOS 2.14"},
            },
            {
                "subject": "Ошибка лицензии в KB Manager",
                "status": Status.OPEN,
                "custom_fields": {"product": "KB Manager", "version": "4.2.1"},
            },
        ],
    ),
    DemoTenant(
        slug="zooportal",
        name="ZooPortal",
        prefix="ZP",
        color="#7c2d12",
        queues=[("support", "Поддержка портала", Priority.NORMAL, True)],
        categories=[
            ("Вопросы организаторов по работе системы", Priority.CRITICAL),
            ("Ошибки в работе портала", Priority.HIGH),
            ("Редактирование профиля клуба или питомника", Priority.NORMAL),
            ("Объединение дубликатов записей животных", Priority.LOW),
        ],
        tiers=[("Стандарт", True)],
        client_tier="Стандарт",
        custom_fields=[
            {
                "key": "object_id",
                "label": "ID объекта",
                "required": True,
                "help_text": "ID клуба, питомника или животного на портале",
            }
        ],
        settings={"accept_unknown_senders": False},
        tickets=[
            {
                "subject": "Не открывается регистрация на выставку",
                "category": "Вопросы организаторов по работе системы",
                "status": Status.OPEN,
                "custom_fields": {"object_id": "EXH-2041"},
            },
            {
                "subject": "Объединить две записи собаки",
                "category": "Объединение дубликатов записей животных",
                "status": Status.NEW,
                "custom_fields": {"object_id": "DOG-88121"},
            },
        ],
    ),
]

DEMO_CANNED_RESPONSES = [
    (
        "Заявка принята",
        "Здравствуйте, {client_name}!\n\nЗаявка {ticket_number} принята в работу. Мы сообщим о ходе решения.\n\n"
        "С уважением,\n{agent_name}, {tenant_name}",
    ),
    (
        "Нужны подробности",
        "Здравствуйте, {client_name}!\n\nЧтобы разобраться с заявкой {ticket_number}, пришлите, пожалуйста, "
        "текст ошибки или снимок экрана и опишите шаги, после которых она появляется.\n\n{agent_name}",
    ),
    (
        "Решение предложено",
        "Здравствуйте, {client_name}!\n\nМы предложили решение по заявке {ticket_number}. Если оно не помогло, "
        "ответьте на это письмо — заявка вернётся в работу.\n\n{agent_name}",
    ),
]

# Extra seeders other apps register (SLA schedules and targets, mailboxes…); each takes
# (tenant, spec) and must itself be idempotent.
EXTRA_SEEDERS: list[Callable[[Tenant, DemoTenant], None]] = []


def _user(email: str, *, full_name: str, staff: bool = False, superuser: bool = False) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        if superuser:
            user = User.objects.create_superuser(email, DEMO_PASSWORD, full_name=full_name)
        else:
            user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name, is_staff=staff)
    return user


def _seed_tenant(spec: DemoTenant) -> tuple[Tenant, bool]:
    tenant, created = Tenant.objects.get_or_create(
        slug=spec.slug,
        defaults={
            "name": spec.name,
            "ticket_prefix": spec.prefix,
            "brand_color": spec.color,
            **spec.settings,
        },
    )
    for slug, name, priority, is_default in spec.queues:
        Queue.objects.get_or_create(
            tenant=tenant,
            slug=slug,
            # A NOC's monitoring alerts are its work (the mailgate opens tickets for them, unanswered).
            defaults={
                "name": name,
                "default_priority": priority,
                "is_default": is_default,
                "automatic_mail_is_work": slug == "noc",
            },
        )
    for position, (name, priority) in enumerate(spec.categories):
        Category.objects.get_or_create(
            tenant=tenant, name=name, defaults={"default_priority": priority, "ordering": position}
        )
    for name, is_default in spec.tiers:
        SLATier.objects.get_or_create(tenant=tenant, name=name, defaults={"is_default": is_default})
    for position, definition in enumerate(spec.custom_fields):
        CustomField.objects.get_or_create(
            tenant=tenant, key=definition["key"], defaults={**definition, "ordering": position}
        )

    admin = _user(f"admin@{spec.slug}.example", full_name=f"Администратор {spec.name}", staff=True)
    lead = _user(f"lead@{spec.slug}.example", full_name=f"Руководитель поддержки {spec.name}")
    agent = _user(f"agent@{spec.slug}.example", full_name=f"Агент {spec.name}")
    for user, role in ((admin, Role.ADMIN), (lead, Role.LEAD), (agent, Role.AGENT)):
        Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": role})
    for queue in Queue.objects.for_tenant(tenant):
        queue.agents.add(agent, lead)

    tier = SLATier.objects.get(tenant=tenant, name=spec.client_tier)
    organization, _ = Organization.objects.get_or_create(
        tenant=tenant,
        name=f"{spec.slug}-client",
        defaults={
            "email_domains": f"{spec.slug}-client.example",
            "sla_tier": tier,
            "contract_number": "Д-2026/01",
        },
    )
    client_user = _user(f"client@{spec.slug}-client.example", full_name="Иван Петров")
    client, _ = Contact.objects.get_or_create(
        tenant=tenant,
        email=f"client@{spec.slug}-client.example",
        defaults={
            "full_name": "Иван Петров",
            "organization": organization,
            "user": client_user,
            "phone": "+7 495 000-00-00",
            "position": "Системный администратор",
        },
    )
    Contact.objects.get_or_create(
        tenant=tenant,
        email=f"buh@{spec.slug}-client.example",
        defaults={"full_name": "Мария Смирнова", "organization": organization, "position": "Бухгалтер"},
    )
    for title, body in DEMO_CANNED_RESPONSES:
        CannedResponse.objects.get_or_create(tenant=tenant, title=title, defaults={"body": body})
    for seeder in EXTRA_SEEDERS:
        seeder(tenant, spec)
    if not Ticket.objects.for_tenant(tenant).exists():
        _seed_tickets(tenant=tenant, spec=spec, client=client, agent=agent)
    return tenant, created


def _seed_tickets(*, tenant: Tenant, spec: DemoTenant, client: Contact, agent: User) -> None:
    queues = {q.slug: q for q in Queue.objects.for_tenant(tenant)}
    categories = {c.name: c for c in Category.objects.for_tenant(tenant)}
    for item in spec.tickets:
        ticket = services.ticket_create(
            tenant=tenant,
            requester=client,
            subject=item["subject"],
            body_text=f"Здравствуйте!\n\n{item['subject']}. Подробности во вложении к письму.\n\nИван Петров",
            queue=queues.get(item.get("queue", "support")),
            category=categories.get(item.get("category", "")),
            priority=item.get("priority"),
            channel="email",
            custom_fields=item.get("custom_fields", {}),
        )
        target = item["status"]
        if target == Status.NEW:
            continue
        services.ticket_assign(ticket=ticket, assignee=agent, actor=agent)
        services.ticket_reply(
            ticket=ticket,
            actor=agent,
            internal=True,
            body_text="Проверю на тестовом стенде.",
            minutes_spent=10,
        )
        services.ticket_reply(ticket=ticket, actor=agent, body_text="Здравствуйте! Заявка принята в работу.")
        if target == Status.OPEN:
            continue
        if target in (Status.WAITING, Status.IN_DEVELOPMENT):
            services.ticket_set_status(ticket=ticket, status=target, actor=agent)
            continue
        services.ticket_reply(
            ticket=ticket, actor=agent, body_text="Решение: обновите компонент до последней версии."
        )
        services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
        if target == Status.CLOSED:
            services.ticket_set_status(
                ticket=ticket, status=Status.CLOSED, contact=client, reason="Решение подтверждаю"
            )


@transaction.atomic
def seed_demo() -> list[tuple[Tenant, bool]]:
    _user(SUPERUSER_EMAIL, full_name="Администратор платформы", superuser=True)
    seeded = [_seed_tenant(spec) for spec in DEMO_TENANTS]
    for tenant, _created in seeded:  # contacts and organisations made above without the services
        search_index.rebuild(tenant_id=tenant.pk)
    return seeded


def demo_logins() -> list[tuple[str, str]]:
    rows = [(SUPERUSER_EMAIL, "суперпользователь платформы: /admin/")]
    for spec in DEMO_TENANTS:
        rows += [
            (f"admin@{spec.slug}.example", f"администратор {spec.name}: /admin/ и /t/{spec.slug}/agent/"),
            (f"lead@{spec.slug}.example", f"руководитель {spec.name}: /t/{spec.slug}/agent/"),
            (f"agent@{spec.slug}.example", f"агент {spec.name}: /t/{spec.slug}/agent/"),
            (f"client@{spec.slug}-client.example", f"клиент {spec.name}: /t/{spec.slug}/"),
        ]
    return rows
