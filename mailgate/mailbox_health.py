"""Whether a mailbox is being read: the one rule the health check and the mailbox admin list share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy as _

from mailgate.models import Mailbox

OK, WARNING, ERROR = "ok", "warning", "error"


@dataclass(frozen=True)
class MailboxHealth:
    status: str
    summary: str


def mailbox_health(mailbox: Mailbox, *, now: datetime, stale_after: timedelta) -> MailboxHealth:
    """A box that is not polled (pipe or webhook only) is fine. A polled one is an error when its last
    poll failed and nothing succeeded for ``stale_after``; a warning after one failure, or when it has
    not been read for ``stale_after`` (then the worker or beat signal says why)."""
    if not mailbox.polls_imap:
        return MailboxHealth(OK, str(_("не опрашивается по IMAP")))
    fresh = mailbox.last_success_at is not None and now - mailbox.last_success_at <= stale_after
    if mailbox.last_poll_error:
        return MailboxHealth(ERROR if not fresh else WARNING, mailbox.last_poll_error.splitlines()[0][:200])
    if not fresh:
        return MailboxHealth(WARNING, str(_("давно не опрашивался")))
    return MailboxHealth(OK, str(_("опрашивается")))
