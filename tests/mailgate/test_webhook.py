"""ESP inbound webhook (anymail, Mailgun raw-MIME route): verified, stored, then processed."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from mailgate.models import InboundMessage, InboundStatus, Source
from tests.mailgate.conftest import make_eml
from tickets.models import Ticket

URL = "/mail/anymail/mailgun/inbound_mime/"
SIGNING_KEY = "mailgun-signing-key-for-tests"
BASIC = "reglament:webhook-secret"


@pytest.fixture(autouse=True)
def _anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def _auth(credentials: str = BASIC) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def _signed(raw: bytes, recipient: str, *, key: str = SIGNING_KEY) -> dict[str, str]:
    timestamp, token = "1767225600", "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw.decode(),
        "recipient": recipient,
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


def test_signed_inbound_message_is_stored_then_becomes_a_ticket(
    mail_a, client, django_capture_on_commit_callbacks
):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test", subject="Через веб-хук")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _signed(raw, "support@alpha.test"), **_auth())
    assert response.status_code == 200
    row = InboundMessage.objects.get(source=Source.WEBHOOK)
    assert row.status == InboundStatus.CREATED
    assert row.ticket.subject == "Через веб-хук"


def test_bad_signature_is_4xx_and_nothing_is_stored(mail_a, client):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test")
    tickets = Ticket.objects.count()
    response = client.post(URL, _signed(raw, "support@alpha.test", key="forged-key"), **_auth())
    assert 400 <= response.status_code < 500
    assert not InboundMessage.objects.exists() and Ticket.objects.count() == tickets


def test_bad_basic_auth_is_4xx_and_nothing_is_stored(mail_a, client):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test")
    response = client.post(URL, _signed(raw, "support@alpha.test"), **_auth("reglament:wrong"))
    assert 400 <= response.status_code < 500
    assert not InboundMessage.objects.exists()


def test_storage_failure_is_a_5xx_so_the_esp_retries(mail_a, client, monkeypatch):
    from django.db import OperationalError

    from mailgate import pipeline

    def down(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(pipeline, "receive", down)
    client.raise_request_exception = False
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test")
    response = client.post(URL, _signed(raw, "support@alpha.test"), **_auth())
    assert response.status_code >= 500
