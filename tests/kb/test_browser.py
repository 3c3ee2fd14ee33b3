"""Deflection in a real browser (Playwright + Debian's Chromium): a ZooPortal client types "дубликат
питомца" as the subject of a new ticket, sees the article, opens it, marks it helpful — and the lead's
dashboard counts one ticket saved. Screenshots in PLAYWRIGHT_SCREENSHOT_DIR/kb/."""

from __future__ import annotations

import re

from helpdesk.models import Role
from kb.demo import seed_articles
from tests.browser_support import BROWSER_MARKS, screenshots_dir
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    SLATierFactory,
    TenantFactory,
    UserFactory,
    make_client,
)

pytestmark = BROWSER_MARKS
SCREENSHOTS = screenshots_dir("kb")


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()


def test_zooportal_client_finds_the_article_instead_of_opening_a_ticket(
    live_server, transactional_db, browser
):
    tenant = TenantFactory(slug="zooportal", name="ЗооПортал", ticket_prefix="ZP", brand_color="#8a4b08")
    SLATierFactory(tenant=tenant, name="Стандарт", is_default=True)
    lead = UserFactory(email="lead@zooportal.example", full_name="Руководитель Поддержки")
    MembershipFactory(tenant=tenant, user=lead, role=Role.LEAD)
    client = make_client(
        tenant=tenant, organization=OrganizationFactory(tenant=tenant, name="Питомник «Альфа»")
    )
    seed_articles(tenant, None)
    base = f"{live_server.url}/t/zooportal"

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    _sign_in(page, base, client.email)
    page.goto(f"{base}/tickets/new/")
    page.get_by_label("Тема").press_sequentially("дубликат питомца", delay=30)
    suggestion = page.locator(".kb-suggestions").get_by_role(
        "link", name="Как объединить дубликаты записей о питомце"
    )
    suggestion.wait_for()
    page.screenshot(path=str(SCREENSHOTS / "zooportal-01-suggestion.png"), full_page=True)

    with page.expect_popup() as popup:
        suggestion.click()
    article = popup.value
    article.wait_for_load_state()
    assert article.get_by_role("heading", name="Как объединить дубликаты записей о питомце").is_visible()
    article.get_by_role("button", name="Да, помогла").click()
    article.wait_for_url(re.compile(r".*voted=1"))
    assert article.get_by_text("Рады, что статья помогла").is_visible()
    article.screenshot(path=str(SCREENSHOTS / "zooportal-02-helpful.png"), full_page=True)

    lead_page = browser.new_context(locale="ru-RU").new_page()
    _sign_in(lead_page, base, lead.email)
    lead_page.goto(f"{base}/agent/dashboard/")
    saved = lead_page.locator("#kb-saved")
    assert re.search(r"сэкономили\s+1\s+заявку", saved.inner_text())
    lead_page.screenshot(path=str(SCREENSHOTS / "zooportal-03-dashboard.png"), full_page=True)
