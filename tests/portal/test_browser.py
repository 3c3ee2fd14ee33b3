"""The portal in a real browser (Playwright + Debian's Chromium): a SaveIT-like client opens a ticket
with a screenshot, replies, confirms the solution and rates it; a UMI-like client objects and the
ticket goes back to work. Screenshots of every page land in PLAYWRIGHT_SCREENSHOT_DIR."""

from __future__ import annotations

import re
import struct
import zlib

from helpdesk.models import Role
from tests.browser_support import BROWSER_MARKS, screenshots_dir
from tests.factories import (
    PASSWORD,
    CategoryFactory,
    MembershipFactory,
    OrganizationFactory,
    SLATierFactory,
    TenantFactory,
    UserFactory,
    make_client,
    make_ticket,
)
from tickets import services
from tickets.models import Ticket
from tickets.statuses import Status

pytestmark = BROWSER_MARKS
SCREENSHOTS = screenshots_dir("portal")


def png_screenshot(width: int = 64, height: int = 40) -> bytes:
    """A small valid PNG, made here so the test needs no fixture file."""
    rows = b"".join(b"\x00" + bytes((31, 122, 77)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _tenant(slug: str, name: str, prefix: str, color: str, **settings):
    tenant = TenantFactory(slug=slug, name=name, ticket_prefix=prefix, brand_color=color, **settings)
    SLATierFactory(tenant=tenant, name="Стандарт", is_default=True)
    agent = UserFactory(email=f"agent@{slug}.test", full_name="Агент Поддержки")
    MembershipFactory(tenant=tenant, user=agent, role=Role.AGENT)
    org = OrganizationFactory(tenant=tenant, name=f"{name} клиент")
    client = make_client(tenant=tenant, organization=org, email=f"client@{slug}-client.test")
    return tenant, agent, client


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/")
    page.screenshot(
        path=str(SCREENSHOTS / f"{page.url.split('/t/')[1].split('/')[0]}-01-sign-in.png"), full_page=True
    )
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_url(re.compile(r".*/tickets/$"))


def test_saveit_client_opens_replies_confirms_and_rates(live_server, transactional_db, browser):
    tenant, agent, client = _tenant(
        "saveit",
        "SaveIT",
        "SV",
        "#1f7a4d",
        portal_required_contact_fields="organization,full_name,position,phone",
    )
    CategoryFactory(tenant=tenant, name="Сбой программы")
    base = f"{live_server.url}/t/saveit"
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    _sign_in(page, base, client.email)
    page.screenshot(path=str(SCREENSHOTS / "saveit-02-empty-list.png"), full_page=True)

    page.get_by_role("link", name="Новая заявка").first.click()
    page.get_by_label("Тема").fill("Не формируется счёт-фактура в модуле продаж")
    page.get_by_label("Описание").fill(
        "При нажатии «Сформировать» появляется ошибка 0x80004005. Скриншот приложен."
    )
    page.get_by_label("Категория").select_option(label="Сбой программы")
    page.get_by_label("Организация").fill("ООО «Ромашка»")
    page.get_by_label("ФИО").fill("Иван Петров")
    page.get_by_label("Должность").fill("Главный бухгалтер")
    page.get_by_label("Телефон").fill("+7 495 123-45-67")
    page.get_by_label("Вложения").set_input_files(
        files=[{"name": "screenshot.png", "mimeType": "image/png", "buffer": png_screenshot()}]
    )
    page.screenshot(path=str(SCREENSHOTS / "saveit-03-new-ticket-form.png"), full_page=True)
    page.get_by_role("button", name="Отправить заявку").click()
    page.wait_for_url(re.compile(r".*/tickets/SV-1/$"))
    assert page.get_by_text("Заявка SV-1 зарегистрирована").is_visible()
    assert page.locator(".number").inner_text() == "SV-1"
    assert page.get_by_role("link", name="screenshot.png").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "saveit-04-ticket-created.png"), full_page=True)

    page.get_by_label("Ваш ответ").fill("Дополнение: ошибка только у пользователей без прав администратора.")
    page.get_by_role("button", name="Отправить", exact=True).click()
    page.wait_for_url(re.compile(r".*/tickets/SV-1/$"))
    assert page.get_by_text("Дополнение: ошибка только у пользователей").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "saveit-05-replied.png"), full_page=True)

    ticket = Ticket.objects.get(tenant=tenant, number=1)
    services.ticket_reply(
        ticket=ticket, actor=agent, body_text="Выдали права на шаблон счёта. Проверьте, пожалуйста."
    )
    services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=agent)

    page.reload()
    page.screenshot(path=str(SCREENSHOTS / "saveit-06-resolved.png"), full_page=True)
    page.get_by_role("button", name="Решение подтверждаю").click()
    page.wait_for_url(re.compile(r".*/tickets/SV-1/$"))
    assert page.locator(".ticket-head .badge").inner_text() == "Закрыта"

    page.locator("label.star", has_text="5").click()
    page.get_by_label("Комментарий").fill("Быстро и понятно, спасибо!")
    page.get_by_role("button", name="Оценить").click()
    page.wait_for_url(re.compile(r".*/tickets/SV-1/$"))
    assert page.get_by_text("Ваша оценка: 5 из 5.").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "saveit-07-confirmed-and-rated.png"), full_page=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.rating.score == 5
    assert ticket.custom_fields["_contact"]["position"] == "Главный бухгалтер"

    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="ru-RU")
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{base}/tickets/")
    phone.screenshot(path=str(SCREENSHOTS / "saveit-08-list-on-a-phone.png"), full_page=True)
    assert phone.get_by_role("link", name="SV-1").is_visible()


def test_umi_client_objects_and_the_ticket_reopens(live_server, transactional_db, browser):
    tenant, agent, client = _tenant("umi", "UMI", "UMI", "#6b2fb3")
    ticket = make_ticket(tenant=tenant, requester=client, subject="Сайт не открывается после смены тарифа")
    services.ticket_reply(ticket=ticket, actor=agent, body_text="Продлили тариф, сайт снова доступен.")
    services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=agent)

    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    _sign_in(page, f"{live_server.url}/t/umi", client.email)
    page.get_by_role("link", name="UMI-1").click()
    page.screenshot(path=str(SCREENSHOTS / "umi-02-resolved-ticket.png"), full_page=True)
    page.get_by_text("Не согласен").click()
    page.get_by_label("С чем вы не согласны?").fill("Главная открывается, но корзина отдаёт ошибку 502.")
    page.screenshot(path=str(SCREENSHOTS / "umi-03-objection.png"), full_page=True)
    page.get_by_role("button", name="Вернуть в работу").click()
    page.wait_for_url(re.compile(r".*/tickets/UMI-1/$"))
    assert page.locator(".ticket-head .badge").inner_text() == "В работе"
    assert page.get_by_text("корзина отдаёт ошибку 502").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "umi-04-reopened.png"), full_page=True)
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN

    # Typing a subject like the open ticket's brings up the hint (htmx) before a duplicate is made.
    page.get_by_role("link", name="Новая заявка").first.click()
    page.get_by_label("Тема").press_sequentially("Сайт не открывается после смены тарифа", delay=10)
    hint = page.locator("#similar-live .similar")
    hint.wait_for()
    assert "UMI-1" in hint.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "umi-05-duplicate-hint.png"), full_page=True)
