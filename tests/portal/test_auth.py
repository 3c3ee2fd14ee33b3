"""Sign-in paths: one-time links, password reset, throttling, and signed ticket links from mails."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from helpdesk.magic_links import magic_link_token
from helpdesk.models import User
from tests.factories import PASSWORD, ContactFactory, make_ticket
from tickets.portal_links import portal_ticket_link, portal_ticket_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()


def _link_from_mail(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_magic_link_signs_in_once(client, world_a):
    response = client.post("/t/alpha/login/link/", {"email": world_a.client.email.upper()})
    assert response.status_code == 302 and response.url == "/t/alpha/login/link/sent/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world_a.client.email]
    link = _path(_link_from_mail(mail.outbox[0]))
    assert link.startswith("/t/alpha/login/link/")
    # A GET (a mail scanner prefetching the link) does not use it up.
    assert client.get(link).status_code == 200
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert client.get("/t/alpha/tickets/").status_code == 200
    client.logout()
    assert client.post(link).status_code == 400  # single use


def test_magic_link_expires(client, world_a):
    token = magic_link_token(tenant=world_a.tenant, user=world_a.client.user)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.post(f"/t/alpha/login/link/{token}/").status_code == 400
    assert client.post(f"/t/alpha/login/link/{token}/").status_code == 302


def test_magic_link_is_bound_to_its_tenant(client, world_a, world_b):
    token = magic_link_token(tenant=world_a.tenant, user=world_a.client.user)
    assert client.post(f"/t/beta/login/link/{token}/").status_code == 400
    assert client.post(f"/t/alpha/login/link/{token}x/").status_code == 400


def test_unknown_or_foreign_address_gets_the_same_answer_and_no_mail(client, world_a, world_b):
    for email in ("nobody@example.test", world_b.client.email):
        response = client.post("/t/alpha/login/link/", {"email": email})
        assert response.status_code == 302 and response.url == "/t/alpha/login/link/sent/"
    assert mail.outbox == []


def test_contact_without_login_gets_one_by_link(client, world_a):
    contact = ContactFactory(
        tenant=world_a.tenant, organization=world_a.org, email="mailonly@alpha-client.test"
    )
    ticket = make_ticket(tenant=world_a.tenant, requester=contact, subject="Письмом пришла заявка про отчёт")
    client.post("/t/alpha/login/link/", {"email": contact.email})
    link = _path(_link_from_mail(mail.outbox[0]))
    assert client.post(link).status_code == 302
    contact.refresh_from_db()
    assert contact.user is not None and not contact.user.has_usable_password()
    assert ticket.display_number in client.get("/t/alpha/tickets/").content.decode()
    client.logout()
    assert client.post(link).status_code == 400


def test_magic_link_requests_are_rate_limited(client, world_a):
    for _ in range(5):
        client.post("/t/alpha/login/link/", {"email": world_a.client.email})
    assert len(mail.outbox) == 3


def test_password_reset_for_tenant_people_only(client, world_a, world_b):
    assert client.get("/t/alpha/password/reset/").status_code == 200
    client.post("/t/alpha/password/reset/", {"email": world_b.client.email})
    assert mail.outbox == []
    response = client.post("/t/alpha/password/reset/", {"email": world_a.client.email})
    assert response.status_code == 302 and response.url == "/t/alpha/password/reset/sent/"
    assert len(mail.outbox) == 1 and "Alpha" in mail.outbox[0].subject
    link = _path(_link_from_mail(mail.outbox[0]))
    assert link.startswith("/t/alpha/password/reset/")
    response = client.get(link, follow=True)
    assert response.status_code == 200
    set_url = response.redirect_chain[-1][0]
    response = client.post(set_url, {"new_password1": "Nov-pass-2026!", "new_password2": "Nov-pass-2026!"})
    assert response.status_code == 302 and response.url == "/t/alpha/password/reset/done/"
    assert User.objects.get(pk=world_a.client.user.pk).check_password("Nov-pass-2026!")


def test_person_signed_up_by_link_may_set_a_password(client, world_a):
    contact = ContactFactory(
        tenant=world_a.tenant, organization=world_a.org, email="mailonly@alpha-client.test"
    )
    token = magic_link_token(tenant=world_a.tenant, contact=contact)
    client.post(f"/t/alpha/login/link/{token}/")
    client.logout()
    client.post("/t/alpha/password/reset/", {"email": contact.email})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [contact.email]


def test_participant_opens_the_ticket_by_mail_link(client, world_a):
    from tickets import services

    colleague = ContactFactory(
        tenant=world_a.tenant, organization=world_a.other_org, email="cc@alpha-other.test"
    )
    services.ticket_add_participant(ticket=world_a.ticket, email=colleague.email)
    client.get(f"/t/alpha/tickets/link/{portal_ticket_token(world_a.ticket, colleague)}/")
    assert client.get("/t/alpha/tickets/AL-1/").status_code == 200
    client.post("/t/alpha/tickets/AL-1/reply/", {"body": "Ответ из копии"})
    assert world_a.ticket.messages.latest("pk").author_contact == colleague


def test_password_reset_requests_are_rate_limited(client, world_a):
    for _ in range(5):
        response = client.post("/t/alpha/password/reset/", {"email": world_a.client.email})
        assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_login_is_throttled_by_axes(client, world_a, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
    for _ in range(3):
        response = client.post("/t/alpha/login/", {"username": world_a.client.email, "password": "wrong"})
    response = client.post("/t/alpha/login/", {"username": world_a.client.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Слишком много попыток" in response.content.decode()
    assert client.get("/t/alpha/tickets/").status_code == 302  # still not signed in
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get().username == world_a.client.email
    # Another person signing in from the same address is not locked out.
    other = client.post("/t/alpha/login/", {"username": world_a.other_client.email, "password": PASSWORD})
    assert other.status_code == 302


def test_login_page_offers_link_and_reset(client, world_a):
    html = client.get("/t/alpha/login/").content.decode()
    assert "/t/alpha/login/link/" in html and "/t/alpha/password/reset/" in html


# --- signed ticket links from notification mails -------------------------------------------------
def test_portal_ticket_link_opens_only_that_ticket(client, world_a, settings):
    settings.SITE_URL = "https://help.example"
    url = portal_ticket_link(world_a.ticket, world_a.client)
    assert url.startswith("https://help.example/t/alpha/tickets/link/")
    response = client.get(_path(url))
    assert response.status_code == 302 and response.url == "/t/alpha/tickets/AL-1/"
    page = client.get("/t/alpha/tickets/AL-1/")
    assert page.status_code == 200 and world_a.ticket.subject in page.content.decode()
    assert client.post("/t/alpha/tickets/AL-1/reply/", {"body": "Ответ по ссылке"}).status_code == 302
    assert world_a.ticket.messages.latest("pk").author_contact == world_a.client
    # Scoped: no list, no other ticket, not even one of the same requester.
    other = make_ticket(tenant=world_a.tenant, requester=world_a.client, subject="Вторая заявка клиента")
    assert client.get("/t/alpha/tickets/").status_code == 302
    assert client.get(f"/t/alpha/tickets/{other.display_number}/").status_code == 302


def test_portal_ticket_link_is_bound_to_tenant_ticket_and_requester(client, world_a, world_b):
    token = portal_ticket_token(world_a.ticket, world_a.client)
    assert client.get(f"/t/beta/tickets/link/{token}/").status_code == 404
    assert client.get(f"/t/alpha/tickets/link/{token[:-2]}zz/").status_code == 404
    # A token naming a contact who is not a party to the ticket opens nothing.
    stranger = portal_ticket_token(world_a.ticket, world_a.other_client)
    client.get(f"/t/alpha/tickets/link/{stranger}/")
    assert client.get("/t/alpha/tickets/AL-1/").status_code == 302


def test_portal_ticket_link_expires(client, world_a):
    token = portal_ticket_token(world_a.ticket, world_a.client)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        assert client.get(f"/t/alpha/tickets/link/{token}/").status_code == 404
    client.get(f"/t/alpha/tickets/link/{token}/")
    with time_machine.travel(timezone.now() + timedelta(hours=13)):
        assert Client(enforce_csrf_checks=False).get("/t/alpha/tickets/AL-1/").status_code == 302
        assert client.get("/t/alpha/tickets/AL-1/").status_code == 302  # the session grant lapsed
