"""The demo tenants' mail: addresses seeded, and the регламенты' mail rules on them."""

from __future__ import annotations

import pytest

from mailgate.models import InboundStatus, Mailbox, OutboundMail, OutboxKind
from tests.mailgate.conftest import make_eml, pipe
from tickets.demo import seed_demo


@pytest.fixture
def demo(db):
    seed_demo()


def test_every_demo_tenant_has_support_and_microimpuls_has_noc(demo):
    addresses = dict(Mailbox.objects.values_list("address", "queue__slug"))
    for slug in ("microimpuls", "saveit", "umi", "kasburg", "zooportal"):
        assert addresses[f"support@{slug}.example"] == "support"
    assert addresses["noc@microimpuls.example"] == "noc"
    seed_demo()  # idempotent
    assert Mailbox.objects.count() == 6


def test_noc_mail_gets_the_noc_queue_priority(demo):
    row = pipe(
        make_eml(
            sender="client@microimpuls-client.example", to="noc@microimpuls.example", subject="Пропал HLS"
        )
    )
    assert row.ticket.queue.slug == "noc" and row.ticket.priority == 2
    assert row.outcome_line.startswith("created MI-")


def test_saveit_refuses_a_raw_bmp_but_takes_the_zip(demo, django_capture_on_commit_callbacks, mailoutbox):
    raw = make_eml(
        sender="client@saveit-client.example",
        to="support@saveit.example",
        subject="Скриншот ошибки",
        attachments=[
            ("screen.bmp", "image/bmp", b"BM" + b"\0" * 40),
            ("screen.zip", "application/zip", b"PK\3\4"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(raw)
    assert [a.filename for a in row.ticket.attachments.all()] == ["screen.zip"]
    ack = next(m for m in mailoutbox if row.ticket.display_number in m.subject)
    assert "screen.bmp" in ack.body


def test_saveit_accepts_a_new_sender_of_its_client_domain(demo):
    row = pipe(make_eml(sender="new.hire@saveit-client.example", to="support@saveit.example"))
    assert row.status == InboundStatus.CREATED
    assert row.ticket.organization.name == "saveit-client"


def test_zooportal_ignores_unregistered_senders_politely(demo, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(make_eml(sender="someone@gmail.example", to="support@zooportal.example"))
    assert row.outcome_line == "ignored unregistered sender"
    assert OutboundMail.objects.filter(
        kind=OutboxKind.UNREGISTERED, to_email="someone@gmail.example"
    ).exists()
    registered = pipe(make_eml(sender="client@zooportal-client.example", to="support@zooportal.example"))
    assert registered.status == InboundStatus.CREATED
