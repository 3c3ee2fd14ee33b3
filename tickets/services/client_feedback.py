"""What a client does to a resolved ticket: confirm the solution, object to it, or rate the work.

SaveIT and UMI: "Решение подтверждаю" closes the ticket; a reasoned "Не согласен" sends it back to
work with the reason in the public history; a rating (1–5 with a comment) may be left once, after
resolution. Each function is atomic, locks the ticket and leaves a ``TicketEvent``.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from helpdesk.models import ClosedReplyPolicy
from tickets.models import Contact, Rating, Ticket
from tickets.services import TicketError, record_event, ticket_reopen, ticket_reply, ticket_set_status
from tickets.statuses import Status

RATING_SCORES = (1, 2, 3, 4, 5)


def _locked(ticket: Ticket) -> Ticket:
    locked = Ticket.objects.select_for_update().select_related("tenant").get(pk=ticket.pk)
    ticket.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return ticket


def _check_contact(ticket: Ticket, contact: Contact) -> None:
    if contact.tenant_id != ticket.tenant_id:
        raise TicketError("The contact belongs to another tenant.")


def can_object(ticket: Ticket, *, now: timezone.datetime | None = None) -> bool:
    """Resolved, or closed no longer ago than the tenant's reopen window (UMI: "closed too early").

    A tenant whose closed tickets stay closed (Kasburg: a later message opens a new linked ticket)
    takes objections only while the ticket is resolved.
    """
    if ticket.status == Status.RESOLVED:
        return True
    if ticket.status != Status.CLOSED or ticket.closed_at is None:
        return False
    if ticket.tenant.closed_reply_policy != ClosedReplyPolicy.REOPEN:
        return False
    now = now or timezone.now()
    return now - ticket.closed_at <= timedelta(days=ticket.tenant.reopen_window_days)


def can_rate(ticket: Ticket) -> bool:
    return ticket.status in (Status.RESOLVED, Status.CLOSED)


@transaction.atomic
def ticket_confirm_solution(*, ticket: Ticket, contact: Contact) -> Ticket:
    """The client accepts the solution: a resolved ticket becomes closed."""
    _check_contact(ticket, contact)
    _locked(ticket)
    if ticket.status != Status.RESOLVED:
        raise TicketError("Подтвердить можно только решённую заявку.")
    ticket_set_status(
        ticket=ticket, status=Status.CLOSED, contact=contact, reason="Клиент подтвердил решение"
    )
    record_event(ticket=ticket, action="solution_confirmed", contact=contact)
    return ticket


@transaction.atomic
def ticket_object(*, ticket: Ticket, contact: Contact, reason: str) -> Ticket:
    """The client disagrees with the solution: the ticket goes back to work, the reason is a reply."""
    reason = reason.strip()
    if not reason:
        raise TicketError("Объясните, пожалуйста, с чем вы не согласны.")
    _check_contact(ticket, contact)
    _locked(ticket)
    if not can_object(ticket):
        raise TicketError("Возразить можно только против решения по заявке.")
    ticket_reopen(ticket=ticket, reason=f"Клиент не согласен с решением: {reason}"[:2000], contact=contact)
    message = ticket_reply(ticket=ticket, contact=contact, body_text=reason, source="portal")
    record_event(
        ticket=ticket,
        action="solution_objected",
        contact=contact,
        reason=reason,
        data={"message": message.pk},
    )
    return ticket


@transaction.atomic
def ticket_rate(*, ticket: Ticket, contact: Contact, score: int, comment: str = "") -> Rating:
    """Rate the work once, after resolution."""
    if score not in RATING_SCORES:
        raise TicketError("Оценка — число от 1 до 5.")
    _check_contact(ticket, contact)
    _locked(ticket)
    if not can_rate(ticket):
        raise TicketError("Оценить можно только решённую заявку.")
    if Rating.objects.filter(ticket=ticket).exists():
        raise TicketError("Эта заявка уже оценена.")
    now = timezone.now()
    rating = Rating.objects.create(
        tenant_id=ticket.tenant_id,
        ticket=ticket,
        contact=contact,
        score=score,
        comment=comment.strip(),
        created_at=now,
    )
    record_event(
        ticket=ticket,
        action="rated",
        contact=contact,
        field="rating",
        new=score,
        reason=comment.strip(),
        at=now,
    )
    return rating
