"""Merging duplicate tickets and splitting a message off into a ticket of its own."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from helpdesk.models import User
from tickets import search_index
from tickets.models import Attachment, LinkKind, Message, Ticket, TicketParticipant, TimeEntry
from tickets.services import (
    NewAttachment,
    TicketError,
    _after_commit,
    _change_status,
    _lock,
    record_event,
    ticket_add_participant,
    ticket_create,
    ticket_link,
)
from tickets.statuses import Status


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, actor: User | None, reason: str = "") -> Ticket:
    """Fold ``source`` into ``target``: its messages, attachments, time and people move to the survivor,
    and ``source`` is closed pointing at it. Returns the survivor."""
    if source.tenant_id != target.tenant_id:
        raise TicketError("Tickets of different tenants cannot be merged.")
    if source.pk == target.pk:
        raise TicketError("A ticket cannot be merged into itself.")
    # Lock in a fixed order so two agents merging the same pair both ways cannot deadlock.
    for ticket in sorted((source, target), key=lambda t: t.pk):
        _lock(ticket)
    if source.merged_into_id is not None:
        raise TicketError(f"Ticket {source.display_number} is already merged.")
    if target.merged_into_id is not None or target.status == Status.CLOSED:
        raise TicketError(f"Ticket {target.display_number} is closed and cannot take a merge.")
    now = timezone.now()
    moved_messages = Message.objects.filter(ticket=source).update(ticket=target)
    search_index.index_merge(source=source, target=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    TimeEntry.objects.filter(ticket=source).update(ticket=target)
    people = list(TicketParticipant.objects.filter(ticket=source).values_list("email", flat=True))
    if source.requester_id and source.requester_id != target.requester_id:
        people.append(source.requester.email)
    TicketParticipant.objects.filter(ticket=source).delete()
    for email in people:
        ticket_add_participant(ticket=target, email=email)

    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    if source.status != Status.CLOSED:
        _change_status(
            ticket=source,
            status=Status.CLOSED,
            actor=actor,
            reason=reason or f"Объединена с {target.display_number}",
            at=now,
            allowed=frozenset({Status.CLOSED}),
        )
    ticket_link(source=source, target=target, kind=LinkKind.DUPLICATE_OF, actor=actor)
    record_event(
        ticket=source,
        action="merged",
        actor=actor,
        field="merged_into",
        new=target.display_number,
        reason=reason,
        data={"into": target.pk, "messages": moved_messages},
        at=now,
    )
    record_event(
        ticket=target,
        action="merged_in",
        actor=actor,
        field="merged_from",
        new=source.display_number,
        reason=reason,
        data={"from": source.pk, "messages": moved_messages},
        at=now,
    )
    _after_commit("merged", target.pk, source_id=source.pk)
    return target


@transaction.atomic
def ticket_split(*, message: Message, actor: User, subject: str = "", reason: str = "") -> Ticket:
    """Open a new ticket from one message (a second question in one e-mail), linked "split from" the
    original. The message is copied, not moved, so the original conversation still reads whole."""
    original = message.ticket
    if message.is_internal and message.author_kind != "agent":
        raise TicketError("Only client messages and agent notes can be split.")
    files = [
        NewAttachment(
            filename=a.filename, content=_read(a), content_type=a.content_type, is_inline=a.is_inline
        )
        for a in message.attachments.all()
    ]
    new_ticket = ticket_create(
        tenant=original.tenant,
        subject=subject.strip() or original.subject,
        body_text=message.body_text,
        body_html=message.body_html,
        requester=message.author_contact or original.requester,
        actor=actor,
        organization=original.organization,
        queue=original.queue,
        category=original.category,
        priority=original.priority,
        channel="agent",
        attachments=files,
    )
    ticket_link(source=new_ticket, target=original, kind=LinkKind.SPLIT_FROM, actor=actor)
    record_event(
        ticket=original,
        action="split",
        actor=actor,
        field="message",
        new=new_ticket.display_number,
        reason=reason,
        data={"message": message.pk, "new_ticket": new_ticket.pk},
    )
    return new_ticket


def _read(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()
