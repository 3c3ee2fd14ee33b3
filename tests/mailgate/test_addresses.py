"""Internationalised addresses (SMTPUTF8/EAI, IDN) parsed and stored exactly: Пётр's and Иван's mail
never meet; the punycode and Unicode spellings of one IDN address are one contact."""

from __future__ import annotations

import pytest

from mailgate import addresses
from mailgate.models import OutboundMail, OutboxKind
from tests.mailgate.conftest import fixture_bytes, pipe
from tickets.models import Contact


@pytest.fixture
def open_tenant(mail_a):
    mail_a.tenant.accept_unknown_senders = True
    mail_a.tenant.save()
    return mail_a


def test_eai_senders_are_two_people_with_their_exact_addresses(
    open_tenant, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pyotr = pipe(fixture_bytes("66_eai_pyotr.eml"))
        ivan = pipe(fixture_bytes("67_eai_ivan.eml"))
    assert pyotr.ticket != ivan.ticket
    assert pyotr.ticket.requester.email == "пётр@почта.рф"
    assert ivan.ticket.requester.email == "иван@почта.рф"
    assert pyotr.sender == "пётр@почта.рф" and ivan.sender == "иван@почта.рф"
    acks = {m.ticket_id: m.to_email for m in OutboundMail.objects.filter(kind=OutboxKind.ACKNOWLEDGEMENT)}
    assert acks[pyotr.ticket_id] == "пётр@почта.рф"
    assert "?" not in "".join(Contact.objects.values_list("email", flat=True))


def test_a_reply_from_pyotr_does_not_land_on_ivans_ticket_as_ivan(open_tenant):
    ivan = pipe(fixture_bytes("67_eai_ivan.eml"))
    raw = (
        fixture_bytes("66_eai_pyotr.eml")
        .replace("Не работает касса".encode(), f"Re: [{ivan.ticket.display_number}]".encode())
        .replace(b"<66-eai", b"<66r-eai")
    )
    row = pipe(raw)
    message = ivan.ticket.messages.order_by("pk").last()
    # Пётр was copied on Иван's mail, so his reply joins the ticket — as Пётр, not as Иван.
    assert row.outcome_line == f"appended {ivan.ticket.display_number}"
    assert message.author_contact.email == "пётр@почта.рф"


def test_the_punycode_and_unicode_spellings_of_an_idn_address_are_one_contact(open_tenant):
    first = pipe(fixture_bytes("68_idn_punycode.eml"))
    second = pipe(fixture_bytes("69_idn_unicode.eml"))
    assert first.ticket.requester == second.ticket.requester
    assert first.ticket.requester.email == "petr@почта.рф"


def test_addresses_for_sending_use_punycode_and_need_smtputf8_for_a_unicode_local_part():
    assert addresses.for_sending("petr@почта.рф") == "petr@xn--80a1acny.xn--p1ai"
    assert addresses.for_sending("пётр@почта.рф", smtputf8=True) == "пётр@xn--80a1acny.xn--p1ai"
    with pytest.raises(addresses.UnsendableAddress):
        addresses.for_sending("пётр@почта.рф")
    assert addresses.normalize("Petr@XN--80A1ACNY.XN--P1AI") == "petr@почта.рф"
