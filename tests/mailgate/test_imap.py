"""IMAP polling against a real Dovecot (Debian's dovecot-imapd) started by the test."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from imap_tools import AND, MailBoxUnencrypted

from mailgate.models import ImapSecurity, InboundMessage, InboundStatus, Mailbox
from tests.mailgate.conftest import fixture_bytes, make_eml
from tickets.models import Ticket

DOVECOT = "/usr/sbin/dovecot"
pytestmark = pytest.mark.skipif(
    not (os.path.exists(DOVECOT) and hasattr(os, "geteuid") and os.geteuid() == 0),
    reason="needs Debian's dovecot-imapd and root to start it",
)
USER, PASSWORD = "support", "imap-secret"

CONFIG = """
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid=65534 gid=65534 home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def dovecot() -> Iterator[int]:
    # A short path: Dovecot's unix sockets live under base_dir and have a length limit.
    root = Path(tempfile.mkdtemp(prefix="dv", dir="/tmp"))
    root.chmod(0o755)
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    (root / "mail").chmod(0o777)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    port = _free_port()
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, port=port))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")])
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("dovecot did not start: " + (root / "dovecot.log").read_text(errors="replace"))
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def _append(port: int, messages: list[bytes], folder: str = "INBOX") -> None:
    with MailBoxUnencrypted("127.0.0.1", port).login(USER, PASSWORD) as box:
        for raw in messages:
            box.append(raw, folder)


def _imap_mailbox(mail_a, port: int, **extra) -> Mailbox:
    mailbox = Mailbox.objects.get(address="support@alpha.test")
    for key, value in {
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_security": ImapSecurity.NONE,
        "imap_user": USER,
        "imap_password": PASSWORD,
        **extra,
    }.items():
        setattr(mailbox, key, value)
    mailbox.save()
    return mailbox


def test_poll_turns_good_mail_into_tickets_and_quarantines_the_broken_one(mail_a, dovecot):
    _imap_mailbox(mail_a, dovecot)
    good = [
        make_eml(sender=mail_a.client.email, to="support@alpha.test", subject=f"Письмо {i}") for i in range(3)
    ]
    broken = fixture_bytes("35_not_an_email.eml")
    _append(dovecot, [good[0], broken, good[1], good[2]])
    before = Ticket.objects.count()

    call_command("mailgate", "poll", stdout=io.StringIO())

    assert Ticket.objects.count() == before + 3
    assert sorted(Ticket.objects.filter(channel="email").values_list("subject", flat=True))[-3:] == [
        "Письмо 0",
        "Письмо 1",
        "Письмо 2",
    ]
    quarantined = InboundMessage.objects.get(status=InboundStatus.QUARANTINED)
    assert quarantined.stage == "parse" and b"not a mail message" in bytes(quarantined.raw)
    with MailBoxUnencrypted("127.0.0.1", dovecot).login(USER, PASSWORD) as box:
        assert box.uids(AND(seen=False)) == []  # every stored message was acknowledged
    call_command("mailgate", "poll", stdout=io.StringIO())  # nothing new the second time
    assert InboundMessage.objects.count() == 4


def test_poll_moves_stored_mail_to_the_archive_folder(mail_a, dovecot):
    with MailBoxUnencrypted("127.0.0.1", dovecot).login(USER, PASSWORD) as box:
        box.folder.create("Processed")
    _imap_mailbox(mail_a, dovecot, imap_archive_folder="Processed")
    _append(dovecot, [make_eml(sender=mail_a.client.email, to="support@alpha.test")])
    from mailgate.sources.imap import poll_all

    assert poll_all() == {"created": 1}
    with MailBoxUnencrypted("127.0.0.1", dovecot).login(USER, PASSWORD, initial_folder="Processed") as box:
        assert len(box.uids()) == 1


def test_wrong_password_is_recorded_without_leaking_it(mail_a, dovecot):
    mailbox = _imap_mailbox(mail_a, dovecot, imap_password="wrong-password-xyz")
    from mailgate.sources.imap import poll_all

    assert poll_all() == {"errors": 1}
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error and "wrong-password-xyz" not in mailbox.last_poll_error
    assert "wrong-password-xyz" not in repr(mailbox)


def test_a_missing_archive_folder_is_created_and_the_batch_processed_once(mail_a, dovecot):
    mailbox = _imap_mailbox(mail_a, dovecot, imap_archive_folder="Обработано")
    _append(
        dovecot,
        [
            fixture_bytes("43_google_group_list_mail.eml"),
            make_eml(sender=mail_a.client.email, to="support@alpha.test"),
        ],
    )
    from mailgate.sources.imap import poll_all

    assert poll_all() == {"created": 2}
    assert poll_all() == {}  # nothing fetched again, nothing stored twice
    assert InboundMessage.objects.count() == 2
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == ""
    with MailBoxUnencrypted("127.0.0.1", dovecot).login(USER, PASSWORD, initial_folder="Обработано") as box:
        assert len(box.uids()) == 2


def test_an_archive_folder_the_server_refuses_is_shown_and_the_mail_still_processed(
    mail_a, dovecot, monkeypatch
):
    mailbox = _imap_mailbox(mail_a, dovecot, imap_archive_folder="Processed")
    _append(dovecot, [make_eml(sender=mail_a.client.email, to="support@alpha.test")])
    from imap_tools.folder import MailBoxFolderManager

    from mailgate.sources.imap import poll_all

    def refuse(self, folder):
        raise PermissionError("no CREATE for you")

    monkeypatch.setattr(MailBoxFolderManager, "create", refuse)
    assert poll_all() == {"created": 1}
    assert poll_all() == {}  # flagged read instead of moved: never re-stored
    mailbox.refresh_from_db()
    assert "Processed" in mailbox.last_poll_error and "прочитанными" in mailbox.last_poll_error
    assert InboundMessage.objects.count() == 1
