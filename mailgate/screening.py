"""Screening rules: automatic mail, bounces, loops and the attachment policy. Pure where it can be."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from helpdesk.models import Tenant
from mailgate.models import InboundMessage
from mailgate.parsing import ParsedAttachment, ParsedEmail
from tickets.attachment_policy import attachment_refusal

_DAEMON_LOCALPARTS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
_NO_REPLY_LOCALPARTS = frozenset(
    {"noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster", "bounce", "bounces"}
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})


def is_bounce(parsed: ParsedEmail) -> bool:
    """A delivery status notification: multipart/report, MAILER-DAEMON, or the null sender ``<>``."""
    localpart = parsed.from_email.split("@", 1)[0]
    return (
        (parsed.content_type == "multipart/report" and parsed.report_type in ("delivery-status", ""))
        or localpart in _DAEMON_LOCALPARTS
        or parsed.return_path == ""
    )


def is_auto_reply(parsed: ParsedEmail) -> bool:
    """RFC 3834 Auto-Submitted, plus the headers Exchange, Yandex and mailing lists really send."""
    return (
        (parsed.auto_submitted not in ("", "no"))
        or parsed.has_x_autoreply
        or parsed.precedence in _BULK_PRECEDENCE
        or parsed.has_auto_response_suppress
        or (parsed.content_type == "multipart/report" and parsed.report_type == "disposition-notification")
    )


def automatic_kind(parsed: ParsedEmail) -> str | None:
    """``"bounce"``, ``"auto-reply"`` or None for mail written by a person."""
    if is_bounce(parsed):
        return "bounce"
    if is_auto_reply(parsed):
        return "auto-reply"
    return None


def is_automatic_address(address: str) -> bool:
    """Addresses we never write to: notifications to them only feed loops."""
    return address.split("@", 1)[0].lower() in _NO_REPLY_LOCALPARTS


def daily_automatic_cap() -> int:
    return int(getattr(settings, "MAILGATE_AUTOMATIC_DAILY_CAP", 20))


def over_loop_cap(*, tenant: Tenant, sender: str) -> bool:
    """More automatic mails from this sender in 24 h than the cap: stop recording them (a loop)."""
    since = timezone.now() - timedelta(days=1)
    recent = InboundMessage.objects.filter(
        tenant=tenant, sender=sender, is_automatic=True, received_at__gte=since
    ).count()
    return recent > daily_automatic_cap()


@dataclass
class AttachmentVerdict:
    accepted: list[ParsedAttachment] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)


def screen_attachments(tenant: Tenant, attachments: list[ParsedAttachment]) -> AttachmentVerdict:
    """Split by the tenant's policy. A refused file stays in the raw message, never in the ticket."""
    verdict = AttachmentVerdict()
    for item in attachments:
        refusal = attachment_refusal(tenant, filename=item.filename, size=len(item.content))
        if refusal is None:
            verdict.accepted.append(item)
        else:
            verdict.refusals.append(refusal)
    return verdict
