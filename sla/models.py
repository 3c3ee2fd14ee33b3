"""SLA policy (schedules, tiers, targets) and per-ticket clock state.

The policy models are what a tenant admin edits. ``TicketClock`` is the snapshot fixed on a ticket at
creation (targets, calendar, pause rules) plus the clock's running state; the due moments themselves are
stored on ``Ticket`` so beat passes are indexed range scans. ``SLAPause`` keeps every pause interval;
``SLAAlert`` is one in-app alert per (ticket, kind, recipient), which is what makes alerts exactly-once.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned
from tickets.models import Priority

WEEKDAY_FIELDS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_HOURS_HELP = _("Интервалы через запятую, например «09:00-13:00, 14:00-18:00». Пусто — выходной.")


class WorkSchedule(TenantOwned):
    """A tenant's office hours; turned into a ``BusinessCalendar`` by ``sla.calendars``."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant",
        on_delete=models.CASCADE,
        related_name="work_schedules",
        verbose_name=_("арендатор"),
    )
    name = models.CharField(_("название"), max_length=100)
    is_default = models.BooleanField(
        _("по умолчанию"), default=False, help_text=_("Для уровней SLA без своего графика.")
    )
    timezone = models.CharField(_("часовой пояс"), max_length=64, default="Europe/Moscow")
    monday = models.CharField(_("понедельник"), max_length=200, blank=True, help_text=_HOURS_HELP)
    tuesday = models.CharField(_("вторник"), max_length=200, blank=True, help_text=_HOURS_HELP)
    wednesday = models.CharField(_("среда"), max_length=200, blank=True, help_text=_HOURS_HELP)
    thursday = models.CharField(_("четверг"), max_length=200, blank=True, help_text=_HOURS_HELP)
    friday = models.CharField(_("пятница"), max_length=200, blank=True, help_text=_HOURS_HELP)
    saturday = models.CharField(_("суббота"), max_length=200, blank=True, help_text=_HOURS_HELP)
    sunday = models.CharField(_("воскресенье"), max_length=200, blank=True, help_text=_HOURS_HELP)
    russian_holidays = models.BooleanField(
        _("праздники РФ"),
        default=True,
        help_text=_(
            "Учитывать государственные праздники и переносы выходных по производственному календарю."
        ),
    )
    open_on_holidays = models.BooleanField(
        _("работает в праздники"), default=False, help_text=_("Недельный график действует и в праздники.")
    )
    shortened_days = models.BooleanField(
        _("сокращённые предпраздничные дни"), default=False, help_text=_("Последний интервал на час короче.")
    )
    updated_at = models.DateTimeField(_("изменён"), auto_now=True)

    class Meta:
        verbose_name = _("рабочий график")
        verbose_name_plural = _("рабочие графики")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="work_schedule_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=models.Q(is_default=True), name="work_schedule_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def week_specs(self) -> dict[int, list[str]]:
        """Weekday → interval strings, in the engine's format."""
        return {day: split_hours(getattr(self, name)) for day, name in enumerate(WEEKDAY_FIELDS)}


def split_hours(value: str) -> list[str]:
    return [part.replace(" ", "") for part in value.replace(";", ",").split(",") if part.strip()]


class ScheduleOverride(TenantOwned):
    """One date's own hours: a transferred working day, an extra day off, next year's calendar."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    schedule = models.ForeignKey(
        WorkSchedule, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("график")
    )
    date = models.DateField(_("дата"))
    hours = models.CharField(_("часы"), max_length=200, blank=True, help_text=_HOURS_HELP)
    note = models.CharField(_("примечание"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("особый день")
        verbose_name_plural = _("особые дни")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="schedule_override_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.hours or _('выходной')}"


class SLATier(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="sla_tiers", verbose_name=_("арендатор")
    )
    name = models.CharField(_("название"), max_length=100)
    is_default = models.BooleanField(
        _("по умолчанию"), default=False, help_text=_("Для клиентов без договора с указанным уровнем.")
    )
    description = models.TextField(_("описание"), blank=True)
    schedule = models.ForeignKey(
        WorkSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tiers",
        verbose_name=_("график"),
        help_text=_(
            "Пусто — график арендатора по умолчанию. Для режима 24/7 заведите круглосуточный график."
        ),
    )
    pause_when_waiting = models.BooleanField(
        _("пауза при ожидании клиента"),
        default=True,
        help_text=_("Статус «Ожидает клиента» останавливает часы."),
    )
    pause_in_development = models.BooleanField(
        _("пауза в разработке"), default=True, help_text=_("Статус «В разработке» останавливает часы.")
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("предупреждение, %"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("Предупредить, когда прошла эта доля срока."),
    )
    auto_close_hours = models.PositiveIntegerField(
        _("автозакрытие решённой, ч"),
        null=True,
        blank=True,
        default=24,
        help_text=_("Астрономические часы без ответа клиента после решения. Пусто — не закрывать."),
    )
    stale_close_working_days = models.PositiveSmallIntegerField(
        _("закрытие без ответа клиента, раб. дней"),
        null=True,
        blank=True,
        help_text=_(
            "Заявка в статусе «Ожидает клиента» закрывается через столько рабочих дней. Пусто — нет."
        ),
    )

    class Meta:
        verbose_name = _("уровень SLA")
        verbose_name_plural = _("уровни SLA")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "name"], name="sla_tier_unique_name"),
            models.UniqueConstraint(
                fields=["tenant"], condition=models.Q(is_default=True), name="sla_tier_one_default_per_tenant"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def pause_statuses(self) -> list[str]:
        statuses = []
        if self.pause_when_waiting:
            statuses.append("waiting")
        if self.pause_in_development:
            statuses.append("in_development")
        return statuses


def _hours_field(label: str) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Рабочие часы (5 рабочих дней по 9 ч = 45). Пусто — срок не нормируется."),
    )


class TargetHours(TenantOwned):
    """Three working-time targets; blank means "not regulated"."""

    ack_hours = _hours_field(_("регистрация, раб. ч"))
    first_response_hours = _hours_field(_("первый ответ, раб. ч"))
    resolution_hours = _hours_field(_("решение, раб. ч"))

    class Meta:
        abstract = True

    def durations(self) -> dict[str, timedelta | None]:
        return {
            "ack": hours_to_timedelta(self.ack_hours),
            "first_response": hours_to_timedelta(self.first_response_hours),
            "resolution": hours_to_timedelta(self.resolution_hours),
        }


def hours_to_timedelta(hours: Decimal | None) -> timedelta | None:
    if hours is None:
        return None
    return timedelta(seconds=int(Decimal(hours) * 3600))


class SLATarget(TargetHours):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    tier = models.ForeignKey(
        SLATier, on_delete=models.CASCADE, related_name="targets", verbose_name=_("уровень")
    )
    priority = models.PositiveSmallIntegerField(_("приоритет"), choices=Priority.choices)

    class Meta:
        verbose_name = _("срок по приоритету")
        verbose_name_plural = _("сроки по приоритетам")
        ordering = ["priority"]
        constraints = [
            models.UniqueConstraint(fields=["tier", "priority"], name="sla_target_unique_priority")
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.get_priority_display()}"


class SLACategoryTarget(TargetHours):
    """A category's own targets within a tier; a blank field falls back to the priority's target."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    tier = models.ForeignKey(
        SLATier, on_delete=models.CASCADE, related_name="category_targets", verbose_name=_("уровень")
    )
    category = models.ForeignKey(
        "tickets.Category", on_delete=models.CASCADE, related_name="sla_targets", verbose_name=_("категория")
    )

    class Meta:
        verbose_name = _("срок по категории")
        verbose_name_plural = _("сроки по категориям")
        constraints = [
            models.UniqueConstraint(fields=["tier", "category"], name="sla_category_target_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.category}"


class TicketClock(TenantOwned):
    """The SLA snapshot fixed on a ticket and the state the Ticket row has no columns for."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="sla_clock"
    )
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    tier = models.ForeignKey(SLATier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    schedule = models.ForeignKey(
        WorkSchedule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ack_target = models.DurationField(null=True, blank=True)
    first_response_target = models.DurationField(null=True, blank=True)
    resolution_target = models.DurationField(null=True, blank=True)
    warning_percent = models.PositiveSmallIntegerField(default=75)
    pause_statuses = models.JSONField(default=list)
    auto_close_hours = models.PositiveIntegerField(null=True, blank=True)
    stale_close_working_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Working time spent in pausing statuses so far; deadlines = creation + target + this.
    paused_total = models.DurationField(default=timedelta)
    # Warning moments: set while a warning is still due, cleared once it fired or cannot fire any more.
    ack_warn_at = models.DateTimeField(null=True, blank=True)
    first_response_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    paused = models.BooleanField(default=False)
    # A beat pass claims a passed deadline here, in this narrow row, and the delivery task then sets the
    # ticket's ``*_breached`` flag: flipping that flag rewrites every index of the wide ticket row, too
    # slow to do for thousands of tickets inside one pass. Unindexed, so claiming is a cheap HOT update.
    ack_breach_claimed = models.BooleanField(default=False)
    first_response_breach_claimed = models.BooleanField(default=False)
    resolution_breach_claimed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("часы SLA заявки")
        verbose_name_plural = _("часы SLA заявок")
        indexes = [
            models.Index(
                fields=["ack_warn_at"],
                name="sla_clock_ack_warn_pending",
                condition=models.Q(ack_warn_at__isnull=False, paused=False),
            ),
            models.Index(
                fields=["first_response_warn_at"],
                name="sla_clock_fr_warn_pending",
                condition=models.Q(first_response_warn_at__isnull=False, paused=False),
            ),
            models.Index(
                fields=["resolution_warn_at"],
                name="sla_clock_res_warn_pending",
                condition=models.Q(resolution_warn_at__isnull=False, paused=False),
            ),
        ]

    def __str__(self) -> str:
        return f"SLA {self.ticket_id}"

    def target(self, kind: str) -> timedelta | None:
        return getattr(self, f"{kind}_target")


class SLAPause(TenantOwned):
    """One stretch of time in a pausing status; ``working_time`` is filled when it ends."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_pauses", verbose_name=_("заявка")
    )
    status = models.CharField(_("статус"), max_length=20)
    started_at = models.DateTimeField(_("начало"))
    ended_at = models.DateTimeField(_("конец"), null=True, blank=True)
    working_time = models.DurationField(_("рабочее время"), null=True, blank=True)

    class Meta:
        verbose_name = _("пауза SLA")
        verbose_name_plural = _("паузы SLA")
        ordering = ["started_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(ended_at__isnull=True), name="sla_pause_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.started_at:%Y-%m-%d %H:%M} – {self.ended_at or '…'}"


class AlertKind(models.TextChoices):
    ACK_WARNING = "ack_warning", _("Скоро срок регистрации")
    ACK_BREACH = "ack_breach", _("Просрочена регистрация")
    FIRST_RESPONSE_WARNING = "first_response_warning", _("Скоро срок первого ответа")
    FIRST_RESPONSE_BREACH = "first_response_breach", _("Просрочен первый ответ")
    RESOLUTION_WARNING = "resolution_warning", _("Скоро срок решения")
    RESOLUTION_BREACH = "resolution_breach", _("Просрочено решение")


class SLAAlert(TenantOwned):
    """An in-app alert for one staff member; unique per (ticket, kind, recipient): exactly once."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    # No separate indexes on ticket and recipient: the unique constraint and the inbox index lead with them.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="sla_alerts",
        verbose_name=_("заявка"),
        db_index=False,
    )
    kind = models.CharField(_("вид"), max_length=30, choices=AlertKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="sla_alerts",
        verbose_name=_("кому"),
        db_index=False,
    )
    due_at = models.DateTimeField(_("срок"), null=True, blank=True)
    created_at = models.DateTimeField(_("создано"))
    read_at = models.DateTimeField(_("прочитано"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("отправлено письмом"), null=True, blank=True)

    class Meta:
        verbose_name = _("оповещение SLA")
        verbose_name_plural = _("оповещения SLA")
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["ticket", "kind", "recipient"], name="sla_alert_once")]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="sla_alert_inbox"),
            models.Index(
                fields=["created_at"], name="sla_alert_unsent", condition=models.Q(emailed_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.ticket_id} → {self.recipient_id}"


class AlertOutbox(models.Model):
    """Breaches or warnings a beat pass claimed, waiting for a worker to turn them into alerts.

    The pass only flips flags and writes one row here per chunk of tickets, in the same transaction, so
    it stays short however many tickets fall due at once; the delivery task creates the per-recipient
    ``SLAAlert`` rows and queues the mail. A row left undelivered (broker down) is queued again by a
    later pass; delivering twice adds nothing thanks to the alerts' unique constraint.
    """

    kind = models.CharField(max_length=30, choices=AlertKind.choices)
    ticket_ids = models.JSONField(default=list)
    due_at = models.DateTimeField(help_text="The pass moment the tickets were found due at.")
    created_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("очередь оповещений SLA")
        verbose_name_plural = _("очередь оповещений SLA")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="sla_outbox_pending",
                condition=models.Q(delivered_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {len(self.ticket_ids)}"
