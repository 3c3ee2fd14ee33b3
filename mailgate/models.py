"""Mailgate models: mailboxes, stored raw messages (with their outcome) and the outbox."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned, TenantQuerySet


class ImapSecurity(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("Без шифрования")


class Mailbox(TenantOwned):
    """An inbound address of a tenant (plus aliases) and, optionally, the IMAP box it is read from."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="mailboxes", verbose_name=_("арендатор")
    )
    address = models.EmailField(_("адрес"), unique=True)
    aliases = models.CharField(
        _("другие адреса"),
        max_length=500,
        blank=True,
        help_text=_("Через запятую; письма на них идут сюда же."),
    )
    queue = models.ForeignKey(
        "tickets.Queue",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailboxes",
        verbose_name=_("очередь"),
    )
    is_active = models.BooleanField(_("активен"), default=True)
    imap_host = models.CharField(_("IMAP-сервер"), max_length=253, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP-порт"), default=993)
    imap_security = models.CharField(
        _("шифрование IMAP"), max_length=10, choices=ImapSecurity.choices, default=ImapSecurity.SSL
    )
    imap_user = models.CharField(_("IMAP-логин"), max_length=253, blank=True)
    imap_password = models.CharField(_("IMAP-пароль"), max_length=253, blank=True)
    imap_folder = models.CharField(_("папка"), max_length=200, default="INBOX")
    imap_archive_folder = models.CharField(
        _("папка для обработанных"),
        max_length=200,
        blank=True,
        help_text=_("Если задана, сохранённые письма переносятся туда; иначе помечаются прочитанными."),
    )
    last_polled_at = models.DateTimeField(_("последний опрос"), null=True, blank=True)
    last_poll_error = models.TextField(_("ошибка последнего опроса"), blank=True)
    last_success_at = models.DateTimeField(_("последний успешный опрос"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("последняя ошибка опроса"), null=True, blank=True)

    class Meta:
        verbose_name = _("почтовый ящик")
        verbose_name_plural = _("почтовые ящики")
        ordering = ["address"]

    def __str__(self) -> str:
        return self.address

    def __repr__(self) -> str:
        # Never the password: reprs end up in logs and tracebacks.
        return f"<Mailbox {self.address} imap={self.imap_user}@{self.imap_host}:{self.imap_port}>"

    def all_addresses(self) -> list[str]:
        extra = [a.strip().lower() for a in self.aliases.split(",") if a.strip()]
        return [self.address.lower(), *extra]

    @property
    def polls_imap(self) -> bool:
        return bool(self.is_active and self.imap_host and self.imap_user)


class Source(models.TextChoices):
    IMAP = "imap", _("IMAP")
    WEBHOOK = "webhook", _("Веб-хук ESP")
    PIPE = "pipe", _("MTA (pipe)")
    LMTP = "lmtp", _("MTA (LMTP)")


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Получено, не обработано")
    CREATED = "created", _("Создана заявка")
    APPENDED = "appended", _("Добавлено в заявку")
    IGNORED = "ignored", _("Пропущено")
    QUARANTINED = "quarantined", _("Карантин")


class InboundQuerySet(TenantQuerySet["InboundMessage"]):
    def quarantined(self) -> InboundQuerySet:
        return self.filter(status=InboundStatus.QUARANTINED)


class InboundMessage(models.Model):
    """One received message, raw bytes first; the pipeline's outcome is written onto it.

    ``tenant`` is empty until routing succeeds: an unroutable message stays here with no tenant,
    visible to the platform superuser only. ``dedupe_key`` (the Message-ID, or the SHA-256 of the
    bytes when there is none) is unique per tenant and set on the first copy, so the same message
    twice — MTA retries, two mailboxes, a webhook resend — becomes one ticket.
    """

    tenant = models.ForeignKey(
        "helpdesk.Tenant",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("арендатор"),
    )
    mailbox = models.ForeignKey(
        Mailbox, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ящик")
    )
    source = models.CharField(_("источник"), max_length=10, choices=Source.choices)
    envelope_recipient = models.CharField(_("получатель (конверт)"), max_length=320, blank=True)
    raw = models.BinaryField(_("исходное письмо"))
    size = models.PositiveIntegerField(_("размер, байт"), default=0)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    dedupe_key = models.CharField(_("ключ повтора"), max_length=255, null=True, blank=True)
    sender = models.CharField(_("отправитель"), max_length=320, blank=True, db_index=True)
    subject = models.CharField(_("тема"), max_length=300, blank=True)
    is_automatic = models.BooleanField(_("автоматическое"), default=False)
    # Digest of the sender's text with digits and whitespace normalised: a burst of the same shape
    # from one sender is a loop even without automatic headers (``screening.burst_loop``).
    shape = models.CharField(_("форма текста"), max_length=32, blank=True)
    status = models.CharField(
        _("итог"), max_length=12, choices=InboundStatus.choices, default=InboundStatus.RECEIVED, db_index=True
    )
    stage = models.CharField(_("этап"), max_length=20, blank=True)
    reason = models.CharField(_("причина"), max_length=500, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("заявка"),
    )
    ticket_number = models.CharField(_("номер заявки"), max_length=30, blank=True)
    received_at = models.DateTimeField(_("получено"), db_index=True)
    processed_at = models.DateTimeField(_("обработано"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("попыток обработки"), default=0)

    objects = InboundQuerySet.as_manager()

    class Meta:
        verbose_name = _("входящее письмо")
        verbose_name_plural = _("входящие письма")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "dedupe_key"], name="inbound_unique_dedupe_key")
        ]
        indexes = [
            models.Index(fields=["tenant", "status", "-received_at"], name="inbound_tenant_status"),
            models.Index(
                fields=["tenant", "sender", "received_at"],
                name="inbound_sender_recent",
                condition=models.Q(is_automatic=True),
            ),
            models.Index(fields=["tenant", "sender", "shape", "received_at"], name="inbound_sender_shape"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} #{self.pk}: {self.subject or self.message_id}"

    @property
    def outcome_line(self) -> str:
        """What ``mailgate pipe`` prints: ``created SV-1042``, ``ignored duplicate``…"""
        if self.status in (InboundStatus.CREATED, InboundStatus.APPENDED):
            return f"{self.status} {self.ticket_number}"
        if self.status == InboundStatus.RECEIVED:
            return "quarantined not processed yet"
        return f"{self.status} {self.reason}"


class OutboxKind(models.TextChoices):
    ACKNOWLEDGEMENT = "ack", _("Подтверждение заявки")
    REPLY = "reply", _("Ответ сотрудника")
    STATUS = "status", _("Смена статуса")
    UNREGISTERED = "unregistered", _("Отказ: незарегистрированный отправитель")
    LOOP_NOTICE = "loop", _("Предупреждение о почтовой петле")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Ждёт отправки")
    SENDING = "sending", _("Отправляется")
    SENT = "sent", _("Отправлено")
    FAILED = "failed", _("Не отправлено")


class OutboundMail(models.Model):
    """One notification to one recipient. ``key`` makes it unique per (event, object, recipient);
    a worker sends it only after claiming it with a conditional UPDATE, so two workers or a retried
    task never send it twice. ``message_id`` is ours: replies to it thread back to ``ticket``."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbound_mail",
        verbose_name=_("заявка"),
    )
    kind = models.CharField(_("вид"), max_length=20, choices=OutboxKind.choices)
    key = models.CharField(_("ключ"), max_length=255, unique=True)
    to_email = models.CharField(_("кому"), max_length=320)
    subject = models.CharField(_("тема"), max_length=300)
    body_text = models.TextField(_("текст"))
    body_html = models.TextField(_("HTML"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=998, blank=True)
    references = models.TextField(_("References"), blank=True)
    status = models.CharField(
        _("состояние"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("попыток"), default=0)
    claimed_at = models.DateTimeField(_("взято в отправку"), null=True, blank=True)
    sent_at = models.DateTimeField(_("отправлено"), null=True, blank=True)
    last_error = models.TextField(_("последняя ошибка"), blank=True)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("исходящее письмо")
        verbose_name_plural = _("исходящие письма")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_email}"
