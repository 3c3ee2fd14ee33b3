"""Automatic mail and bounces: recorded on their ticket, never answered, never a ticket; loop cap."""

from __future__ import annotations

from mailgate.models import InboundStatus, OutboundMail
from tests.mailgate.conftest import fixture_bytes, make_eml, pipe
from tickets.models import Ticket, TicketEvent

AUTO_HEADERS = [
    {"Auto-Submitted": "auto-replied"},
    {"Auto-Submitted": "auto-generated"},
    {"X-Autoreply": "yes"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"X-Auto-Response-Suppress": "All"},
]


def test_each_auto_reply_marker_is_recorded_on_the_ticket_and_never_opens_one(
    mail_a, django_capture_on_commit_callbacks, mailoutbox
):
    ticket = mail_a.ticket
    before = Ticket.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        for headers in AUTO_HEADERS:
            raw = make_eml(
                sender=mail_a.client.email,
                to="support@alpha.test",
                subject=f"Автоответ: [{ticket.display_number}]",
                headers=headers,
            )
            row = pipe(raw)
            assert row.outcome_line == f"ignored auto-reply recorded on {ticket.display_number}", headers
    assert Ticket.objects.count() == before
    assert ticket.messages.count() == 1
    assert TicketEvent.objects.filter(ticket=ticket, action="auto_reply_received").count() == len(
        AUTO_HEADERS
    )
    assert mailoutbox == [] and not OutboundMail.objects.exists()


def test_auto_submitted_no_is_a_person(mail_a):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test", headers={"Auto-Submitted": "no"})
    assert pipe(raw).status == InboundStatus.CREATED


def test_auto_reply_about_nothing_is_ignored(mail_a):
    raw = make_eml(
        sender=mail_a.client.email, to="support@alpha.test", headers={"Auto-Submitted": "auto-replied"}
    )
    assert pipe(raw).outcome_line == "ignored auto-reply"


def test_bounce_of_our_mail_is_recorded_on_the_ticket_it_concerns(mail_a):
    ticket = mail_a.ticket
    OutboundMail.objects.create(
        tenant=mail_a.tenant,
        ticket=ticket,
        kind="ack",
        key="k",
        to_email="gone@saveit-client.example",
        subject="s",
        body_text="b",
        message_id="our-ack-1@saveit.example",
    )
    raw = fixture_bytes("22_dsn_bounce.eml").replace(b"[SV-1]", b"")
    row = pipe(raw, recipient="support@alpha.test")
    assert row.outcome_line == f"ignored bounce recorded on {ticket.display_number}"
    assert TicketEvent.objects.filter(ticket=ticket, action="bounce_received").exists()


def test_mailer_daemon_and_null_return_path_are_bounces(mail_a):
    for name in ("23_mailer_daemon_plain.eml", "24_null_return_path.eml"):
        assert pipe(fixture_bytes(name), recipient="support@alpha.test").outcome_line == "ignored bounce"


def test_per_sender_daily_cap_stops_a_loop(mail_a, settings):
    settings.MAILGATE_AUTOMATIC_DAILY_CAP = 2
    ticket = mail_a.ticket
    outcomes = []
    for _ in range(5):
        raw = make_eml(
            sender="robot@alpha-client.test",
            to="support@alpha.test",
            subject=f"[{ticket.display_number}]",
            headers={"X-Autoreply": "yes"},
        )
        outcomes.append(pipe(raw).outcome_line)
    assert outcomes[:2] == [f"ignored auto-reply recorded on {ticket.display_number}"] * 2
    assert outcomes[-1] == "ignored auto-reply loop cap reached"
    assert TicketEvent.objects.filter(ticket=ticket, action="auto_reply_received").count() <= 3


def test_mail_from_our_own_mailbox_is_ignored(mail_a):
    raw = make_eml(sender="support@alpha.test", to="noc@alpha.test", subject="Пересылка нашего же письма")
    assert pipe(raw).outcome_line == "ignored sent from our own mailbox"
