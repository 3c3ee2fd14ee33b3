"""The apply stage: turn a screened, threaded message into domain operations via ``tickets.services``.

No model is written here directly; every change is a service call, exactly as the UIs do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from helpdesk.models import ClosedReplyPolicy, Tenant
from mailgate import routing
from mailgate.models import InboundStatus
from mailgate.parsing import ParsedAttachment, ParsedEmail
from mailgate.routing import Route
from tickets import services
from tickets.models import Contact, LinkKind, Ticket
from tickets.statuses import Status

EMPTY_BODY = "(пустое письмо)"
NO_SUBJECT = "(без темы)"
MAX_PARTICIPANTS = 20


@dataclass
class Outcome:
    status: str
    reason: str = ""
    stage: str = "apply"
    ticket: Ticket | None = None

    @property
    def ticket_number(self) -> str:
        return self.ticket.display_number if self.ticket is not None else ""


def _attachments(items: list[ParsedAttachment]) -> list[services.NewAttachment]:
    return [
        services.NewAttachment(
            filename=item.filename,
            content=item.content,
            content_type=item.content_type,
            is_inline=item.is_inline,
        )
        for item in items
    ]


def _participants(parsed: ParsedEmail) -> list[str]:
    sender = parsed.from_email
    found: dict[str, None] = {}  # ordered and linear, however long the To and Cc
    for address in [*parsed.to, *parsed.cc]:
        if address != sender and address not in found and not routing.is_own_address(address):
            found[address] = None
            if len(found) == MAX_PARTICIPANTS:
                break
    return list(found)


def record_automatic(*, ticket: Ticket, parsed: ParsedEmail, kind: str, inbound_id: int) -> Outcome:
    """An auto-reply or bounce about a ticket: kept in its history, never answered, never reopening it."""
    services.record_event(
        ticket=ticket,
        action="bounce_received" if kind == "bounce" else "auto_reply_received",
        reason=parsed.subject[:500],
        data={"inbound": inbound_id, "from": parsed.from_email, "kind": kind},
    )
    return Outcome(InboundStatus.IGNORED, f"{kind} recorded on {ticket.display_number}", "screen", ticket)


def _record_refusals(ticket: Ticket, refusals: list[str]) -> None:
    for refusal in refusals:
        services.record_event(ticket=ticket, action="attachment_refused", reason=refusal)


def create_ticket(
    *,
    route: Route,
    parsed: ParsedEmail,
    contact: Contact,
    accepted: list[ParsedAttachment],
    refusals: list[str],
    link_to: Ticket | None = None,
    link_kind: str = LinkKind.RELATED,
    acknowledge: bool = True,
) -> Outcome:
    """A new ticket. ``acknowledge=False`` (list mail, automatic mail a queue treats as work, senders
    asking for no automatic replies): the ticket is opened but no acknowledgement goes back."""
    ticket = services.ticket_create(
        tenant=route.tenant,
        subject=parsed.subject.strip() or NO_SUBJECT,
        body_text=parsed.new_text.strip() or EMPTY_BODY,
        quoted_text=parsed.quoted_text,
        body_html=parsed.html,
        requester=contact,
        organization=contact.organization,
        queue=route.queue,
        channel="email",
        message_id=parsed.message_id,
        attachments=_attachments(accepted),
        participants=_participants(parsed),
        acknowledge=acknowledge,
    )
    _record_refusals(ticket, refusals)
    reason = ""
    if link_to is not None:
        services.ticket_link(source=ticket, target=link_to, kind=link_kind)
        reason = f"{link_kind} {link_to.display_number}"
    return Outcome(InboundStatus.CREATED, reason, "apply", ticket)


def _within_reopen_window(tenant: Tenant, ticket: Ticket) -> bool:
    closed_at = ticket.closed_at or ticket.updated_at
    return closed_at is None or timezone.now() - closed_at <= timedelta(days=tenant.reopen_window_days)


def append_reply(
    *,
    route: Route,
    parsed: ParsedEmail,
    contact: Contact,
    ticket: Ticket,
    accepted: list[ParsedAttachment],
    refusals: list[str],
    acknowledge: bool = True,
) -> Outcome:
    """A participant's reply. On a closed ticket the tenant's rule decides: reopen, or a follow-up."""
    tenant = route.tenant
    if ticket.status == Status.CLOSED:
        if tenant.closed_reply_policy == ClosedReplyPolicy.NEW_LINKED or not _within_reopen_window(
            tenant, ticket
        ):
            return create_ticket(
                route=route,
                parsed=parsed,
                contact=contact,
                accepted=accepted,
                refusals=refusals,
                link_to=ticket,
                link_kind=LinkKind.FOLLOW_UP_OF,
                acknowledge=acknowledge,
            )
        services.ticket_reopen(
            ticket=ticket, contact=contact, reason="Ответ клиента по почте на закрытую заявку"
        )
    services.ticket_reply(
        ticket=ticket,
        contact=contact,
        body_text=parsed.new_text.strip() or EMPTY_BODY,
        quoted_text=parsed.quoted_text,
        body_html=parsed.html,
        message_id=parsed.message_id,
        source="email",
        attachments=_attachments(accepted),
    )
    _record_refusals(ticket, refusals)
    return Outcome(InboundStatus.APPENDED, "", "apply", ticket)
