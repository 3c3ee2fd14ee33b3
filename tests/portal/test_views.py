"""Every portal URL against the two-tenant world and three roles: the client, a client of another
organisation of the same tenant, and a client of another tenant."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_ticket
from tests.portal.conftest import resolve
from tickets import services
from tickets.models import Attachment, Message, MessageKind
from tickets.services import NewAttachment
from tickets.statuses import Status

pytestmark = pytest.mark.django_db

SECRET_NOTE = "СЕКРЕТНАЯ-ЗАМЕТКА-агента"


def _urls(number: str, attachment_id: int) -> list[tuple[str, str]]:
    base = f"/t/alpha/tickets/{number}"
    return [
        ("get", f"{base}/"),
        ("get", f"{base}/attachments/{attachment_id}/"),
        ("post", f"{base}/reply/"),
        ("post", f"{base}/confirm/"),
        ("post", f"{base}/object/"),
        ("post", f"{base}/rate/"),
    ]


@pytest.fixture
def attached(world_a) -> Attachment:
    message = services.ticket_reply(
        ticket=world_a.ticket,
        actor=world_a.agent,
        body_text="Смотрите скриншот",
        attachments=[NewAttachment("screen.png", b"\x89PNG\r\n\x1a\nfake", "image/png")],
    )
    return message.attachments.get()


def test_list_shows_own_and_organisation_tickets_only(as_client, world_a, world_b):
    colleague = world_a.client.__class__.objects.create(
        tenant=world_a.tenant, email="colleague@alpha-client.test", organization=world_a.org
    )
    colleague_ticket = make_ticket(
        tenant=world_a.tenant, requester=colleague, subject="Отчёт коллеги не строится"
    )
    html = as_client.get("/t/alpha/tickets/").content.decode()
    assert world_a.ticket.display_number in html
    assert colleague_ticket.display_number in html  # organisation visibility is the default
    assert world_a.other_org_ticket.subject not in html
    assert world_b.ticket.subject not in html


def test_list_with_own_visibility_hides_colleagues(as_client, world_a):
    world_a.tenant.client_visibility = "own"
    world_a.tenant.save()
    colleague = world_a.client.__class__.objects.create(
        tenant=world_a.tenant, email="colleague@alpha-client.test", organization=world_a.org
    )
    make_ticket(tenant=world_a.tenant, requester=colleague, subject="Отчёт коллеги не строится")
    html = as_client.get("/t/alpha/tickets/").content.decode()
    assert "Отчёт коллеги" not in html
    assert world_a.ticket.subject in html


def test_owner_reaches_every_ticket_url(as_client, world_a, attached):
    response = as_client.get(f"/t/alpha/tickets/{world_a.ticket.display_number}/")
    assert response.status_code == 200
    assert world_a.ticket.subject in response.content.decode()
    download = as_client.get(f"/t/alpha/tickets/AL-1/attachments/{attached.pk}/")
    assert download.status_code == 200


@pytest.mark.parametrize("role", ["as_other_org_client", "as_foreign_client"])
def test_other_clients_get_404_everywhere(request, role, world_a, attached):
    browser: Client = request.getfixturevalue(role)
    for method, url in _urls(world_a.ticket.display_number, attached.pk):
        response = getattr(browser, method)(url, {"body": "x", "reason": "x", "score": 5})
        assert response.status_code == 404, (role, url, response.status_code)
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.OPEN  # the agent's reply opened it; nothing else changed it
    assert not Message.objects.filter(ticket=world_a.ticket, body_text="x").exists()


def test_foreign_tenant_client_cannot_open_new_ticket_form(as_foreign_client, world_a):
    assert as_foreign_client.get("/t/alpha/tickets/").status_code == 404
    assert as_foreign_client.get("/t/alpha/tickets/new/").status_code == 404
    assert as_foreign_client.get("/t/alpha/tickets/new/similar/?subject=abc").status_code == 404


def test_agent_is_not_a_portal_client(world_a):
    browser = Client()
    browser.force_login(world_a.agent)
    assert browser.get("/t/alpha/tickets/").status_code == 404
    assert browser.get("/t/alpha/tickets/AL-1/").status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world_a):
    for url in ("/t/alpha/tickets/", "/t/alpha/tickets/new/", "/t/alpha/tickets/AL-1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith("/t/alpha/login/?next=")
    assert client.post("/t/alpha/tickets/AL-1/reply/", {"body": "x"}).status_code == 404


def test_unknown_and_malformed_numbers_are_404(as_client, world_a):
    for number in ("AL-999", "BE-1", "1", "AL-", "garbage"):
        assert as_client.get(f"/t/alpha/tickets/{number}/").status_code == 404


def test_internal_notes_never_reach_the_html(as_client, world_a):
    services.ticket_reply(
        ticket=world_a.ticket,
        actor=world_a.agent,
        internal=True,
        body_text=SECRET_NOTE,
        attachments=[NewAttachment("internal-only.txt", b"secret", "text/plain")],
    )
    services.ticket_reply(ticket=world_a.ticket, actor=world_a.agent, body_text="Публичный ответ")
    html = as_client.get("/t/alpha/tickets/AL-1/").content.decode()
    assert "Публичный ответ" in html
    assert SECRET_NOTE not in html
    assert "internal-only.txt" not in html
    resolve(world_a.ticket, world_a.agent)
    html = as_client.get("/t/alpha/tickets/AL-1/").content.decode()
    assert SECRET_NOTE not in html


def test_internal_attachment_cannot_be_downloaded(as_client, world_a):
    note = services.ticket_reply(
        ticket=world_a.ticket,
        actor=world_a.agent,
        internal=True,
        body_text="лог",
        attachments=[NewAttachment("debug.log", b"secret", "text/plain")],
    )
    attachment = note.attachments.get()
    assert as_client.get(f"/t/alpha/tickets/AL-1/attachments/{attachment.pk}/").status_code == 404


def test_attachment_of_another_ticket_is_refused(as_client, world_a, world_b):
    mine = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Вторая заявка про отчёты")
    other = services.ticket_reply(
        ticket=world_a.other_org_ticket,
        actor=world_a.agent,
        body_text="файл",
        attachments=[NewAttachment("other.pdf", b"%PDF", "application/pdf")],
    ).attachments.get()
    foreign = services.ticket_reply(
        ticket=world_b.ticket,
        actor=world_b.agent,
        body_text="файл",
        attachments=[NewAttachment("foreign.pdf", b"%PDF", "application/pdf")],
    ).attachments.get()
    own = services.ticket_reply(
        ticket=mine,
        actor=world_a.agent,
        body_text="файл",
        attachments=[NewAttachment("own.pdf", b"%PDF", "application/pdf")],
    ).attachments.get()
    # Through a ticket the client can see, an attachment of another ticket is still a 404.
    assert as_client.get(f"/t/alpha/tickets/AL-1/attachments/{other.pk}/").status_code == 404
    assert as_client.get(f"/t/alpha/tickets/AL-1/attachments/{foreign.pk}/").status_code == 404
    assert as_client.get(f"/t/alpha/tickets/AL-1/attachments/{own.pk}/").status_code == 404
    assert as_client.get(f"/t/alpha/tickets/{mine.display_number}/attachments/{own.pk}/").status_code == 200


def test_download_headers(as_client, world_a):
    message = services.ticket_reply(
        ticket=world_a.ticket,
        actor=world_a.agent,
        body_text="файлы",
        attachments=[
            NewAttachment("скриншот.png", b"\x89PNG\r\n\x1a\n", "application/octet-stream"),
            NewAttachment("page.html", b"<script>alert(1)</script>", "text/html"),
        ],
    )
    png, html = message.attachments.order_by("pk")
    response = as_client.get(f"/t/alpha/tickets/AL-1/attachments/{png.pk}/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"\x89PNG\r\n\x1a\n"
    response = as_client.get(f"/t/alpha/tickets/AL-1/attachments/{html.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")


def test_reply_adds_public_message_and_keeps_text_on_error(as_client, world_a):
    response = as_client.post("/t/alpha/tickets/AL-1/reply/", {"body": "Проверил, всё ещё падает"})
    assert response.status_code == 302
    message = Message.objects.filter(ticket=world_a.ticket).latest("pk")
    assert message.kind == MessageKind.PUBLIC
    assert message.author_contact == world_a.client
    assert message.body_text == "Проверил, всё ещё падает"
    world_a.tenant.allowed_attachment_extensions = "png"
    world_a.tenant.save()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = as_client.post(
        "/t/alpha/tickets/AL-1/reply/",
        {"body": "Текст, который нельзя терять", "attachments": SimpleUploadedFile("virus.exe", b"MZ")},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Текст, который нельзя терять" in html
    assert "virus.exe" in html and "не принят" in html


def test_empty_reply_is_refused(as_client, world_a):
    response = as_client.post("/t/alpha/tickets/AL-1/reply/", {"body": "  "})
    assert response.status_code == 400
    assert "Напишите ответ" in response.content.decode()


def test_confirm_closes_a_resolved_ticket(as_client, world_a):
    resolve(world_a.ticket, world_a.agent)
    page = as_client.get("/t/alpha/tickets/AL-1/").content.decode()
    assert "Решение подтверждаю" in page and "Не согласен" in page
    assert as_client.post("/t/alpha/tickets/AL-1/confirm/").status_code == 302
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.CLOSED


def test_confirm_on_an_open_ticket_changes_nothing(as_client, world_a):
    as_client.post("/t/alpha/tickets/AL-1/confirm/")
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.NEW


def test_objection_reopens_with_the_reason_in_history(as_client, world_a):
    resolve(world_a.ticket, world_a.agent)
    response = as_client.post(
        "/t/alpha/tickets/AL-1/object/", {"reason": "Ошибка осталась на втором сервере"}
    )
    assert response.status_code == 302
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.OPEN
    html = as_client.get("/t/alpha/tickets/AL-1/").content.decode()
    assert "Ошибка осталась на втором сервере" in html


def test_objection_needs_a_reason(as_client, world_a):
    resolve(world_a.ticket, world_a.agent)
    response = as_client.post("/t/alpha/tickets/AL-1/object/", {"reason": ""})
    assert response.status_code == 400
    world_a.ticket.refresh_from_db()
    assert world_a.ticket.status == Status.RESOLVED


def test_rating_once_after_resolution(as_client, world_a):
    assert as_client.post("/t/alpha/tickets/AL-1/rate/", {"score": 5}).status_code == 302
    assert not hasattr(world_a.ticket, "rating") or world_a.ticket.rating is None  # refused: not resolved
    resolve(world_a.ticket, world_a.agent)
    as_client.post("/t/alpha/tickets/AL-1/rate/", {"score": 4, "comment": "Быстро"})
    as_client.post("/t/alpha/tickets/AL-1/rate/", {"score": 1})
    world_a.ticket.refresh_from_db()
    assert (world_a.ticket.rating.score, world_a.ticket.rating.comment) == (4, "Быстро")
    assert "Ваша оценка: 4 из 5" in as_client.get("/t/alpha/tickets/AL-1/").content.decode()


def test_linked_tickets_shown_only_when_visible(as_client, world_a):
    mine = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Продолжение про отчёт")
    services.ticket_link(source=mine, target=world_a.ticket, kind="follow_up_of")
    services.ticket_link(source=world_a.other_org_ticket, target=world_a.ticket, kind="duplicate_of")
    html = as_client.get("/t/alpha/tickets/AL-1/").content.decode()
    assert mine.display_number in html
    assert world_a.other_org_ticket.display_number not in html


def test_list_filters_and_search(as_client, world_a):
    solved = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Принтер печатает полосами")
    resolve(solved, world_a.agent)
    html = as_client.get("/t/alpha/tickets/?status=resolved").content.decode()
    assert solved.display_number in html and world_a.ticket.display_number not in html
    html = as_client.get("/t/alpha/tickets/?status=open").content.decode()
    assert solved.display_number not in html and world_a.ticket.display_number in html
    html = as_client.get(f"/t/alpha/tickets/?q={solved.display_number}").content.decode()
    assert solved.display_number in html and world_a.ticket.display_number not in html
    html = as_client.get("/t/alpha/tickets/?q=полосами").content.decode()
    assert solved.display_number in html and world_a.ticket.display_number not in html
    html = as_client.get("/t/alpha/tickets/?q=Исправили").content.decode()  # words of a public reply
    assert solved.display_number in html


def test_search_does_not_match_internal_notes(as_client, world_a):
    services.ticket_reply(ticket=world_a.ticket, actor=world_a.agent, internal=True, body_text="зебра")
    html = as_client.get("/t/alpha/tickets/?q=зебра").content.decode()
    assert world_a.ticket.display_number not in html


def test_portal_in_english(as_client, world_a):
    resolve(world_a.ticket, world_a.agent)
    html = as_client.get("/t/alpha/tickets/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My tickets" in html and "Мои заявки" not in html
    html = as_client.get("/t/alpha/tickets/AL-1/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "I confirm the solution" in html and "Resolved" in html
    assert "Мои заявки" in as_client.get("/t/alpha/tickets/").content.decode()  # Russian first
