"""The knowledge base of a tenant: categories in the tenant's order, articles, and what they achieved
(views, "was this helpful?", tickets a client did not open, articles sent in replies)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned


class ArticleCategory(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="kb_categories", verbose_name=_("арендатор")
    )
    name = models.CharField(_("название"), max_length=200)
    description = models.CharField(_("описание"), max_length=500, blank=True)
    ordering = models.PositiveIntegerField(_("порядок"), default=0)

    class Meta:
        verbose_name = _("раздел базы знаний")
        verbose_name_plural = _("разделы базы знаний")
        ordering = ["ordering", "name"]
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="kb_category_unique_name")]

    def __str__(self) -> str:
        return self.name


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Для клиентов")
    INTERNAL = "internal", _("Только для сотрудников")


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("Черновик")
    PUBLISHED = "published", _("Опубликована")


class Article(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="kb_articles", verbose_name=_("арендатор")
    )
    category = models.ForeignKey(
        ArticleCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles",
        verbose_name=_("раздел"),
    )
    title = models.CharField(_("заголовок"), max_length=200)
    slug = models.SlugField(_("адрес"), max_length=100, allow_unicode=False)
    body_html = models.TextField(_("текст (HTML, очищенный)"))
    body_text = models.TextField(_("текст без разметки"), blank=True)
    tags = models.CharField(_("метки"), max_length=300, blank=True, help_text=_("Через запятую."))
    visibility = models.CharField(
        _("видимость"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("статус"), max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    created_at = models.DateTimeField(_("создана"))
    updated_at = models.DateTimeField(_("изменена"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("изменил"),
    )
    view_count = models.PositiveIntegerField(_("просмотры"), default=0)
    helpful_count = models.PositiveIntegerField(_("помогла"), default=0)
    unhelpful_count = models.PositiveIntegerField(_("не помогла"), default=0)

    class Meta:
        verbose_name = _("статья базы знаний")
        verbose_name_plural = _("статьи базы знаний")
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["tenant", "slug"], name="kb_article_unique_slug")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED and self.visibility == Visibility.PUBLIC

    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]


def article_image_upload_to(instance: ArticleImage, filename: str) -> str:
    return f"tenants/{instance.tenant_id}/kb/{uuid.uuid4().hex}"


class ArticleImage(TenantOwned):
    """A picture used in an article body (served through ``kb:image`` with the article's visibility)."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="images", verbose_name=_("статья")
    )
    file = models.FileField(_("файл"), upload_to=article_image_upload_to, max_length=300)
    filename = models.CharField(_("имя файла"), max_length=255)
    content_type = models.CharField(_("тип"), max_length=100)
    created_at = models.DateTimeField(_("загружено"), auto_now_add=True)

    class Meta:
        verbose_name = _("изображение статьи")
        verbose_name_plural = _("изображения статей")

    def __str__(self) -> str:
        return self.filename


class ArticleFeedback(TenantOwned):
    """One "was this helpful?" answer."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("статья")
    )
    helpful = models.BooleanField(_("помогла"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    created_at = models.DateTimeField(_("когда"), db_index=True)

    class Meta:
        verbose_name = _("отзыв о статье")
        verbose_name_plural = _("отзывы о статьях")

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"


class Deflection(TenantOwned):
    """A ticket not opened: a client writing a new ticket found the answer in an article."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="deflections", verbose_name=_("статья")
    )
    contact = models.ForeignKey(
        "tickets.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("клиент"),
    )
    subject = models.CharField(_("тема, которую писал клиент"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("когда"), db_index=True)

    class Meta:
        verbose_name = _("несозданная заявка")
        verbose_name_plural = _("несозданные заявки (статья помогла)")
        indexes = [models.Index(fields=["tenant", "created_at"], name="kb_deflection_tenant_created")]

    def __str__(self) -> str:
        return self.subject or str(self.article_id)


class TicketArticle(TenantOwned):
    """An article sent to the client in a reply on a ticket."""

    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="kb_articles", verbose_name=_("заявка")
    )
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="sent_in", verbose_name=_("статья")
    )
    message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("сообщение"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("кто"),
    )
    created_at = models.DateTimeField(_("когда"))

    class Meta:
        verbose_name = _("статья в ответе")
        verbose_name_plural = _("статьи в ответах")
        constraints = [
            models.UniqueConstraint(fields=["ticket", "article"], name="kb_ticket_article_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.article_id}"
