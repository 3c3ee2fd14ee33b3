"""The public knowledge base of a tenant (``/t/<slug>/kb/``): index, search, article pages, "was this
helpful?", and the suggestions beside the new-ticket form's subject (deflection)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kb import services
from kb.models import ArticleImage
from kb.selectors import (
    article_get,
    articles_for,
    categories_with_articles,
    search_articles,
    suggest_articles,
)
from tickets.selectors import contact_for_user

SUGGESTIONS = 5


def _tenant(request: HttpRequest):  # type: ignore[no-untyped-def]
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        raise Http404("No tenant")
    return tenant


@require_GET
def kb_index(request: HttpRequest) -> HttpResponse:
    tenant = _tenant(request)
    query = request.GET.get("q", "").strip()[:200]
    context: dict[str, object] = {"query": query}
    if query:
        context["results"] = search_articles(tenant, request.user, query)
    else:
        context["sections"] = categories_with_articles(tenant, articles_for(tenant, request.user))
    return render(request, "kb/index.html", context)


@require_GET
def article_detail(request: HttpRequest, key: str) -> HttpResponse:
    tenant = _tenant(request)
    article = article_get(tenant=tenant, user=request.user, key=key)
    services.article_viewed(article)
    from_ticket_form = request.GET.get("from") == "new-ticket"
    return render(
        request,
        "kb/article.html",
        {
            "article": article,
            "from_ticket_form": from_ticket_form,
            "subject": request.GET.get("subject", "")[:300],
            "voted": request.GET.get("voted") == "1",
        },
    )


@require_POST
def article_feedback(request: HttpRequest, key: str) -> HttpResponse:
    """Yes/no on "was this helpful?"; a client who came from the new-ticket form and says yes did not
    need the ticket — recorded as a deflection."""
    tenant = _tenant(request)
    article = article_get(tenant=tenant, user=request.user, key=key)
    helpful = request.POST.get("helpful") == "yes"
    services.article_feedback(article=article, helpful=helpful, user=request.user)
    if helpful and request.POST.get("deflected") == "1":
        contact = contact_for_user(tenant=tenant, user=request.user)
        services.deflection_record(article=article, contact=contact, subject=request.POST.get("subject", ""))
        messages.success(request, _("Рады, что статья помогла! Заявку можно не создавать."))
    else:
        messages.success(request, _("Спасибо за отзыв!"))
    return redirect(f"{request.path.rsplit('/helpful/', 1)[0]}/?voted=1")


@require_POST
def article_solved(request: HttpRequest, key: str) -> HttpResponse:
    """ "Это решило мою проблему" beside a suggestion on the new-ticket form."""
    tenant = _tenant(request)
    article = article_get(tenant=tenant, user=request.user, key=key)
    contact = contact_for_user(tenant=tenant, user=request.user)
    services.article_feedback(article=article, helpful=True, user=request.user)
    services.deflection_record(article=article, contact=contact, subject=request.POST.get("subject", ""))
    messages.success(request, _("Рады, что статья помогла! Заявку можно не создавать."))
    return redirect("kb:index")


@require_GET
def article_suggestions(request: HttpRequest) -> HttpResponse:
    """htmx fragment: public articles matching the subject being typed on the new-ticket form."""
    tenant = _tenant(request)
    subject = request.GET.get("subject", "")[:300]
    articles = suggest_articles(tenant, request.user, subject, limit=SUGGESTIONS) if len(subject) >= 4 else []
    return render(request, "kb/_suggestions.html", {"articles": articles, "subject": subject})


@require_GET
def article_image(request: HttpRequest, pk: int) -> FileResponse:
    tenant = _tenant(request)
    image = get_object_or_404(ArticleImage.objects.for_tenant(tenant), pk=pk)
    if not articles_for(tenant, request.user).filter(pk=image.article_id).exists():
        raise Http404("No such image")
    response = FileResponse(image.file.open("rb"), content_type=image.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
