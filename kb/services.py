"""Writes of the knowledge base: saving articles (sanitised, re-indexed), views, feedback, deflections
and the articles sent in replies. Views and the admin call these; nothing happens in signals."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import nh3
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.html import format_html, strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Tenant
from kb import search
from kb.models import Article, ArticleCategory, ArticleFeedback, ArticleImage, Deflection, TicketArticle

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "strong", "b", "em", "i", "u", "s", "ul", "ol", "li", "a", "img", "blockquote",
    "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "hr", "kbd",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}}
# The type comes from the file's first bytes, never from the browser's claim.
IMAGE_SIGNATURES = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024


class ArticleError(Exception):
    """A rule refused the change; the message is safe to show."""


def sanitise(html: str) -> str:
    """The body as stored: formatting, links and images only (nh3, no scripts, styles or handlers)."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(html: str) -> str:
    text = re.sub(r"<(br|/p|/h\d|/li|/tr|/pre|/blockquote)\b[^>]*>", "\n", html, flags=re.I)
    return "\n".join(line.strip() for line in strip_tags(text).splitlines() if line.strip())


def _unique_slug(tenant: Tenant, title: str, slug: str, exclude_pk: int | None) -> str:
    base = slugify(slug or title, allow_unicode=False) or "article"
    base = base[:90]
    taken = set(
        Article.objects.for_tenant(tenant)
        .exclude(pk=exclude_pk)
        .filter(slug__startswith=base)
        .values_list("slug", flat=True)
    )
    candidate, n = base, 2
    while candidate in taken or candidate.isdigit():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


@transaction.atomic
def article_save(
    *,
    tenant: Tenant,
    actor: Any,
    title: str,
    body_html: str,
    article: Article | None = None,
    category: ArticleCategory | None = None,
    tags: str = "",
    visibility: str = "public",
    status: str = "draft",
    slug: str = "",
) -> Article:
    """Create or update an article; the body is sanitised and the search index follows."""
    if not title.strip():
        raise ArticleError(_("У статьи должен быть заголовок."))
    if category is not None and category.tenant_id != tenant.pk:
        raise ArticleError(_("Раздел другого арендатора."))
    if article is not None and article.tenant_id != tenant.pk:
        raise ArticleError(_("Статья другого арендатора."))
    now = timezone.now()
    if article is None:
        article = Article(tenant=tenant, created_at=now)
    article.title = title.strip()[:200]
    article.slug = _unique_slug(tenant, article.title, slug, article.pk)
    article.body_html = sanitise(body_html)
    article.body_text = html_to_text(article.body_html)
    article.category = category
    article.tags = ", ".join(t.strip() for t in tags.split(",") if t.strip())[:300]
    article.visibility = visibility
    article.status = status
    article.updated_at = now
    article.updated_by = actor
    article.save()
    search.index_article(article)
    return article


def image_type(content: bytes) -> str | None:
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in IMAGE_SIGNATURES.items() if content.startswith(magic)), None)


@transaction.atomic
def article_add_image(
    *, article: Article, filename: str, content: bytes, url_for: Callable[[ArticleImage], str] | None = None
) -> ArticleImage:
    """Store a picture for ``article``; with ``url_for`` (the image's address) it is also appended to the
    body as an ``<img>``."""
    content_type = image_type(content)
    if content_type is None:
        raise ArticleError(_("Можно вставлять только изображения PNG, JPEG, GIF или WebP."))
    if len(content) > MAX_IMAGE_BYTES:
        raise ArticleError(_("Изображение больше 5 МБ."))
    image = ArticleImage(
        tenant_id=article.tenant_id, article=article, filename=filename[:255], content_type=content_type
    )
    image.file.save(filename or "image", ContentFile(content), save=False)
    image.save()
    if url_for is not None:
        tag = format_html('<p><img src="{}" alt="{}"></p>', url_for(image), filename)
        article.body_html = sanitise(f"{article.body_html}\n{tag}")
        article.save(update_fields=["body_html"])
    return image


def article_viewed(article: Article) -> None:
    """One more view (an UPDATE with F(): concurrent views are all counted)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


@transaction.atomic
def article_feedback(*, article: Article, helpful: bool, user: Any = None) -> ArticleFeedback:
    """'Was this helpful?' — counted on the article and kept as a row (for the dashboard's period)."""
    counter = "helpful_count" if helpful else "unhelpful_count"
    Article.objects.filter(pk=article.pk).update(**{counter: F(counter) + 1})
    return ArticleFeedback.objects.create(
        tenant_id=article.tenant_id,
        article=article,
        helpful=helpful,
        user=user if getattr(user, "is_authenticated", False) else None,
        created_at=timezone.now(),
    )


@transaction.atomic
def deflection_record(*, article: Article, contact: Any = None, subject: str = "") -> Deflection:
    """A client was writing a ticket and the article solved it: the ticket that was not opened."""
    return Deflection.objects.create(
        tenant_id=article.tenant_id,
        article=article,
        contact=contact,
        subject=subject.strip()[:300],
        created_at=timezone.now(),
    )


def articles_sent_record(*, ticket: Any, message: Any, articles: Iterable[Article], actor: Any = None) -> int:
    """The articles linked in a reply, remembered on the ticket (once per article). Returns how many are new."""
    new = 0
    for article in articles:
        if article.tenant_id != ticket.tenant_id:
            continue
        try:
            with transaction.atomic():
                TicketArticle.objects.create(
                    tenant_id=ticket.tenant_id,
                    ticket=ticket,
                    article=article,
                    message=message,
                    sent_by=actor,
                    created_at=timezone.now(),
                )
            new += 1
        except IntegrityError:
            continue
    return new


@transaction.atomic
def category_save(
    *,
    tenant: Tenant,
    name: str,
    ordering: int = 0,
    description: str = "",
    category: ArticleCategory | None = None,
) -> ArticleCategory:
    if not name.strip():
        raise ArticleError(_("У раздела должно быть название."))
    if category is None:
        category = ArticleCategory(tenant=tenant)
    elif category.tenant_id != tenant.pk:
        raise ArticleError(_("Раздел другого арендатора."))
    category.name = name.strip()[:200]
    category.ordering = ordering
    category.description = description.strip()[:500]
    category.save()
    return category


_ARTICLE_LINK = re.compile(r"/kb/([A-Za-z0-9-]{1,100})/")


def articles_linked_in(tenant: Tenant, text: str) -> list[Article]:
    """The tenant's published public articles whose portal links appear in ``text`` (by slug or id)."""
    keys = set(_ARTICLE_LINK.findall(text))
    if not keys:
        return []
    ids = [int(k) for k in keys if k.isdigit() and len(k) < 18]
    articles = Article.objects.for_tenant(tenant).filter(status="published", visibility="public")
    return list(articles.filter(slug__in=keys) | articles.filter(pk__in=ids))


def category_for_name(*, tenant: Tenant, name: str, ordering: int = 0) -> ArticleCategory:
    """The tenant's category of this name, created when missing (demo data, imports)."""
    category = ArticleCategory.objects.for_tenant(tenant).filter(name=name).first()
    return category or category_save(tenant=tenant, name=name, ordering=ordering)
