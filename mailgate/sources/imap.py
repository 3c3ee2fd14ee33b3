"""IMAP polling with imap-tools: fetch unseen mail, store the raw bytes, then flag or move it.

A message is marked (``\\Seen``, or moved to the archive folder) only after its raw bytes are
committed, so a crash between the two re-fetches it and the per-tenant dedupe key makes that
harmless. Each message is fetched on its own: one that the server or parser chokes on is stored
and quarantined (or skipped and retried next pass), never blocking the others.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted

from mailgate import pipeline
from mailgate.models import ImapSecurity, InboundStatus, Mailbox, Source

logger = logging.getLogger(__name__)
BATCH = 50
TIMEOUT_SECONDS = 30


def connect(mailbox: Mailbox) -> BaseMailBox:
    classes = {
        ImapSecurity.SSL: MailBox,
        ImapSecurity.STARTTLS: MailBoxStartTls,
        ImapSecurity.NONE: MailBoxUnencrypted,
    }
    box_class = classes.get(mailbox.imap_security, MailBox)
    box = box_class(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT_SECONDS)
    return box.login(mailbox.imap_user, mailbox.imap_password, initial_folder=mailbox.imap_folder or "INBOX")


def _fetch_raw(box: BaseMailBox, uid: str) -> bytes | None:
    status, data = box.client.uid("fetch", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    for item in data or []:
        if isinstance(item, tuple) and len(item) > 1 and isinstance(item[1], bytes):
            return item[1]
    return None


def _archive_folder(box: BaseMailBox, mailbox: Mailbox, problems: list[str]) -> str:
    """The archive folder, created when it does not exist yet; "" (flag as read instead) when the
    server will not create it — said in the mailbox's last poll error, never a stuck batch."""
    folder = mailbox.imap_archive_folder.strip()
    if not folder:
        return ""
    try:
        if not box.folder.exists(folder):
            box.folder.create(folder)
            logger.info("mailgate: created IMAP archive folder %r for %s", folder, mailbox.address)
        return folder
    except Exception as exc:  # noqa: BLE001 - the server's refusal is shown, the mail still flows
        problems.append(
            f"Папку «{folder}» не удалось создать ({type(exc).__name__}); письма помечаются прочитанными."
        )
        return ""


def _acknowledge(box: BaseMailBox, folder: str, uids: list[str], problems: list[str]) -> None:
    """Tell the server the stored mail is ours: move it to the archive folder, else flag it read."""
    if not uids:
        return
    if folder:
        try:
            box.move(uids, folder)
            return
        except Exception as exc:  # noqa: BLE001 - fall back to the flag: never fetch these again
            problems.append(f"Не удалось перенести письма в «{folder}» ({type(exc).__name__}).")
    box.flag(uids, "\\Seen", True)


def poll(mailbox: Mailbox, problems: list[str] | None = None) -> dict[str, int]:
    """One pass over one mailbox. Returns counts by outcome; what went wrong without stopping the
    pass (an archive folder the server refuses) is appended to ``problems``."""
    counts: dict[str, int] = {}
    problems = [] if problems is None else problems
    with connect(mailbox) as box:
        folder = _archive_folder(box, mailbox, problems)
        uids = box.uids(AND(seen=False))
        for start in range(0, len(uids), BATCH):
            chunk = uids[start : start + BATCH]
            fetched: list[tuple[str, bytes]] = []
            for uid in chunk:
                try:
                    raw = _fetch_raw(box, uid)
                except Exception:  # noqa: BLE001 - a server error on one message: retry it next pass
                    logger.warning("mailgate: IMAP fetch of uid %s in %s failed", uid, mailbox.address)
                    raw = None
                if raw is not None:
                    fetched.append((uid, raw))
            stored = pipeline.receive_many(
                [pipeline.Incoming(raw) for _, raw in fetched],
                source=Source.IMAP,
                mailbox=mailbox,
            )
            # Committed: now the server may forget them. Whatever the server says, the batch is processed.
            try:
                _acknowledge(box, folder, [uid for uid, _ in fetched], problems)
            finally:
                pipeline.process_batch(stored)
            for row, _ in stored:
                key = row.status if row.status != InboundStatus.RECEIVED else "deferred"
                counts[key] = counts.get(key, 0) + 1
    return counts


def record_poll(mailbox: Mailbox, *, error: str) -> None:
    """Store a poll's result on the mailbox: the health check and the mailbox list read it."""
    now = timezone.now()
    fields: dict[str, object] = {"last_polled_at": now, "last_poll_error": error}
    fields["last_error_at" if error else "last_success_at"] = now
    Mailbox.objects.filter(pk=mailbox.pk).update(**fields)


def poll_all() -> dict[str, int]:
    totals: dict[str, int] = {}
    for mailbox in (
        Mailbox.objects.filter(is_active=True, tenant__is_active=True)
        .exclude(imap_host="")
        .select_related("tenant", "queue")
    ):
        if not mailbox.polls_imap:
            continue
        problems: list[str] = []
        try:
            counts = poll(mailbox, problems)
            error = " ".join(problems)[:2000]
        except Exception as exc:  # noqa: BLE001 - one unreachable server must not stop the others
            logger.warning("mailgate: polling %r failed: %s", mailbox, type(exc).__name__)
            counts, error = {"errors": 1}, f"{type(exc).__name__}: {exc}"[:2000]
        record_poll(mailbox, error=error)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
    return totals
