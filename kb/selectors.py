"""Reads of the knowledge base. Clients (and visitors) see published public articles; staff see every
published article, and editors (leads, admins) drafts too. One 404 for missing and not yours."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from helpdesk.models import Tenant
from helpdesk.tenancy import is_agent, is_lead
from kb.models import Article, ArticleCategory, ArticleFeedback, ArticleStatus, Deflection, Visibility
from kb.search import matching_article_ids, suggested_article_ids


def can_edit_articles(user: Any, tenant: Tenant) -> bool:
    return is_lead(user, tenant)


def articles_for(tenant: Tenant, user: Any) -> QuerySet[Article]:
    articles = Article.objects.for_tenant(tenant)
    if can_edit_articles(user, tenant):
        return articles
    if is_agent(user, tenant):
        return articles.filter(status=ArticleStatus.PUBLISHED)
    return articles.filter(status=ArticleStatus.PUBLISHED, visibility=Visibility.PUBLIC)


def article_get(*, tenant: Tenant, user: Any, key: str) -> Article:
    """``key``: the article's id or its slug."""
    articles = articles_for(tenant, user).select_related("category", "updated_by")
    lookup = Q(slug=key) | Q(pk=int(key)) if key.isdigit() and len(key) < 18 else Q(slug=key)
    article = articles.filter(lookup).order_by("-pk").first()
    if article is None:
        raise Http404("No such article")
    return article


def categories_with_articles(
    tenant: Tenant, articles: QuerySet[Article]
) -> list[tuple[ArticleCategory | None, list[Article]]]:
    """The tenant's categories in their order, each with its visible articles; uncategorised last."""
    by_category: dict[int | None, list[Article]] = {}
    for article in articles.only("pk", "slug", "title", "category_id", "status", "visibility", "updated_at"):
        by_category.setdefault(article.category_id, []).append(article)
    out: list[tuple[ArticleCategory | None, list[Article]]] = [
        (category, by_category[category.pk])
        for category in ArticleCategory.objects.for_tenant(tenant)
        if category.pk in by_category
    ]
    if None in by_category:
        out.append((None, by_category[None]))
    return out


def search_articles(tenant: Tenant, user: Any, text: str, *, limit: int = 20) -> list[Article]:
    """Articles ``user`` may read that match ``text``, best first."""
    staff = is_agent(user, tenant)
    ids = matching_article_ids(tenant.pk, text, public_only=not staff, limit=limit)
    if not ids:
        return []
    found = {a.pk: a for a in articles_for(tenant, user).filter(pk__in=ids).select_related("category")}
    return [found[pk] for pk in ids if pk in found]


def deflection_summary(tenant: Tenant, *, since: Any) -> dict[str, int]:
    """How many tickets articles saved since ``since``, and how often articles were marked helpful (two
    COUNTs, whatever the volume)."""
    return {
        "deflected": Deflection.objects.for_tenant(tenant).filter(created_at__gte=since).count(),
        "helpful": ArticleFeedback.objects.for_tenant(tenant)
        .filter(helpful=True, created_at__gte=since)
        .count(),
    }


def suggest_articles(tenant: Tenant, user: Any, text: str, *, limit: int = 5) -> list[Article]:
    """Readable articles sharing most words with ``text`` (the new-ticket form's subject)."""
    ids = suggested_article_ids(tenant.pk, text, public_only=not is_agent(user, tenant), limit=limit)
    if not ids:
        return []
    found = {a.pk: a for a in articles_for(tenant, user).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]
