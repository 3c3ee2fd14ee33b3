"""Notifications: acknowledgement, agent replies, status changes; one row per recipient, sent once."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mailgate import outbound, tasks
from mailgate.models import OutboundMail, OutboxKind, OutboxStatus
from tests.factories import ContactFactory
from tests.mailgate.conftest import make_eml, pipe
from tickets import services
from tickets.models import Message
from tickets.statuses import Status


def _ack_rows():
    return OutboundMail.objects.filter(kind=OutboxKind.ACKNOWLEDGEMENT)


def test_new_mail_ticket_gets_an_acknowledgement_that_threads(
    mail_a, django_capture_on_commit_callbacks, mailoutbox
):
    raw = make_eml(
        sender=mail_a.client.email,
        to="support@alpha.test",
        subject="Не работает",
        message_id="<orig@client.test>",
    )
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(raw)
    number = row.ticket.display_number
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [mail_a.client.email]
    assert f"[{number}]" in mail.subject
    assert mail.extra_headers["Auto-Submitted"] == "auto-replied"
    assert mail.extra_headers["In-Reply-To"] == "<orig@client.test>"
    assert "support@alpha.test" in mail.from_email
    stored = _ack_rows().get()
    assert mail.extra_headers["Message-ID"] == f"<{stored.message_id}>"
    assert stored.status == OutboxStatus.SENT
    assert number in mail.body and "Приоритет" in mail.body and "/t/alpha/" in mail.body
    assert mail.alternatives and number in mail.alternatives[0][0]
    # A reply to our acknowledgement threads by its Message-ID even without the tag in the subject.
    reply = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject="Re: спасибо",
            in_reply_to=f"<{stored.message_id}>",
        )
    )
    assert reply.outcome_line == f"appended {number}"


def test_acknowledgement_shows_sla_deadlines_when_known(mail_a, mailoutbox):
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import Ticket

    Ticket.objects.filter(pk=mail_a.ticket.pk).update(first_response_due=timezone.now() + timedelta(hours=3))
    tasks.notify_ticket_event.apply(args=("ticket_created", mail_a.ticket.pk, {}))
    assert "Ответ не позднее" in mailoutbox[0].body and "Стандарт" in mailoutbox[0].body


def test_the_same_notification_task_twice_sends_one_acknowledgement(mail_a, mailoutbox):
    for _ in range(2):
        tasks.notify_ticket_event.apply(args=("ticket_created", mail_a.ticket.pk, {}))
    assert len(mailoutbox) == 1
    assert _ack_rows().count() == 1


def test_claim_is_won_once(mail_a):
    tasks.notify_ticket_event.apply(args=("ticket_created", mail_a.ticket.pk, {}))
    row = _ack_rows().get()
    OutboundMail.objects.filter(pk=row.pk).update(status=OutboxStatus.PENDING)
    assert outbound.claim(row.pk) is True
    assert outbound.claim(row.pk) is False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent workers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_acknowledgement(world_a, mailoutbox):
    plan = outbound.plan_ticket_event("ticket_created", world_a.ticket.pk, {})
    assert len(plan) == 1
    # Committed fixtures already ran the listener; put the acknowledgement back in the queue.
    OutboundMail.objects.filter(pk=plan[0].pk).update(status=OutboxStatus.PENDING, sent_at=None)
    mailoutbox.clear()
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        from django.db import connections

        barrier.wait()
        try:
            results.append(outbound.send(plan[0].pk))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(mailoutbox) == 1


def test_failed_send_is_released_for_the_retry(mail_a, monkeypatch, mailoutbox):
    plan = outbound.plan_ticket_event("ticket_created", mail_a.ticket.pk, {})

    def broken(self, fail_silently=False):
        raise OSError("smtp down")

    with monkeypatch.context() as m:
        m.setattr("django.core.mail.EmailMultiAlternatives.send", broken)
        with pytest.raises(OSError):
            outbound.send(plan[0].pk)
    row = OutboundMail.objects.get(pk=plan[0].pk)
    assert row.status == OutboxStatus.PENDING and "smtp down" in row.last_error
    assert outbound.send(row.pk) is True and len(mailoutbox) == 1


def test_public_agent_reply_is_mailed_to_requester_and_participants_but_not_notes(
    mail_a, django_capture_on_commit_callbacks, mailoutbox
):
    ticket = mail_a.ticket
    services.ticket_add_participant(ticket=ticket, email="cc@alpha-client.test")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(
            ticket=ticket, actor=mail_a.agent, internal=True, body_text="Внутренняя заметка"
        )
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        message = services.ticket_reply(ticket=ticket, actor=mail_a.agent, body_text="Обновите драйвер.")
    reply_mails = [m for m in mailoutbox if "Обновите драйвер." in m.body]
    assert sorted(m.to[0] for m in reply_mails) == sorted([mail_a.client.email, "cc@alpha-client.test"])
    assert all(f"[{ticket.display_number}]" in m.subject for m in reply_mails)
    assert all("Auto-Submitted" not in m.extra_headers for m in reply_mails)
    assert (
        OutboundMail.objects.filter(kind=OutboxKind.REPLY, key__startswith=f"reply:{message.pk}:").count()
        == 2
    )


def test_client_reply_is_not_mailed_back(mail_a, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=mail_a.ticket, contact=mail_a.client, body_text="Спасибо")
    assert mailoutbox == []


def test_status_change_is_notified(mail_a, django_capture_on_commit_callbacks, mailoutbox):
    ticket = mail_a.ticket
    services.ticket_set_status(ticket=ticket, status=Status.OPEN, actor=mail_a.agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=mail_a.agent)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Решена" in mailoutbox[0].body or Status.RESOLVED.label in mailoutbox[0].body


def test_automatic_addresses_are_never_notified(mail_a, mailoutbox):
    robot = ContactFactory(tenant=mail_a.tenant, organization=mail_a.org, email="noreply@alpha-client.test")
    ticket = services.ticket_create(tenant=mail_a.tenant, requester=robot, subject="От робота", body_text="x")
    tasks.notify_ticket_event.apply(args=("ticket_created", ticket.pk, {}))
    assert mailoutbox == []


def test_portal_link_points_into_the_tenant(mail_a):
    url = outbound.portal_url(mail_a.ticket)
    assert "/t/alpha/" in url


def test_agent_reply_message_id_is_kept_for_threading(mail_a, mailoutbox):
    message = services.ticket_reply(ticket=mail_a.ticket, actor=mail_a.agent, body_text="Ответ")
    tasks.notify_ticket_event.apply(
        args=(
            "message_added",
            mail_a.ticket.pk,
            {"message_id": message.pk, "internal": False, "author": "agent"},
        )
    )
    row = OutboundMail.objects.get(kind=OutboxKind.REPLY)
    assert mailoutbox[0].extra_headers["Message-ID"] == f"<{row.message_id}>"
    assert Message.objects.filter(ticket=mail_a.ticket).count() == 2
