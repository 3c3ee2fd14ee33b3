"""The ticket domain. Writes go through ``tickets.services``; reads through ``tickets.selectors``."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned, TenantQuerySet
from tickets.statuses import OPEN_STATUSES, Status


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("1 — критический")
    HIGH = 2, _("2 — высокий")
    NORMAL = 3, _("3 — обычный")
    LOW = 4, _("4 — низкий")


class Organization(TenantOwned):
    """A client company. Its contract decides the SLA tier."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="organizations", verbose_name=_("арендатор")
    )
    name = models.CharField(_("название"), max_length=200)
    email_domains = models.CharField(
        _("почтовые домены"),
        max_length=500,
        blank=True,
        help_text=_("Через запятую: письма с этих доменов относятся к организации."),
    )
    sla_tier = models.ForeignKey(
        "sla.SLATier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        verbose_name=_("уровень SLA по договору"),
    )
    contract_number = models.CharField(_("номер договора"), max_length=100, blank=True)
    notes = models.TextField(_("примечания"), blank=True)

    class Meta:
        verbose_name = _("организация клиента")
        verbose_name_plural = _("организации клиентов")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="organization_unique_name")]

    def __str__(self) -> str:
        return self.name

    def domain_list(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]


class Contact(TenantOwned):
    """A client person. May have a login (``user``) for the portal."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="contacts", verbose_name=_("арендатор")
    )
    email = models.EmailField(_("e-mail"))
    full_name = models.CharField(_("ФИО"), max_length=200, blank=True)
    phone = models.CharField(_("телефон"), max_length=50, blank=True)
    position = models.CharField(_("должность"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("организация"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("учётная запись"),
    )
    can_view_sla_report = models.BooleanField(
        _("видит отчёт SLA организации"),
        default=False,
        help_text=_("В портале: ежемесячный отчёт по заявкам всей организации, выгрузка в XLSX и PDF."),
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("контакт клиента")
        verbose_name_plural = _("контакты клиентов")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "email"], name="contact_unique_email_per_tenant"),
            models.UniqueConstraint(
                fields=["tenant", "user"],
                condition=models.Q(user__isnull=False),
                name="contact_unique_user_per_tenant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email


class Queue(TenantOwned):
    """A line of work, e.g. "Поддержка" at support@ and "NOC" at noc@."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="queues", verbose_name=_("арендатор")
    )
    name = models.CharField(_("название"), max_length=100)
    slug = models.SlugField(_("код"), max_length=50)
    default_priority = models.PositiveSmallIntegerField(
        _("приоритет по умолчанию"), choices=Priority.choices, default=Priority.NORMAL
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="agent_queues", verbose_name=_("агенты очереди")
    )
    is_default = models.BooleanField(_("очередь по умолчанию"), default=False)
    automatic_mail_is_work = models.BooleanField(
        _("автоматические письма — это работа"),
        default=False,
        help_text=_(
            "Для очередей мониторинга (NOC): письма систем мониторинга и другие автоматические письма "
            "открывают заявки, но подтверждение на них не отправляется. Отчёты о недоставке — никогда."
        ),
    )

    class Meta:
        verbose_name = _("очередь")
        verbose_name_plural = _("очереди")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="queue_unique_slug")]

    def __str__(self) -> str:
        return self.name


class Category(TenantOwned):
    """A kind of request; may set the priority (ZooPortal) and SLA targets (SLA issue)."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="categories", verbose_name=_("арендатор")
    )
    name = models.CharField(_("название"), max_length=200)
    default_priority = models.PositiveSmallIntegerField(
        _("приоритет категории"),
        choices=Priority.choices,
        null=True,
        blank=True,
        help_text=_("Если задан, заявки этой категории получают этот приоритет."),
    )
    ordering = models.PositiveIntegerField(_("порядок"), default=0)
    is_active = models.BooleanField(_("активна"), default=True)

    class Meta:
        verbose_name = _("категория")
        verbose_name_plural = _("категории")
        ordering = ["ordering", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="category_unique_name")]

    def __str__(self) -> str:
        return self.name


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Строка")
    NUMBER = "number", _("Число")
    CHOICE = "choice", _("Выбор из списка")


class CustomField(TenantOwned):
    """A per-tenant ticket field, e.g. Kasburg's product/version or ZooPortal's object ID."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="custom_fields", verbose_name=_("арендатор")
    )
    key = models.SlugField(_("ключ"), max_length=50)
    label = models.CharField(_("подпись"), max_length=200)
    field_type = models.CharField(
        _("тип"), max_length=10, choices=CustomFieldType.choices, default=CustomFieldType.TEXT
    )
    choices = models.TextField(
        _("варианты"), blank=True, help_text=_("Для списка: по одному варианту в строке.")
    )
    required = models.BooleanField(_("обязательное"), default=False)
    help_text = models.CharField(_("подсказка"), max_length=300, blank=True)
    ordering = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("дополнительное поле заявки")
        verbose_name_plural = _("дополнительные поля заявки")
        ordering = ["ordering", "pk"]
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="custom_field_unique_key")]

    def __str__(self) -> str:
        return self.label

    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class TicketCounter(models.Model):
    """The last ticket number handed out in a tenant; locked with select_for_update to allocate."""

    tenant = models.OneToOneField(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="ticket_counter", primary_key=True
    )
    last_number = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("счётчик номеров заявок")
        verbose_name_plural = _("счётчики номеров заявок")

    def __str__(self) -> str:
        return f"{self.tenant_id}: {self.last_number}"


class TicketQuerySet(TenantQuerySet["Ticket"]):
    def open(self) -> TicketQuerySet:
        return self.filter(status__in=OPEN_STATUSES)


class Ticket(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="tickets", verbose_name=_("арендатор")
    )
    number = models.PositiveBigIntegerField(_("номер"))
    subject = models.CharField(_("тема"), max_length=300)
    requester = models.ForeignKey(
        Contact,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("заявитель"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("организация"),
    )
    queue = models.ForeignKey(
        Queue,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("очередь"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("категория"),
    )
    priority = models.PositiveSmallIntegerField(
        _("приоритет"), choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(_("статус"), max_length=20, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("исполнитель"),
    )
    sla_tier = models.ForeignKey(
        "sla.SLATier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("уровень SLA"),
    )
    channel = models.CharField(
        _("канал"),
        max_length=10,
        choices=[
            ("portal", _("Портал")),
            ("email", _("E-mail")),
            ("phone", _("Телефон")),
            ("agent", _("Агент")),
            ("api", _("API")),
        ],
        default="portal",
    )
    custom_fields = models.JSONField(_("дополнительные поля"), default=dict, blank=True)
    created_at = models.DateTimeField(_("создана"), db_index=True)
    updated_at = models.DateTimeField(_("изменена"), auto_now=True)
    # SLA clocks: filled by the SLA services; stored so that beat passes are indexed range scans.
    ack_due = models.DateTimeField(_("срок регистрации"), null=True, blank=True)
    first_response_due = models.DateTimeField(_("срок первого ответа"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("первый ответ"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("срок решения"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("решена"), null=True, blank=True)
    closed_at = models.DateTimeField(_("закрыта"), null=True, blank=True)
    ack_at = models.DateTimeField(_("зарегистрирована"), null=True, blank=True)
    ack_breached = models.BooleanField(_("регистрация просрочена"), default=False)
    first_response_breached = models.BooleanField(_("первый ответ просрочен"), default=False)
    resolution_breached = models.BooleanField(_("решение просрочено"), default=False)
    ack_warned = models.BooleanField(_("предупреждение о регистрации"), default=False)
    first_response_warned = models.BooleanField(_("предупреждение о первом ответе"), default=False)
    resolution_warned = models.BooleanField(_("предупреждение о решении"), default=False)
    sla_paused_at = models.DateTimeField(_("часы SLA на паузе с"), null=True, blank=True)
    auto_close_at = models.DateTimeField(_("автозакрытие"), null=True, blank=True)
    stale_close_at = models.DateTimeField(_("закрытие без ответа клиента"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("объединена с"),
    )

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("заявка")
        verbose_name_plural = _("заявки")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="ticket_unique_number_per_tenant")
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "resolution_due"], name="ticket_tenant_status_due"),
            models.Index(fields=["tenant", "organization", "-created_at"], name="ticket_tenant_org_created"),
            models.Index(fields=["tenant", "assignee", "status"], name="ticket_tenant_assignee"),
            models.Index(fields=["tenant", "requester", "-created_at"], name="ticket_tenant_requester"),
            # Beat passes are range scans over these partial indexes (only the rows still pending).
            models.Index(
                fields=["ack_due"], name="ticket_ack_pending",
                condition=models.Q(ack_at__isnull=True, ack_breached=False, sla_paused_at__isnull=True),
            ),
            models.Index(
                fields=["first_response_due"], name="ticket_first_response_pending",
                condition=models.Q(first_response_at__isnull=True, first_response_breached=False,
                                   sla_paused_at__isnull=True),
            ),
            models.Index(
                fields=["resolution_due"], name="ticket_resolution_pending",
                condition=models.Q(resolved_at__isnull=True, resolution_breached=False, sla_paused_at__isnull=True),
            ),
            models.Index(fields=["auto_close_at"], name="ticket_auto_close_pending",
                         condition=models.Q(auto_close_at__isnull=False)),
            models.Index(fields=["stale_close_at"], name="ticket_stale_close_pending",
                         condition=models.Q(stale_close_at__isnull=False)),
            # The agent queues' default order: open tickets by the next pending deadline (acknowledgement,
            # then first response, then resolution), so a page is an index range scan, not a sort of every
            # open ticket. ``tickets.views.agent.filtering.NEXT_DUE`` is read from this index's second
            # expression, so the planner always sees the indexed expression.
            models.Index(
                "tenant",
                Coalesce(
                    models.Case(models.When(ack_at__isnull=True, ack_due__isnull=False, then=models.F("ack_due"))),
                    models.Case(models.When(first_response_at__isnull=True, first_response_due__isnull=False,
                                            then=models.F("first_response_due"))),
                    models.Case(models.When(resolved_at__isnull=True, then=models.F("resolution_due"))),
                    output_field=models.DateTimeField(),
                ),
                "id",
                name="ticket_open_next_due",
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.display_number}] {self.subject}"

    @property
    def display_number(self) -> str:
        return format_ticket_number(self.tenant.ticket_prefix, self.number)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def format_ticket_number(prefix: str, number: int) -> str:
    return f"{prefix}-{number}"


class TicketParticipant(TenantOwned):
    """An address copied on the ticket (Cc): its replies are accepted like the requester's."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="participants", verbose_name=_("заявка")
    )
    email = models.EmailField(_("e-mail"))
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("контакт")
    )

    class Meta:
        verbose_name = _("участник заявки")
        verbose_name_plural = _("участники заявки")
        constraints = [models.UniqueConstraint(fields=["ticket", "email"], name="participant_unique_email")]

    def __str__(self) -> str:
        return self.email


class MessageKind(models.TextChoices):
    PUBLIC = "public", _("Ответ")
    INTERNAL = "internal", _("Внутренняя заметка")


class AuthorKind(models.TextChoices):
    AGENT = "agent", _("Сотрудник")
    CONTACT = "contact", _("Клиент")
    SYSTEM = "system", _("Система")


class Message(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("заявка")
    )
    kind = models.CharField(_("вид"), max_length=10, choices=MessageKind.choices, default=MessageKind.PUBLIC)
    author_kind = models.CharField(_("автор"), max_length=10, choices=AuthorKind.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("сотрудник"),
    )
    author_contact = models.ForeignKey(
        Contact,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("клиент"),
    )
    body_text = models.TextField(_("текст"))
    # Mail only: the quoted history and signature the mailgate separated from the new text; the
    # conversation shows it collapsed. body_text + quoted_text is the whole text as sent.
    quoted_text = models.TextField(_("цитата и подпись"), blank=True, default="")
    body_html = models.TextField(_("HTML (очищенный)"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    source = models.CharField(_("источник"), max_length=10, default="web")
    created_at = models.DateTimeField(_("создано"), db_index=True)

    class Meta:
        verbose_name = _("сообщение")
        verbose_name_plural = _("сообщения")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_internal(self) -> bool:
        return self.kind == MessageKind.INTERNAL

    @property
    def author_name(self) -> str:
        if self.author_kind == AuthorKind.AGENT and self.author_user_id:
            return str(self.author_user)
        if self.author_kind == AuthorKind.CONTACT and self.author_contact_id:
            return str(self.author_contact)
        return str(_("Система"))


def attachment_upload_to(instance: Attachment, filename: str) -> str:
    # Tenant-scoped and unguessable; the original name lives in ``filename``.
    return f"tenants/{instance.tenant_id}/attachments/{uuid.uuid4().hex}"


class Attachment(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("заявка")
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("сообщение"),
    )
    file = models.FileField(_("файл"), upload_to=attachment_upload_to, max_length=300)
    filename = models.CharField(_("имя файла"), max_length=255)
    content_type = models.CharField(_("тип"), max_length=255, default="application/octet-stream")
    size = models.PositiveBigIntegerField(_("размер, байт"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_inline = models.BooleanField(_("встроенное изображение"), default=False)
    created_at = models.DateTimeField(_("загружено"), auto_now_add=True)

    class Meta:
        verbose_name = _("вложение")
        verbose_name_plural = _("вложения")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class TicketEvent(TenantOwned):
    """The audit history: who did what to the ticket, from what to what, when."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("заявка")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    actor_label = models.CharField(_("кто (текстом)"), max_length=200, blank=True)
    action = models.CharField(_("действие"), max_length=40, db_index=True)
    field = models.CharField(_("поле"), max_length=40, blank=True)
    old_value = models.CharField(_("было"), max_length=300, blank=True)
    new_value = models.CharField(_("стало"), max_length=300, blank=True)
    reason = models.TextField(_("причина"), blank=True)
    data: Any = models.JSONField(_("данные"), default=dict, blank=True)
    created_at = models.DateTimeField(_("когда"), db_index=True)

    class Meta:
        verbose_name = _("событие заявки")
        verbose_name_plural = _("история заявки")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.field} {self.old_value} → {self.new_value}"


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("дубликат")
    FOLLOW_UP_OF = "follow_up_of", _("продолжение закрытой")
    SPLIT_FROM = "split_from", _("выделена из")
    RELATED = "related", _("связана с")


class TicketLink(TenantOwned):
    """``source`` is a <kind> of ``target``: e.g. SV-12 is a follow-up of SV-7."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    source = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_out", verbose_name=_("заявка")
    )
    target = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="links_in", verbose_name=_("связанная заявка")
    )
    kind = models.CharField(_("вид связи"), max_length=20, choices=LinkKind.choices)
    created_at = models.DateTimeField(_("создана"), auto_now_add=True)

    class Meta:
        verbose_name = _("связь заявок")
        verbose_name_plural = _("связи заявок")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class TimeEntry(TenantOwned):
    """Time booked on a ticket; ``minutes`` is already rounded up to the tenant's minimum unit."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="time_entries", verbose_name=_("заявка")
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_entries",
        verbose_name=_("сообщение"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("сотрудник")
    )
    minutes_spent = models.PositiveIntegerField(_("затрачено, мин"))
    minutes = models.PositiveIntegerField(_("учтено, мин"))
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("учёт времени")
        verbose_name_plural = _("учёт времени")

    def __str__(self) -> str:
        return f"{self.minutes} мин"


class Rating(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="rating", verbose_name=_("заявка")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("клиент")
    )
    score = models.PositiveSmallIntegerField(
        _("оценка"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("комментарий"), blank=True)
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("оценка")
        verbose_name_plural = _("оценки")

    def __str__(self) -> str:
        return f"{self.score}/5"


class CannedResponse(TenantOwned):
    """A reply template of a tenant; ``{client_name}``-style placeholders are filled by ``tickets.canned``."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="canned_responses", verbose_name=_("арендатор")
    )
    title = models.CharField(_("название"), max_length=200)
    body = models.TextField(
        _("текст"),
        help_text=_(
            "Подстановки: {client_name}, {ticket_number}, {ticket_subject}, {agent_name}, {organization}, "
            "{tenant_name}."
        ),
    )
    is_active = models.BooleanField(_("активен"), default=True)
    ordering = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("шаблон ответа")
        verbose_name_plural = _("шаблоны ответов")
        ordering = ["ordering", "title"]
        constraints = [models.UniqueConstraint(fields=["tenant", "title"], name="canned_response_unique_title")]

    def __str__(self) -> str:
        return self.title


class SavedFilter(TenantOwned):
    """An agent's named queue filter (the query string of the queue page)."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters", verbose_name=_("сотрудник")
    )
    name = models.CharField(_("название"), max_length=100)
    query = models.CharField(_("параметры"), max_length=1000)
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("сохранённый фильтр")
        verbose_name_plural = _("сохранённые фильтры")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user", "name"], name="saved_filter_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
