"""Editing the knowledge base in the agent workspace (leads and admins), and the article suggestions
beside an agent's reply box."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helpdesk.permissions import agent_required, lead_required
from helpdesk.tenancy import tenant_absolute_url
from kb import services
from kb.forms import ArticleForm, CategoryForm
from kb.models import Article, ArticleCategory
from kb.search import suggested_article_ids
from tickets.selectors import ticket_get_for_agent

SUGGESTIONS = 5


@lead_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    articles = (
        Article.objects.for_tenant(tenant).select_related("category", "updated_by").order_by("-updated_at")
    )
    return render(request, "kb/agent/list.html", {"articles": articles})


@lead_required
def article_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    article = get_object_or_404(Article.objects.for_tenant(tenant), pk=pk) if pk is not None else None
    initial = {"visibility": "public", "status": "draft"}
    if article is not None:
        initial = {
            "title": article.title,
            "slug": article.slug,
            "category": article.category_id,
            "tags": article.tags,
            "visibility": article.visibility,
            "status": article.status,
            "body_html": article.body_html,
        }
    form = ArticleForm(request.POST or None, request.FILES or None, tenant=tenant, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_save(
                tenant=tenant,
                actor=request.user,
                article=article,
                title=data["title"],
                slug=data["slug"],
                body_html=data["body_html"],
                category=data["category"],
                tags=data["tags"],
                visibility=data["visibility"],
                status=data["status"],
            )
            upload = data.get("image")
            if upload:
                services.article_add_image(
                    article=article,
                    filename=upload.name,
                    content=upload.read(),
                    url_for=lambda image: reverse("kb:image", args=[image.pk]),
                )
        except services.ArticleError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Статья сохранена."))
            return redirect("kb_agent:edit", pk=article.pk)
    return render(request, "kb/agent/edit.html", {"form": form, "article": article})


@lead_required
def category_list(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant  # type: ignore[attr-defined]
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pk = request.POST.get("pk")
        category = get_object_or_404(ArticleCategory.objects.for_tenant(tenant), pk=pk) if pk else None
        try:
            services.category_save(tenant=tenant, category=category, **form.cleaned_data)
        except services.ArticleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Раздел сохранён."))
        return redirect("kb_agent:categories")
    categories = ArticleCategory.objects.for_tenant(tenant)
    return render(request, "kb/agent/categories.html", {"form": form, "categories": categories})


@agent_required
@require_GET
def reply_suggestions(request: HttpRequest, number: str) -> HttpResponse:
    """htmx fragment beside the reply box: public articles matching the ticket's subject, each insertable
    into the reply as its title and portal link (sent articles are recorded when the reply goes out)."""
    tenant = request.tenant  # type: ignore[attr-defined]
    ticket = ticket_get_for_agent(tenant=tenant, user=request.user, number=number)
    text = request.GET.get("q", "").strip()[:200] or ticket.subject
    ids = suggested_article_ids(tenant.pk, text, public_only=True, limit=SUGGESTIONS)
    found = {a.pk: a for a in Article.objects.for_tenant(tenant).filter(pk__in=ids, status="published")}
    articles = [found[pk] for pk in ids if pk in found]
    sent = set(ticket.kb_articles.values_list("article_id", flat=True))
    items = [
        {
            "article": a,
            "url": tenant_absolute_url(tenant, "kb:article", key=a.slug),
            "sent": a.pk in sent,
        }
        for a in articles
    ]
    return render(
        request, "kb/agent/_reply_suggestions.html", {"items": items, "ticket": ticket, "text": text}
    )
