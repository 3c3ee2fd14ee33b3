"""Browser test (Playwright + Debian's Chromium): an agent of a SaveIT-like tenant (time booked in
30-minute units) takes an unassigned SLA ticket, answers with a canned response booking 10 minutes
(30 recorded), merges a duplicate and exports the journal. Screenshots land in PLAYWRIGHT_SCREENSHOT_DIR."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from django.utils import timezone

from helpdesk.models import Role
from tests.browser_support import BROWSER_MARKS, screenshots_dir
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    SLATierFactory,
    TenantFactory,
    UserFactory,
    make_client,
    make_ticket,
)
from tickets.models import CannedResponse, Ticket, TimeEntry

pytestmark = BROWSER_MARKS
SCREENSHOTS = screenshots_dir("agent")


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_agent_takes_answers_merges_and_exports(live_server, transactional_db, browser):
    tenant = TenantFactory(
        slug="saveit", name="SaveIT", ticket_prefix="SV", time_accounting_minimum_minutes=30
    )
    SLATierFactory(tenant=tenant, name="Стандарт", is_default=True)
    agent = UserFactory(email="agent@saveit.test", full_name="Анна Агентова")
    MembershipFactory(tenant=tenant, user=agent, role=Role.AGENT)
    client = make_client(
        tenant=tenant,
        organization=OrganizationFactory(tenant=tenant, name="ООО Ромашка"),
        email="ivan@romashka.test",
    )
    client.full_name = "Иван Петров"
    client.save()
    CannedResponse.objects.create(
        tenant=tenant,
        title="Взяли в работу",
        body="Здравствуйте, {client_name}! Заявка {ticket_number} принята в работу.",
    )
    ticket = make_ticket(tenant=tenant, requester=client, subject="Не печатает бухгалтерия")
    duplicate = make_ticket(tenant=tenant, requester=client, subject="Принтер в бухгалтерии (повторно)")
    now = timezone.now()
    Ticket.objects.filter(pk=ticket.pk).update(
        first_response_due=now + timedelta(hours=2),
        resolution_due=now + timedelta(hours=8),
        first_response_warned=True,
    )

    base = f"{live_server.url}/t/saveit"
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="ru-RU"
    )
    page = context.new_page()
    page.goto(f"{base}/agent/")
    shot(page, "00-sign-in")
    page.get_by_label("E-mail").fill(agent.email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r".*/agent/$"))
    page.get_by_role("link", name="Не назначены").click()
    page.wait_for_url(re.compile(r".*view=unassigned"))
    shot(page, "01-unassigned-queue")
    assert page.locator("tr[data-number='SV-1']").is_visible()

    page.get_by_role("link", name="SV-1", exact=True).first.click()
    page.wait_for_url(re.compile(r".*/agent/tickets/SV-1/$"))
    shot(page, "02-ticket-with-sla-timers")
    page.locator("#take").click()
    page.wait_for_load_state()
    assert page.locator("#assignee").inner_text() == "Анна Агентова"

    page.locator("#canned").select_option(label="Взяли в работу")
    body = page.locator("#id_body")
    page.wait_for_function("document.getElementById('id_body').value.includes('Иван Петров')")
    assert "Заявка SV-1 принята в работу." in body.input_value()
    page.locator("input[name=minutes_spent]").fill("10")
    shot(page, "03-reply-with-canned-response")
    page.locator("#send-reply").click()
    page.wait_for_load_state()
    assert page.locator("#time-total").inner_text() == "30 мин"
    shot(page, "04-replied-30-minutes-booked")
    assert list(TimeEntry.objects.values_list("minutes_spent", "minutes")) == [(10, 30)]

    page.goto(f"{base}/agent/tickets/{duplicate.display_number}/")
    page.locator("#merge-target").fill("SV-1")
    page.locator("#merge").click()
    page.wait_for_url(re.compile(r".*/agent/tickets/SV-1/$"))
    assert page.locator("#conversation article.msg").count() == 3  # the duplicate's message moved here
    shot(page, "05-merged-into-survivor")
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == ticket.pk and duplicate.status == "closed"

    page.goto(f"{base}/agent/?status=closed")
    shot(page, "06-closed-with-merged-duplicate")
    with page.expect_download() as download_info:
        page.locator("a[data-export=csv]").click()
    path = download_info.value.path()
    content = Path(path).read_text(encoding="utf-8")
    assert duplicate.display_number in content and '"SV-1";' not in content
    context.close()
