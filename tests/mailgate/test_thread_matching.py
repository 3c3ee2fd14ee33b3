"""Threading: ticket tag in the subject, else our Message-IDs; participants only; tenant walls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import ClosedReplyPolicy
from mailgate.models import InboundStatus, OutboundMail, OutboxKind
from mailgate.thread_matching import subject_tags
from tests.factories import ContactFactory
from tests.mailgate.conftest import make_eml, pipe
from tickets import services
from tickets.models import LinkKind, Ticket, TicketLink
from tickets.statuses import Status


@pytest.mark.parametrize(
    "subject",
    [
        "Re: [AL-7] Не печатает",
        "Отв: НА: AW: Re: Fwd: [AL-7] Не печатает",
        "RE: RE: Fw: [AL-7]",
        "Ответ по заявке [ AL-7 ] спасибо",
        "[al-7] lower-case tag",
    ],
)
def test_subject_tag_is_found_whatever_the_prefixes(subject):
    assert ("AL", 7) in subject_tags(subject)


def test_requester_reply_with_the_number_is_appended(mail_a):
    ticket = mail_a.ticket
    row = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject=f"Отв: НА: AW: Re: [{ticket.display_number}] x",
        )
    )
    assert row.outcome_line == f"appended {ticket.display_number}"
    assert ticket.messages.count() == 2
    assert ticket.messages.last().message_id == row.message_id


def test_reply_matched_by_in_reply_to_our_outbound_message_id(mail_a):
    ticket = mail_a.ticket
    OutboundMail.objects.create(
        tenant=mail_a.tenant,
        ticket=ticket,
        kind=OutboxKind.ACKNOWLEDGEMENT,
        key="k1",
        to_email=mail_a.client.email,
        subject="s",
        body_text="b",
        message_id="ours-1@alpha.test",
    )
    row = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject="Re: без номера",
            in_reply_to="<ours-1@alpha.test>",
        )
    )
    assert row.outcome_line == f"appended {ticket.display_number}"


def test_in_reply_to_a_client_message_id_is_not_ours_and_opens_a_ticket(mail_a):
    row = pipe(
        make_eml(sender=mail_a.client.email, to="support@alpha.test", in_reply_to="<theirs@client.test>")
    )
    assert row.status == InboundStatus.CREATED


def test_colleague_from_the_same_organisation_is_a_participant(mail_a):
    colleague = ContactFactory(
        tenant=mail_a.tenant, organization=mail_a.org, email="colleague@alpha-client.test"
    )
    row = pipe(
        make_eml(
            sender=colleague.email, to="support@alpha.test", subject=f"Re: [{mail_a.ticket.display_number}]"
        )
    )
    assert row.status == InboundStatus.APPENDED
    assert mail_a.ticket.messages.last().author_contact == colleague


def test_copied_address_is_a_participant(mail_a):
    services.ticket_add_participant(ticket=mail_a.ticket, email="cc.person@elsewhere.test")
    row = pipe(
        make_eml(
            sender="cc.person@elsewhere.test",
            to="support@alpha.test",
            subject=f"Re: [{mail_a.ticket.display_number}]",
        )
    )
    assert row.status == InboundStatus.APPENDED


def test_stranger_naming_a_valid_number_gets_a_new_linked_ticket(mail_a):
    target = mail_a.ticket
    row = pipe(
        make_eml(
            sender=mail_a.other_client.email,
            to="support@alpha.test",
            subject=f"Re: [{target.display_number}] мне тоже",
        )
    )
    assert row.status == InboundStatus.CREATED
    assert row.ticket != target and target.messages.count() == 1
    assert TicketLink.objects.filter(source=row.ticket, target=target, kind=LinkKind.RELATED).exists()


def test_number_of_another_tenant_is_just_text(mail_a, mail_b):
    foreign = mail_b.ticket
    row = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject=f"Re: [{foreign.display_number}] чужой номер",
        )
    )
    assert row.status == InboundStatus.CREATED
    assert row.ticket.tenant == mail_a.tenant
    assert foreign.messages.count() == 1
    assert not TicketLink.objects.filter(target=foreign).exists()


def test_same_number_in_another_tenant_is_not_matched_across(mail_a, mail_b):
    # AL-1 and BE-1 both exist; a message to beta tagged [AL-1] never touches alpha's ticket.
    row = pipe(
        make_eml(
            sender=mail_b.client.email,
            to="support@beta.test",
            subject=f"Re: [{mail_a.ticket.display_number}]",
        )
    )
    assert row.ticket.tenant == mail_b.tenant and mail_a.ticket.messages.count() == 1


def _close(ticket: Ticket, agent, *, days_ago: int = 0) -> None:
    services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=agent)
    services.ticket_set_status(ticket=ticket, status=Status.CLOSED, actor=agent)
    if days_ago:
        Ticket.objects.filter(pk=ticket.pk).update(closed_at=timezone.now() - timedelta(days=days_ago))
    ticket.refresh_from_db()


def test_reply_to_a_closed_ticket_within_the_window_reopens_it(mail_a):
    ticket = mail_a.ticket
    _close(ticket, mail_a.agent, days_ago=2)
    row = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject=f"Re: [{ticket.display_number}] снова",
        )
    )
    ticket.refresh_from_db()
    assert row.status == InboundStatus.APPENDED and ticket.status == Status.OPEN


def test_reply_to_a_closed_ticket_after_the_window_opens_a_follow_up(mail_a):
    ticket = mail_a.ticket
    _close(ticket, mail_a.agent, days_ago=mail_a.tenant.reopen_window_days + 1)
    row = pipe(
        make_eml(
            sender=mail_a.client.email, to="support@alpha.test", subject=f"Re: [{ticket.display_number}]"
        )
    )
    assert row.status == InboundStatus.CREATED
    assert TicketLink.objects.filter(source=row.ticket, target=ticket, kind=LinkKind.FOLLOW_UP_OF).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_new_linked_policy_always_opens_a_follow_up(mail_a):
    mail_a.tenant.closed_reply_policy = ClosedReplyPolicy.NEW_LINKED
    mail_a.tenant.save()
    ticket = mail_a.ticket
    _close(ticket, mail_a.agent)
    row = pipe(
        make_eml(
            sender=mail_a.client.email, to="support@alpha.test", subject=f"Re: [{ticket.display_number}]"
        )
    )
    assert row.status == InboundStatus.CREATED
    assert row.outcome_line == f"created {row.ticket.display_number}"
    assert TicketLink.objects.filter(source=row.ticket, target=ticket, kind=LinkKind.FOLLOW_UP_OF).exists()


def test_reply_to_a_resolved_ticket_reopens_it_through_the_reply(mail_a):
    ticket = mail_a.ticket
    services.ticket_set_status(ticket=ticket, status=Status.RESOLVED, actor=mail_a.agent)
    pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject=f"Re: [{ticket.display_number}] не решено",
        )
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN


def test_reply_to_a_merged_ticket_lands_on_the_ticket_it_was_merged_into(mail_a):
    from tests.factories import make_ticket

    target = make_ticket(tenant=mail_a.tenant, requester=mail_a.client, subject="Основная заявка")
    Ticket.objects.filter(pk=mail_a.ticket.pk).update(merged_into=target)
    row = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject=f"Re: [{mail_a.ticket.display_number}]",
        )
    )
    assert row.outcome_line == f"appended {target.display_number}"


@pytest.mark.parametrize("with_requester", [True, False])
def test_compiled_ticket_lookup_returns_what_the_orm_returns(mail_a, with_requester):
    from mailgate.thread_matching import _ticket_by

    ticket = (
        mail_a.ticket
        if with_requester
        else services.ticket_create(
            tenant=mail_a.tenant, subject="Без заявителя", body_text="x", actor=mail_a.agent
        )
    )
    expected = Ticket.objects.select_related("requester").get(pk=ticket.pk)
    for key, value in (("number", ticket.number), ("pk", ticket.pk)):
        found = _ticket_by(mail_a.tenant, key, value)
        assert found is not None
        assert {f.attname: getattr(found, f.attname) for f in Ticket._meta.concrete_fields} == {
            f.attname: getattr(expected, f.attname) for f in Ticket._meta.concrete_fields
        }
        assert found.requester == expected.requester
        if expected.requester is not None:
            assert found.requester.email == expected.requester.email


def test_compiled_ticket_lookup_stays_inside_the_tenant(mail_a, mail_b):
    from mailgate.thread_matching import _ticket_by

    theirs = mail_b.ticket
    assert _ticket_by(mail_a.tenant, "pk", theirs.pk) is None
    assert _ticket_by(mail_b.tenant, "pk", theirs.pk) == theirs
    assert _ticket_by(mail_a.tenant, "number", 10**9) is None


def test_a_colleagues_reply_all_to_the_clients_original_joins_the_clients_ticket(mail_a):
    from tests.mailgate.conftest import fixture_bytes, pipe

    original = pipe(fixture_bytes("71_client_original.eml"))
    reply = pipe(fixture_bytes("72_colleague_reply_all.eml"))
    assert reply.outcome_line == f"appended {original.ticket.display_number}"
    assert original.ticket.messages.order_by("pk").last().author_contact.email == "andrey@alpha-client.test"


def test_every_tag_in_the_subject_is_tried_in_order(mail_a):
    from tests.mailgate.conftest import fixture_bytes, pipe

    row = pipe(fixture_bytes("73_two_tags_first_unknown.eml"))
    assert row.outcome_line == f"appended {mail_a.ticket.display_number}"


def test_the_nearest_thread_id_wins_over_an_older_one(mail_a):
    from mailgate.parsing import ParsedEmail
    from mailgate.thread_matching import find_ticket
    from tickets.models import Message

    Message.objects.filter(ticket=mail_a.ticket).update(message_id="old@alpha-client.test")
    Message.objects.filter(ticket=mail_a.other_org_ticket).update(message_id="near@alpha-client.test")
    parsed = ParsedEmail(
        from_email=mail_a.client.email,
        in_reply_to=["near@alpha-client.test"],
        references=["old@alpha-client.test", "near@alpha-client.test"],
    )
    assert find_ticket(tenant=mail_a.tenant, parsed=parsed) == mail_a.other_org_ticket
