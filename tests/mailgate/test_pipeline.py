"""Store → parse → route → screen → apply, end to end through the pipeline."""

from __future__ import annotations

import pytest

from mailgate.models import InboundMessage, InboundStatus, OutboundMail, OutboxKind
from tests.mailgate.conftest import fixture_bytes, make_eml, pipe
from tickets.models import Attachment, Contact, Ticket, TicketEvent, TicketParticipant


def test_new_mail_from_a_contact_opens_an_email_ticket_in_the_mailbox_queue(mail_a):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test", subject="Не печатает накладные")
    row = pipe(raw)
    assert row.status == InboundStatus.CREATED
    ticket = row.ticket
    assert row.outcome_line == f"created {ticket.display_number}"
    assert (ticket.channel, ticket.requester, ticket.queue) == ("email", mail_a.client, mail_a.support_queue)
    assert ticket.subject == "Не печатает накладные"
    first = ticket.messages.get()
    assert first.message_id == row.message_id and first.source == "email"
    assert bytes(InboundMessage.objects.get(pk=row.pk).raw) == raw


def test_noc_address_routes_to_the_noc_queue_with_its_priority(mail_a):
    row = pipe(make_eml(sender=mail_a.client.email, to="noc@alpha.test", subject="Пропал поток"))
    assert row.ticket.queue == mail_a.noc_queue
    assert row.ticket.priority == 2


def test_envelope_recipient_wins_over_headers(mail_a):
    raw = make_eml(sender=mail_a.client.email, to="list@elsewhere.test", subject="Через рассылку")
    row = pipe(raw, recipient="NOC@alpha.test")
    assert row.ticket.queue == mail_a.noc_queue


def test_unknown_recipient_is_quarantined_without_a_tenant(mail_a):
    row = pipe(make_eml(sender=mail_a.client.email, to="nobody@nowhere.test"))
    assert (row.status, row.stage, row.tenant_id) == (InboundStatus.QUARANTINED, "route", None)
    assert row.reason.startswith("unknown recipient")
    assert row.outcome_line.startswith("quarantined unknown recipient")


def test_the_same_message_twice_is_one_ticket(mail_a):
    raw = make_eml(sender=mail_a.client.email, to="support@alpha.test", message_id="<twice@client.test>")
    before = Ticket.objects.count()
    first, second = pipe(raw), pipe(raw)
    assert first.status == InboundStatus.CREATED
    assert second.outcome_line == "ignored duplicate"
    assert Ticket.objects.count() == before + 1
    assert InboundMessage.objects.count() == 2  # both copies kept


def test_same_message_id_in_another_tenant_is_not_a_duplicate(mail_a, mail_b):
    for to in ("support@alpha.test", "support@beta.test"):
        raw = make_eml(sender="someone@client.test", to=to, message_id="<shared@client.test>")
        assert pipe(raw).status == InboundStatus.CREATED


def test_unparseable_bytes_are_quarantined_at_the_parse_stage(mail_a):
    row = pipe(fixture_bytes("35_not_an_email.eml"), recipient="support@alpha.test")
    assert (row.status, row.stage) == (InboundStatus.QUARANTINED, "parse")
    assert row.raw


def test_broken_mime_still_opens_a_ticket(mail_a):
    raw = fixture_bytes("29_broken_boundary.eml").replace(
        b"client@saveit-client.example", mail_a.client.email.encode()
    )
    row = pipe(raw, recipient="support@alpha.test")
    assert row.status == InboundStatus.CREATED


def test_unknown_sender_becomes_a_contact_of_the_organisation_owning_the_domain(mail_a):
    mail_a.org.email_domains = "alpha-client.test, alpha.partner.test"
    mail_a.org.save()
    row = pipe(make_eml(sender="Пётр Новиков <new.person@alpha-client.test>", to="support@alpha.test"))
    contact = Contact.objects.get(tenant=mail_a.tenant, email="new.person@alpha-client.test")
    assert contact.organization == mail_a.org and contact.full_name == "Пётр Новиков"
    assert row.ticket.requester == contact and row.ticket.organization == mail_a.org


def test_unknown_sender_from_unlisted_domain_has_no_organisation(mail_a):
    mail_a.org.email_domains = "alpha-client.test"
    mail_a.org.save()
    pipe(make_eml(sender="x@client.test", to="support@alpha.test"))
    assert Contact.objects.get(tenant=mail_a.tenant, email="x@client.test").organization is None


def test_tenant_accepting_only_registered_senders_ignores_and_answers_politely(
    mail_a, django_capture_on_commit_callbacks, mailoutbox
):
    mail_a.tenant.accept_unknown_senders = False
    mail_a.tenant.save()
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(make_eml(sender="stranger@client.test", to="support@alpha.test", subject="Помогите"))
    assert row.outcome_line == "ignored unregistered sender"
    assert not Contact.objects.filter(email="stranger@client.test").exists()
    polite = OutboundMail.objects.get(kind=OutboxKind.UNREGISTERED)
    assert polite.to_email == "stranger@client.test"
    assert len(mailoutbox) == 1 and mailoutbox[0].extra_headers["Auto-Submitted"] == "auto-replied"


def test_refused_attachment_is_left_out_but_the_ticket_is_created(
    mail_a, django_capture_on_commit_callbacks, mailoutbox
):
    mail_a.tenant.allowed_attachment_extensions = "jpg, gif, png, zip, rar"
    mail_a.tenant.save()
    raw = make_eml(
        sender=mail_a.client.email,
        to="support@alpha.test",
        attachments=[
            ("screen.bmp", "image/bmp", b"BM" + b"\0" * 50),
            ("shot.png", "image/png", b"\x89PNG...."),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        row = pipe(raw)
    assert row.status == InboundStatus.CREATED
    assert [a.filename for a in Attachment.objects.filter(ticket=row.ticket)] == ["shot.png"]
    assert TicketEvent.objects.filter(ticket=row.ticket, action="attachment_refused").count() == 1
    assert b"screen.bmp" in bytes(row.raw)  # the raw message keeps everything
    ack = mailoutbox[0]
    assert "screen.bmp" in ack.body and "ZIP" in ack.body


def test_zipped_bmp_is_accepted(mail_a):
    mail_a.tenant.allowed_attachment_extensions = "jpg, gif, png, zip, rar"
    mail_a.tenant.save()
    raw = make_eml(
        sender=mail_a.client.email,
        to="support@alpha.test",
        attachments=[("screen.zip", "application/zip", b"PK\3\4zz")],
    )
    row = pipe(raw)
    assert [a.filename for a in row.ticket.attachments.all()] == ["screen.zip"]


def test_inline_image_is_stored_as_inline(mail_a):
    raw = fixture_bytes("12_inline_image.eml").replace(
        b"client@saveit-client.example", mail_a.client.email.encode()
    )
    row = pipe(raw, recipient="support@alpha.test")
    assert [a.is_inline for a in row.ticket.attachments.all()] == [True]


def test_cc_addresses_become_participants_but_not_our_own_mailboxes(mail_a):
    raw = make_eml(
        sender=mail_a.client.email, to="support@alpha.test", cc="boss@alpha-client.test, noc@alpha.test"
    )
    row = pipe(raw)
    assert list(TicketParticipant.objects.filter(ticket=row.ticket).values_list("email", flat=True)) == [
        "boss@alpha-client.test"
    ]


def test_koi8r_message_lands_readable(mail_a):
    raw = fixture_bytes("02_koi8r_8bit_body.eml").replace(
        b"noc-duty@microimpuls-client.example", mail_a.client.email.encode()
    )
    row = pipe(raw, recipient="noc@alpha.test")
    assert "Пропадает HLS-поток" in row.ticket.messages.get().body_text


def test_a_batch_interrupted_by_the_database_rolls_back_whole_and_replays_once(mail_a, monkeypatch):
    from django.db import OperationalError

    from mailgate import apply, pipeline
    from mailgate.models import Source

    raws = [
        make_eml(sender=mail_a.client.email, to="support@alpha.test", subject=f"batch {i}") for i in range(3)
    ]
    stored = pipeline.receive_many([pipeline.Incoming(raw) for raw in raws], source=Source.IMAP)
    real_create, calls = apply.create_ticket, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real_create(**kwargs)

    before = Ticket.objects.count()
    with monkeypatch.context() as m:
        m.setattr(apply, "create_ticket", flaky)
        with pytest.raises(OperationalError):
            pipeline.process_batch(stored)
    assert Ticket.objects.count() == before
    assert set(
        InboundMessage.objects.filter(pk__in=[r.pk for r, _ in stored]).values_list("status", flat=True)
    ) == {InboundStatus.RECEIVED}
    pipeline.process_batch(stored)
    assert Ticket.objects.count() == before + 3
    assert {row.status for row, _ in stored} == {InboundStatus.CREATED}


def test_an_unknown_envelope_recipient_is_not_rerouted_by_forgeable_headers(mail_a):
    row = pipe(make_eml(sender=mail_a.client.email, to="support@alpha.test"), recipient="sales@nowhere.test")
    assert row.outcome_line == "quarantined unknown recipient (sales@nowhere.test)"


def _imap(raw: bytes, mailbox):
    from mailgate import pipeline
    from mailgate.models import Source

    stored = pipeline.receive_many([pipeline.Incoming(raw)], source=Source.IMAP, mailbox=mailbox)
    pipeline.process_batch(stored)
    return stored[0][0]


def test_imap_headers_route_within_the_polled_tenant_and_the_box_is_the_fallback(mail_a, mail_b):
    from mailgate.models import Mailbox

    box = Mailbox.objects.get(address="support@alpha.test")
    to_noc = _imap(make_eml(sender=mail_a.client.email, to="noc@alpha.test"), box)
    assert to_noc.ticket.queue == mail_a.noc_queue  # one IMAP account serving two addresses
    bcc = _imap(make_eml(sender=mail_a.client.email, to="someone@elsewhere.test"), box)
    assert bcc.ticket.queue == mail_a.support_queue  # Bcc/list copy: the polled box decides
    other_tenant = _imap(make_eml(sender=mail_a.client.email, to="support@beta.test"), box)
    assert other_tenant.ticket.tenant == mail_a.tenant  # a header naming another tenant does not move it


def test_a_ticket_failing_after_its_inserts_is_quarantined_alone_within_a_batch(mail_a, monkeypatch):
    """ticket_create runs without its own savepoint inside the pipeline: the per-message one must still
    undo the failing message's half-written ticket while the batch's other tickets stay."""
    from mailgate import pipeline
    from mailgate.models import Source
    from tickets import services

    raws = [
        make_eml(sender=mail_a.client.email, to="support@alpha.test", subject=f"batch {i}") for i in range(3)
    ]
    stored = pipeline.receive_many([pipeline.Incoming(raw) for raw in raws], source=Source.IMAP)
    real_store = services._store_attachments

    def failing_for_the_second(**kwargs):  # runs after the ticket's, clock's, message's, event's INSERTs
        if kwargs["ticket"].subject == "batch 1":
            raise RuntimeError("storage exploded")
        return real_store(**kwargs)

    before = Ticket.objects.count()
    monkeypatch.setattr(services, "_store_attachments", failing_for_the_second)
    pipeline.process_batch(stored)
    statuses = [InboundMessage.objects.get(pk=row.pk).status for row, _ in stored]
    assert statuses == [InboundStatus.CREATED, InboundStatus.QUARANTINED, InboundStatus.CREATED]
    assert Ticket.objects.count() == before + 2
    assert not Ticket.objects.filter(subject="batch 1").exists()
    assert sorted(Ticket.objects.filter(subject__startswith="batch ").values_list("subject", flat=True)) == [
        "batch 0",
        "batch 2",
    ]


def test_ticket_create_in_the_pipeline_opens_no_savepoint_of_its_own(mail_a, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mailgate import pipeline
    from mailgate.models import Source

    raws = [
        make_eml(sender=mail_a.client.email, to="support@alpha.test", subject=f"sp {i}") for i in range(2)
    ]
    stored = pipeline.receive_many([pipeline.Incoming(raw) for raw in raws], source=Source.IMAP)
    with CaptureQueriesContext(connection) as ctx:
        pipeline.process_batch(stored)
    savepoints = [q for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    # The batch's own (a savepoint inside the test's transaction) and one per message; none in ticket_create.
    assert len(savepoints) == 1 + len(raws)


def _replies(mail_a, count: int) -> list[bytes]:
    number = mail_a.ticket.display_number
    return [
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject=f"Re: [{number}] reply {i}",
            body=f"reply number {i}",
        )
        for i in range(count)
    ]


def test_ticket_reply_in_the_pipeline_opens_no_savepoint_of_its_own(mail_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mailgate import pipeline
    from mailgate.models import Source

    raws = _replies(mail_a, 2)
    stored = pipeline.receive_many([pipeline.Incoming(raw) for raw in raws], source=Source.IMAP)
    with CaptureQueriesContext(connection) as ctx:
        pipeline.process_batch(stored)
    statuses = [InboundMessage.objects.get(pk=row.pk).status for row, _ in stored]
    assert statuses == [InboundStatus.APPENDED] * len(raws)
    savepoints = [q for q in ctx.captured_queries if q["sql"].startswith("SAVEPOINT")]
    # The batch's own (a savepoint inside the test's transaction) and one per message; none in ticket_reply.
    assert len(savepoints) == 1 + len(raws)


def test_ticket_reply_outside_the_pipeline_keeps_its_own_savepoint(mail_a):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from tickets import services

    with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
        services.ticket_reply(ticket=mail_a.ticket, contact=mail_a.client, body_text="по порталу")
    assert any(q["sql"].startswith("SAVEPOINT") for q in ctx.captured_queries)


def test_a_reply_failing_after_its_inserts_is_quarantined_alone_within_a_batch(mail_a, monkeypatch):
    """ticket_reply runs without its own savepoint inside the pipeline: the per-message one must still
    undo the failing reply's message and event while the batch's other replies stay."""
    from mailgate import pipeline
    from mailgate.models import Source
    from tickets import services
    from tickets.models import Message

    ticket = mail_a.ticket
    raws = _replies(mail_a, 3)
    real_status_after_reply = services._status_after_reply

    def failing_for_the_second(**kwargs):  # runs after the reply's message, event and attachment writes
        if Message.objects.filter(ticket=ticket, body_text__contains="number 1").exists():
            raise RuntimeError("status machine exploded")
        return real_status_after_reply(**kwargs)

    stored = pipeline.receive_many([pipeline.Incoming(raw) for raw in raws], source=Source.IMAP)
    messages_before = Message.objects.filter(ticket=ticket).count()
    events_before = TicketEvent.objects.filter(ticket=ticket, action="replied").count()
    monkeypatch.setattr(services, "_status_after_reply", failing_for_the_second)
    pipeline.process_batch(stored)
    statuses = [InboundMessage.objects.get(pk=row.pk).status for row, _ in stored]
    assert statuses == [InboundStatus.APPENDED, InboundStatus.QUARANTINED, InboundStatus.APPENDED]
    assert Message.objects.filter(ticket=ticket).count() == messages_before + 2
    assert not Message.objects.filter(ticket=ticket, body_text__contains="number 1").exists()
    assert TicketEvent.objects.filter(ticket=ticket, action="replied").count() == events_before + 2
