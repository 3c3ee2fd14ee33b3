"""Articles in the one search index: the title with its tags (ranked like a ticket subject) and the body.

Only published articles are indexed; internal ones with ``public=False``, so the portal never finds them.
``kb.services`` re-indexes an article whenever it is saved.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from search import engine, index
from search.index import Document
from search.models import Kind
from search.text import Query, parse_query

ARTICLE_KINDS = (Kind.ARTICLE_TITLE, Kind.ARTICLE_BODY)
MAX_ARTICLES = 50


def article_documents(article: Any) -> list[Document]:
    public = article.visibility == "public"
    common = {"tenant_id": article.tenant_id, "object_id": article.pk, "public": public}
    return [
        Document(kind=Kind.ARTICLE_TITLE, parts=(article.title, article.tags), **common),
        Document(kind=Kind.ARTICLE_BODY, parts=(article.body_text,), **common),
    ]


def index_article(article: Any) -> None:
    if article.status == "published":
        index.put(article_documents(article))
    else:
        for kind in ARTICLE_KINDS:
            index.remove(kind, [article.pk])


def documents(tenant_id: int | None, *, article_model: Any = None) -> Iterator[Document]:
    from kb.models import Article

    articles = (article_model or Article).objects.filter(status="published")
    if tenant_id is not None:
        articles = articles.filter(tenant_id=tenant_id)
    for article in articles.order_by("updated_at", "pk").iterator(chunk_size=1000):
        yield from article_documents(article)


def matching_article_ids(
    tenant_id: int, text: str | Query, *, public_only: bool, limit: int = MAX_ARTICLES
) -> list[int]:
    """Ids of the tenant's published articles matching ``text``, best first (title before body, then the
    most recently indexed). The caller loads them through its own visibility selector."""
    query = parse_query(text) if isinstance(text, str) else text
    hits = engine.find(
        query,
        tenant_id=tenant_id,
        kinds=ARTICLE_KINDS,
        public_only=public_only,
        newest_per_kind=None,
        limit=limit * 2,
    )
    ids = list(dict.fromkeys(hit.object_id for hit in hits))
    dropped = engine.excluded_objects(query, tenant_id=tenant_id, kinds=ARTICLE_KINDS, object_ids=ids)
    return [pk for pk in ids if pk not in dropped][:limit]


def suggested_article_ids(tenant_id: int, text: str, *, public_only: bool, limit: int = 5) -> list[int]:
    """Articles sharing the most words with ``text`` (a subject being typed, a ticket's subject)."""
    return engine.suggest(
        parse_query(text), tenant_id=tenant_id, kinds=ARTICLE_KINDS, public_only=public_only, limit=limit
    )
