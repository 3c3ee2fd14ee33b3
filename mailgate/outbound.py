"""Outbound notifications: one ``OutboundMail`` row per (event, object, recipient), sent once.

``plan_*`` builds the rows (idempotent through the unique ``key``), ``send`` claims a row with a
conditional UPDATE before talking to the mail server, so a retried task or a second worker finds
nothing to do. Our Message-ID is stored on the row before sending: replies to it thread back.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import formataddr, make_msgid
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import timezone, translation

from helpdesk import metrics
from helpdesk.log_context import log_context
from helpdesk.models import Membership, Role, Tenant
from helpdesk.tenancy import tenant_absolute_url
from mailgate import screening
from mailgate.models import InboundMessage, Mailbox, OutboundMail, OutboxKind, OutboxStatus
from tickets.models import AuthorKind, Message, MessageKind, Ticket, TicketEvent, format_ticket_number
from tickets.statuses import Status

logger = logging.getLogger(__name__)

NOTIFY_STATUSES = frozenset(
    {Status.WAITING, Status.IN_DEVELOPMENT, Status.RESOLVED, Status.CLOSED, Status.OPEN}
)
STALE_CLAIM = timedelta(minutes=15)
MAX_ATTEMPTS = 8
AUTO_REPLIED = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
AUTO_GENERATED = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


def _daily_cap() -> int:
    return int(getattr(settings, "MAILGATE_NOTIFY_DAILY_CAP", 50))


def sender_mailbox(tenant: Tenant) -> Mailbox | None:
    return Mailbox.objects.for_tenant(tenant).filter(is_active=True).order_by("pk").first()


def from_header(tenant: Tenant) -> str:
    mailbox = sender_mailbox(tenant)
    if mailbox is None:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((tenant.name, mailbox.address))


def portal_url(ticket: Ticket) -> str:
    try:
        return tenant_absolute_url(ticket.tenant, "portal:ticket_detail", number=ticket.display_number)
    except NoReverseMatch:
        return tenant_absolute_url(ticket.tenant, "tenant:home")


def _own_addresses(tenant: Tenant) -> set[str]:
    addresses: set[str] = set()
    for mailbox in Mailbox.objects.for_tenant(tenant):
        addresses.update(mailbox.all_addresses())
    return addresses


def recipients(ticket: Ticket) -> list[str]:
    """Requester and copied participants; never automatic addresses or our own mailboxes."""
    own = _own_addresses(ticket.tenant)
    found: list[str] = []
    if ticket.requester_id:
        found.append(ticket.requester.email.lower())
    found += [p.email.lower() for p in ticket.participants.all()]
    unique: list[str] = []
    for address in found:
        if address not in unique and address not in own and not screening.is_automatic_address(address):
            unique.append(address)
    return unique


def _thread_headers(ticket: Ticket) -> tuple[str, str]:
    """(In-Reply-To, References): the client's first message, then our latest mail on the ticket."""
    chain: list[str] = []
    first = Message.objects.filter(ticket=ticket).exclude(message_id="").order_by("created_at", "pk").first()
    if first is not None:
        chain.append(first.message_id)
    last_ours = (
        OutboundMail.objects.filter(ticket=ticket)
        .order_by("-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    if last_ours:
        chain.append(last_ours)
    refs = " ".join(f"<{mid}>" for mid in chain)
    return (f"<{chain[-1]}>" if chain else ""), refs


def render(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    with translation.override("ru"):
        subject = " ".join(render_to_string(f"emails/{name}.subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    return subject[:300], text, html


def _message_id(tenant: Tenant) -> str:
    mailbox = sender_mailbox(tenant)
    domain = mailbox.address.rsplit("@", 1)[-1] if mailbox else "reglament.example"
    return make_msgid(idstring=f"reglament.{tenant.slug}", domain=domain).strip("<>")


def _create_row(
    *,
    tenant: Tenant,
    ticket: Ticket | None,
    kind: str,
    key: str,
    to_email: str,
    name: str,
    context: dict[str, Any],
    in_reply_to: str = "",
    references: str = "",
) -> OutboundMail | None:
    existing = OutboundMail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    subject, text, html = render(name, context)
    try:
        with transaction.atomic():
            return OutboundMail.objects.create(
                tenant=tenant,
                ticket=ticket,
                kind=kind,
                key=key[:255],
                to_email=to_email,
                subject=subject,
                body_text=text,
                body_html=html,
                message_id=_message_id(tenant),
                in_reply_to=in_reply_to,
                references=references,
            )
    except IntegrityError:  # a concurrent worker planned the same notification
        return OutboundMail.objects.filter(key=key).first()


def _over_cap(to_email: str, kind: str) -> bool:
    since = timezone.now() - timedelta(days=1)
    return (
        OutboundMail.objects.filter(to_email=to_email, kind=kind, created_at__gte=since).count()
        >= _daily_cap()
    )


def _ticket_context(ticket: Ticket) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    mailbox = sender_mailbox(ticket.tenant)
    return {
        "tenant": ticket.tenant,
        "ticket": ticket,
        "number": ticket.display_number,
        "priority": ticket.get_priority_display(),
        "status": ticket.get_status_display(),
        "sla_tier": ticket.sla_tier.name if ticket.sla_tier_id else "",
        "first_response_due": timezone.localtime(ticket.first_response_due, tz)
        if ticket.first_response_due
        else None,
        "resolution_due": timezone.localtime(ticket.resolution_due, tz) if ticket.resolution_due else None,
        "portal_url": portal_url(ticket),
        "reply_address": mailbox.address if mailbox else "",
    }


def plan_ticket_event(event: str, ticket_id: int, extra: dict[str, Any]) -> list[OutboundMail]:
    ticket = Ticket.objects.select_related("tenant", "requester", "sla_tier").filter(pk=ticket_id).first()
    if ticket is None:
        return []
    if event == "ticket_created":
        if extra.get("acknowledge") is False:
            return []  # list mail, alerts a queue treats as work, senders asking for no auto-replies
        name, kind, key_base, extra_context = (
            "ack",
            OutboxKind.ACKNOWLEDGEMENT,
            f"ack:{ticket.pk}",
            {
                "refusals": list(
                    TicketEvent.objects.filter(ticket=ticket, action="attachment_refused").values_list(
                        "reason", flat=True
                    )
                ),
                "channel": ticket.channel,
            },
        )
    elif event == "message_added":
        if extra.get("internal") or extra.get("author") != AuthorKind.AGENT:
            return []
        message = Message.objects.filter(pk=extra.get("message_id"), ticket=ticket).first()
        if message is None or message.kind != MessageKind.PUBLIC:
            return []
        name, kind, key_base, extra_context = (
            "reply",
            OutboxKind.REPLY,
            f"reply:{message.pk}",
            {"message": message},
        )
    elif event == "status_changed":
        if extra.get("new") not in NOTIFY_STATUSES or extra.get("old") == Status.NEW:
            return []
        change = (
            TicketEvent.objects.filter(ticket=ticket, action="status_changed", new_value=extra.get("new"))
            .order_by("-pk")
            .first()
        )
        if change is None:
            return []
        name, kind, key_base, extra_context = (
            "status",
            OutboxKind.STATUS,
            f"status:{change.pk}",
            {
                "old_status": Status(extra["old"]).label if extra.get("old") in Status.values else "",
                "reason": change.reason,
            },
        )
    else:
        return []
    context = {**_ticket_context(ticket), **extra_context}
    in_reply_to, references = _thread_headers(ticket)
    rows = []
    for address in recipients(ticket):
        key = f"{key_base}:{address}"
        if (
            kind == OutboxKind.ACKNOWLEDGEMENT
            and not OutboundMail.objects.filter(key=key).exists()
            and _over_cap(address, kind)
        ):
            logger.warning("mailgate: acknowledgement cap reached for %s, not sending", address)
            continue
        row = _create_row(
            tenant=ticket.tenant,
            ticket=ticket,
            kind=kind,
            key=key,
            to_email=address,
            name=name,
            context=context,
            in_reply_to=in_reply_to,
            references=references,
        )
        if row is not None:
            rows.append(row)
    return rows


def plan_unregistered_reply(inbound_id: int) -> OutboundMail | None:
    """ZooPortal accepts only registered senders: tell the writer politely, once, and not in loops."""
    inbound = InboundMessage.objects.select_related("tenant").filter(pk=inbound_id).first()
    if inbound is None or inbound.tenant is None or not inbound.sender:
        return None
    if screening.is_automatic_address(inbound.sender) or inbound.is_automatic:
        return None
    key = f"unregistered:{inbound.pk}"
    if not OutboundMail.objects.filter(key=key).exists() and _over_cap(
        inbound.sender, OutboxKind.UNREGISTERED
    ):
        return None
    mailbox = sender_mailbox(inbound.tenant)
    context = {
        "tenant": inbound.tenant,
        "subject": inbound.subject,
        "portal_url": tenant_absolute_url(inbound.tenant, "tenant:home"),
        "reply_address": mailbox.address if mailbox else "",
    }
    mid = f"<{inbound.message_id}>" if inbound.message_id else ""
    return _create_row(
        tenant=inbound.tenant,
        ticket=None,
        kind=OutboxKind.UNREGISTERED,
        key=key,
        to_email=inbound.sender,
        name="unregistered",
        context=context,
        in_reply_to=mid,
        references=mid,
    )


def plan_loop_notice(inbound_id: int) -> list[OutboundMail]:
    """One notice a day per looping sender and text to each tenant admin: "held as a loop, look"."""
    inbound = InboundMessage.objects.select_related("tenant").filter(pk=inbound_id).first()
    if inbound is None or inbound.tenant is None:
        return []
    tenant = inbound.tenant
    admins = (
        Membership.objects.filter(tenant=tenant, role=Role.ADMIN, user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    day = timezone.localdate().isoformat()
    context = {
        "tenant": tenant,
        "sender": inbound.sender,
        "subject": inbound.subject,
        "burst": screening.loop_burst(),
        "window_minutes": int(screening.loop_window().total_seconds() // 60),
    }
    rows = []
    for membership in admins:
        email = membership.user.email.lower()
        row = _create_row(
            tenant=tenant,
            ticket=None,
            kind=OutboxKind.LOOP_NOTICE,
            key=f"loop:{tenant.pk}:{inbound.sender}:{inbound.shape}:{day}:{email}",
            to_email=email,
            name="loop",
            context=context,
        )
        if row is not None and row.status == OutboxStatus.PENDING:
            rows.append(row)
    return rows


def claim(outbox_id: int) -> bool:
    """Atomically take a row for sending: exactly one caller wins, whatever the concurrency."""
    now = timezone.now()
    return bool(
        OutboundMail.objects.filter(pk=outbox_id)
        .filter(
            Q(status=OutboxStatus.PENDING) | Q(status=OutboxStatus.SENDING, claimed_at__lt=now - STALE_CLAIM)
        )
        .update(status=OutboxStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def build_email(row: OutboundMail) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<{row.message_id}>"}
    if row.in_reply_to:
        headers["In-Reply-To"] = row.in_reply_to
    if row.references:
        headers["References"] = row.references
    if row.kind in (OutboxKind.ACKNOWLEDGEMENT, OutboxKind.UNREGISTERED):
        headers.update(AUTO_REPLIED)
    elif row.kind in (OutboxKind.STATUS, OutboxKind.LOOP_NOTICE):
        headers.update(AUTO_GENERATED)
    tenant = row.tenant
    sender = from_header(tenant)
    email = EmailMultiAlternatives(
        subject=row.subject,
        body=row.body_text,
        from_email=sender,
        to=[row.to_email],
        headers=headers,
        reply_to=[sender],
    )
    if row.body_html:
        email.attach_alternative(row.body_html, "text/html")
    return email


def _number(row: OutboundMail) -> str | None:
    return format_ticket_number(row.tenant.ticket_prefix, row.ticket.number) if row.ticket else None


def send(outbox_id: int) -> bool:
    """Send one claimed row. Returns False when another worker has it or it is already sent."""
    if not claim(outbox_id):
        return False
    row = OutboundMail.objects.select_related("tenant", "ticket").get(pk=outbox_id)
    with log_context(tenant=row.tenant.slug, ticket=_number(row)):
        try:
            build_email(row).send()
        except Exception as exc:
            final = row.attempts >= MAX_ATTEMPTS
            OutboundMail.objects.filter(pk=row.pk, status=OutboxStatus.SENDING).update(
                status=OutboxStatus.FAILED if final else OutboxStatus.PENDING, last_error=str(exc)[:2000]
            )
            metrics.count_outbound(kind=row.kind, sent=False)
            logger.warning("mailgate: %s mail %s to %s failed: %s", row.kind, row.pk, row.to_email, exc)
            raise
        OutboundMail.objects.filter(pk=row.pk).update(
            status=OutboxStatus.SENT, sent_at=timezone.now(), last_error=""
        )
        metrics.count_outbound(kind=row.kind, sent=True)
        logger.info("mailgate: %s mail %s sent to %s", row.kind, row.pk, row.to_email)
    return True
