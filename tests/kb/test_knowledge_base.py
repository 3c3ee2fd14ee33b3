"""The knowledge base: portal section and search, article pages, feedback, editing by leads, deflection,
articles in replies — and the walls between tenants and between clients and internal articles."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kb import services
from kb.models import Article, Deflection, TicketArticle
from tests.factories import make_ticket


@pytest.fixture
def kb(world_a, world_b):
    faq = services.category_save(tenant=world_a.tenant, name="Частые вопросы", ordering=2)
    first = services.category_save(tenant=world_a.tenant, name="Начало работы", ordering=1)

    def article(title, body, **kw):
        kw.setdefault("status", "published")
        return services.article_save(
            tenant=world_a.tenant, actor=world_a.lead, title=title, body_html=body, **kw
        )

    merge = article(
        "Как объединить дубликаты записей о питомце",
        "<p>Если питомец записан дважды, откройте карточку и нажмите «Объединить».</p><script>alert(1)</script>",
        category=faq,
        tags="дубли, карточка",
    )
    login_help = article(
        "Вход в личный кабинет", "<p onclick='x()'>Сброс пароля по ссылке.</p>", category=first
    )
    internal = article("Как перезапустить сервер", "<p>Только для сотрудников.</p>", visibility="internal")
    draft = article("Черновик о тарифах", "<p>Тарифы пока не готовы.</p>", status="draft")
    services.article_save(
        tenant=world_b.tenant, actor=world_b.lead, title="Дубликаты питомцев у beta", body_html="<p>beta</p>",
        status="published",
    )  # fmt: skip
    return {"merge": merge, "login": login_help, "internal": internal, "draft": draft, "faq": faq}


def _client_browser(world) -> Client:
    browser = Client()
    browser.force_login(world.client.user)
    return browser


def test_portal_index_in_the_tenants_order_without_drafts_or_internal(kb, world_a):
    html = _client_browser(world_a).get("/t/alpha/kb/").content.decode()
    assert html.index("Начало работы") < html.index("Частые вопросы")
    assert "Как объединить дубликаты" in html and "Вход в личный кабинет" in html
    assert "перезапустить сервер" not in html and "Черновик" not in html and "beta" not in html


def test_article_page_by_slug_and_id_counts_views_and_is_sanitised(kb, world_a):
    article = kb["merge"]
    browser = _client_browser(world_a)
    page = browser.get(f"/t/alpha/kb/{article.slug}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "нажмите «Объединить»" in html and "<script>alert" not in html
    assert browser.get(f"/t/alpha/kb/{article.pk}/").status_code == 200
    assert Article.objects.get(pk=article.pk).view_count == 2
    assert "onclick" not in Article.objects.get(pk=kb["login"].pk).body_html


@pytest.mark.parametrize("name", ["internal", "draft"])
def test_clients_and_visitors_never_open_internal_or_draft_articles(kb, world_a, name):
    article = kb[name]
    assert _client_browser(world_a).get(f"/t/alpha/kb/{article.pk}/").status_code == 404
    assert Client().get(f"/t/alpha/kb/{article.slug}/").status_code == 404


def test_another_tenants_article_is_a_404(kb, world_a, world_b):
    foreign = Article.objects.get(tenant=world_b.tenant)
    assert _client_browser(world_a).get(f"/t/alpha/kb/{foreign.pk}/").status_code == 404
    assert _client_browser(world_a).get(f"/t/alpha/kb/{foreign.slug}/").status_code == 404


def test_kb_search_uses_the_russian_search(kb, world_a, login):
    browser = _client_browser(world_a)
    html = browser.get("/t/alpha/kb/?q=" + quote("дубликат питомца")).content.decode()
    assert "Как объединить дубликаты" in html and "beta" not in html
    assert "Ничего не найдено" in browser.get("/t/alpha/kb/?q=" + quote("сервер")).content.decode()
    staff = login(world_a.agent).get("/t/alpha/kb/?q=" + quote("сервер")).content.decode()
    assert "Как перезапустить сервер" in staff
    assert "Ничего не найдено" in browser.get("/t/alpha/kb/?q=" + quote("дубликат -питомец")).content.decode()
    assert browser.get("/t/alpha/kb/?q=a%00b").status_code == 200


def test_helpful_is_counted_and_from_the_ticket_form_it_is_a_saved_ticket(kb, world_a, login):
    article = kb["merge"]
    browser = _client_browser(world_a)
    browser.post(f"/t/alpha/kb/{article.slug}/helpful/", {"helpful": "no"})
    assert Deflection.objects.count() == 0
    browser.post(
        f"/t/alpha/kb/{article.slug}/helpful/",
        {"helpful": "yes", "deflected": "1", "subject": "дубликат питомца"},
    )
    article.refresh_from_db()
    assert (article.helpful_count, article.unhelpful_count) == (1, 1)
    deflection = Deflection.objects.get()
    assert deflection.contact == world_a.client and deflection.subject == "дубликат питомца"
    html = login(world_a.lead).get("/t/alpha/agent/dashboard/").content.decode()
    assert "сэкономили <strong>1</strong>" in html


def test_new_ticket_form_suggests_articles_while_typing(kb, world_a):
    browser = _client_browser(world_a)
    assert 'hx-get="/t/alpha/kb/suggest/"' in browser.get("/t/alpha/tickets/new/").content.decode()
    html = browser.get("/t/alpha/kb/suggest/?subject=" + quote("дубликат питомца в базе")).content.decode()
    assert "Как объединить дубликаты" in html and "from=new-ticket" in html
    assert "Как перезапустить" not in browser.get("/t/alpha/kb/suggest/?subject=сервер").content.decode()
    browser.post(f"/t/alpha/kb/{kb['merge'].slug}/solved/", {"subject": "дубликат питомца"})
    assert Deflection.objects.filter(article=kb["merge"]).count() == 1


def test_leads_edit_articles_in_the_agent_ui_and_agents_cannot(kb, world_a, login):
    lead = login(world_a.lead)
    assert lead.get("/t/alpha/agent/kb/").status_code == 200
    response = lead.post(
        "/t/alpha/agent/kb/new/",
        {"title": "Настройка потока", "body_html": "<h2>Проверки</h2><p>Битрейт и кодек.</p>", "tags": "поток",
         "visibility": "public", "status": "published", "category": kb["faq"].pk},
    )  # fmt: skip
    assert response.status_code == 302
    created = Article.objects.get(title="Настройка потока")
    assert created.updated_by == world_a.lead and created.category == kb["faq"]
    assert "Настройка потока" in _client_browser(world_a).get("/t/alpha/kb/?q=битрейта").content.decode()
    lead.post(
        f"/t/alpha/agent/kb/{created.pk}/",
        {
            "title": "Настройка потока",
            "body_html": "<p>Кодек.</p>",
            "visibility": "public",
            "status": "draft",
        },
    )
    assert "Настройка потока" not in _client_browser(world_a).get("/t/alpha/kb/?q=кодек").content.decode()
    assert login(world_a.agent).get("/t/alpha/agent/kb/").status_code == 404
    assert login(world_a.agent).get(f"/t/alpha/agent/kb/{created.pk}/").status_code == 404
    assert lead.get(f"/t/beta/agent/kb/{created.pk}/").status_code == 404


def test_reply_box_suggests_articles_and_the_ticket_records_the_ones_sent(kb, world_a, login):
    ticket = make_ticket(
        tenant=world_a.tenant, requester=world_a.client, subject="Дубликат питомца в карточке"
    )
    agent = login(world_a.agent)
    page = agent.get(f"/t/alpha/agent/tickets/{ticket.display_number}/").content.decode()
    assert "/agent/kb/suggest/" in page and "js/kb.js" in page
    html = agent.get(f"/t/alpha/agent/kb/suggest/{ticket.display_number}/").content.decode()
    assert "Как объединить дубликаты" in html and "data-kb-url" in html
    url = f"http://localhost:8000/t/alpha/kb/{kb['merge'].slug}/"
    agent.post(
        f"/t/alpha/agent/tickets/{ticket.display_number}/reply/",
        {"body": f"Посмотрите статью «Как объединить дубликаты»: {url}"},
    )
    sent = TicketArticle.objects.get(ticket=ticket)
    assert sent.article == kb["merge"] and sent.sent_by == world_a.agent
    assert (
        "уже отправлена" in agent.get(f"/t/alpha/agent/kb/suggest/{ticket.display_number}/").content.decode()
    )


def test_images_follow_the_articles_visibility(kb, world_a):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    image = services.article_add_image(article=kb["merge"], filename="a.png", content=png)
    hidden = services.article_add_image(article=kb["internal"], filename="b.png", content=png)
    assert Client().get(f"/t/alpha/kb/images/{image.pk}/")["Content-Type"] == "image/png"
    assert Client().get(f"/t/alpha/kb/images/{hidden.pk}/").status_code == 404
    with pytest.raises(services.ArticleError):
        services.article_add_image(article=kb["merge"], filename="x.html", content=b"<html>")


def test_an_uploaded_image_is_appended_to_the_body(kb, world_a, login):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 20
    article = kb["login"]
    data = {
        "title": article.title,
        "body_html": article.body_html,
        "visibility": "public",
        "status": "published",
    }
    upload = SimpleUploadedFile('shot".png', png, content_type="application/octet-stream")
    login(world_a.lead).post(f"/t/alpha/agent/kb/{article.pk}/", {**data, "image": upload})
    article.refresh_from_db()
    image = article.images.get()
    assert (
        f'src="/kb/images/{image.pk}/"' in article.body_html or f"/kb/images/{image.pk}/" in article.body_html
    )
    assert 'alt="shot&quot;.png"' in article.body_html
