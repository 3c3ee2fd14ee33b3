"""Tenancy and users: the platform's own models.

Every other tenant-owned model has a ``tenant`` foreign key and a queryset with ``for_tenant``
(see ``helpdesk.tenancy``). The default managers are never filtered.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: an agent, a tenant admin or a client contact. Login is the e-mail."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("ФИО"), max_length=200, blank=True)
    is_staff = models.BooleanField(
        _("доступ к админке"), default=False, help_text=_("Может входить в административный сайт.")
    )
    is_active = models.BooleanField(_("активен"), default=True)
    date_joined = models.DateTimeField(_("зарегистрирован"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("пользователь")
        verbose_name_plural = _("пользователи")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]


class ClosedReplyPolicy(models.TextChoices):
    REOPEN = "reopen", _("Переоткрыть заявку (в пределах окна)")
    NEW_LINKED = "new_linked", _("Создать новую связанную заявку")


class ClientVisibility(models.TextChoices):
    OWN = "own", _("Только свои заявки")
    ORGANIZATION = "organization", _("Все заявки своей организации")


class Tenant(models.Model):
    """A support provider running Reglament under its own регламент."""

    slug = models.SlugField(_("код"), max_length=50, unique=True)
    name = models.CharField(_("название"), max_length=200)
    ticket_prefix = models.CharField(
        _("префикс номера заявки"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9]{0,9}$", _("Заглавные латинские буквы и цифры."))],
        help_text=_("Номер заявки выглядит как <ПРЕФИКС>-<n>, например SV-1042."),
    )
    brand_color = models.CharField(
        _("цвет"),
        max_length=7,
        default="#1f5fbf",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Цвет в формате #RRGGBB."))],
    )
    is_active = models.BooleanField(_("активен"), default=True)
    accept_unknown_senders = models.BooleanField(
        _("принимать письма от незарегистрированных отправителей"),
        default=True,
        help_text=_("Если выключено, письмо от неизвестного адреса не создаёт заявку."),
    )
    closed_reply_policy = models.CharField(
        _("ответ на закрытую заявку"),
        max_length=20,
        choices=ClosedReplyPolicy.choices,
        default=ClosedReplyPolicy.REOPEN,
    )
    reopen_window_days = models.PositiveIntegerField(
        _("окно переоткрытия, дней"),
        default=14,
        help_text=_("Ответ на закрытую заявку позже этого срока открывает новую связанную заявку."),
    )
    time_accounting_minimum_minutes = models.PositiveIntegerField(
        _("минимальная единица учёта времени, мин"),
        default=0,
        help_text=_("Например, 30: работа в 10 минут учитывается как 30. 0 — без округления."),
    )
    client_visibility = models.CharField(
        _("клиент видит"),
        max_length=20,
        choices=ClientVisibility.choices,
        default=ClientVisibility.ORGANIZATION,
    )
    clients_choose_priority = models.BooleanField(_("клиент выбирает приоритет"), default=True)
    allowed_attachment_extensions = models.CharField(
        _("разрешённые типы вложений"),
        max_length=500,
        blank=True,
        help_text=_(
            "Расширения через запятую, например: jpg, gif, png, zip, rar. Пусто — любые, кроме исполняемых."
        ),
    )
    max_attachment_mb = models.PositiveIntegerField(_("максимальный размер вложения, МБ"), default=20)
    portal_required_contact_fields = models.CharField(
        _("обязательные контактные данные в форме заявки"),
        max_length=200,
        blank=True,
        help_text=_(
            "Через запятую из: organization, full_name, position, phone. "
            "Например, для SaveIT: organization, full_name, position, phone."
        ),
    )
    created_at = models.DateTimeField(_("создан"), auto_now_add=True)

    class Meta:
        verbose_name = _("арендатор")
        verbose_name_plural = _("арендаторы")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantDomain(models.Model):
    """A host name under which a tenant's portal is served at ``/``."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="domains", verbose_name=_("арендатор")
    )
    host = models.CharField(_("имя хоста"), max_length=253, unique=True)

    class Meta:
        verbose_name = _("домен портала")
        verbose_name_plural = _("домены портала")

    def __str__(self) -> str:
        return self.host

    def save(self, *args: object, **kwargs: object) -> None:
        self.host = self.host.strip().lower()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Role(models.TextChoices):
    AGENT = "agent", _("Агент")
    LEAD = "lead", _("Руководитель")
    ADMIN = "admin", _("Администратор")


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_tenant(self, tenant: Tenant) -> MembershipQuerySet:
        return self.filter(tenant=tenant)


class Membership(models.Model):
    """A staff user's role inside one tenant."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("арендатор")
    )
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("пользователь")
    )
    role = models.CharField(_("роль"), max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("сотрудник арендатора")
        verbose_name_plural = _("сотрудники арендатора")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user_per_tenant")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.tenant})"

    @property
    def is_lead(self) -> bool:
        return self.role in (Role.LEAD, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


class AnnouncementQuerySet(models.QuerySet["Announcement"]):
    def for_tenant(self, tenant: Tenant | int) -> AnnouncementQuerySet:
        return self.filter(tenant_id=tenant if isinstance(tenant, int) else tenant.pk)

    def current(self, now: datetime | None = None) -> AnnouncementQuerySet:
        now = now or timezone.now()
        still_shown = models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=now)
        return self.filter(still_shown, starts_at__lte=now)


class Announcement(models.Model):
    """A notice to a tenant's clients (planned works, an outage) shown on portal pages while current."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="announcements", verbose_name=_("арендатор")
    )
    title = models.CharField(_("заголовок"), max_length=200)
    body = models.TextField(_("текст"), blank=True)
    starts_at = models.DateTimeField(_("показывать с"), default=timezone.now)
    ends_at = models.DateTimeField(
        _("показывать до"), null=True, blank=True, help_text=_("Пусто — пока объявление не снимут.")
    )
    created_at = models.DateTimeField(_("создано"), auto_now_add=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("объявление")
        verbose_name_plural = _("объявления")
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["tenant", "starts_at"], name="announcement_tenant_starts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                name="announcement_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title
