"""The sweep finishes what a crash or a lost task left behind."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from mailgate import outbound, pipeline, tasks
from mailgate.models import InboundMessage, InboundStatus, OutboundMail, OutboxStatus, Source
from tests.mailgate.conftest import make_eml


def test_sweep_processes_stored_but_unprocessed_mail_and_sends_pending_notifications(mail_a, mailoutbox):
    row, _ = pipeline.receive(
        make_eml(sender=mail_a.client.email, to="support@alpha.test"),
        source=Source.WEBHOOK,
        envelope_recipient="support@alpha.test",
    )
    fresh, _ = pipeline.receive(
        make_eml(sender=mail_a.client.email, to="support@alpha.test"),
        source=Source.WEBHOOK,
        envelope_recipient="support@alpha.test",
    )
    InboundMessage.objects.filter(pk=row.pk).update(received_at=timezone.now() - timedelta(minutes=10))
    planned = outbound.plan_ticket_event("ticket_created", mail_a.ticket.pk, {})
    OutboundMail.objects.filter(pk=planned[0].pk).update(created_at=timezone.now() - timedelta(minutes=10))

    result = tasks.sweep.apply().get()

    assert result == {"processed": 1, "sent": 1}
    row.refresh_from_db()
    fresh.refresh_from_db()
    assert row.status == InboundStatus.CREATED
    assert fresh.status == InboundStatus.RECEIVED  # its own task is presumably still coming
    assert OutboundMail.objects.get(pk=planned[0].pk).status == OutboxStatus.SENT
    assert len(mailoutbox) == 1


def test_process_inbound_task_is_idempotent(mail_a):
    row, _ = pipeline.receive(
        make_eml(sender=mail_a.client.email, to="support@alpha.test"), source=Source.WEBHOOK
    )
    first = tasks.process_inbound.apply(args=(row.pk,)).get()
    again = tasks.process_inbound.apply(args=(row.pk,)).get()
    assert first == again and first.startswith("created ")
