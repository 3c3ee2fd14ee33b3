""" "Проверить подключение" in the mailbox admin: the one connect-permission check first, then a login."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from mailgate.connection_check import check_connection
from mailgate.models import ImapSecurity, Mailbox
from tests.mailgate.test_imap import PASSWORD, USER, dovecot  # noqa: F401 - the Dovecot fixture


def _box(tenant, address: str, port: int, **extra) -> Mailbox:
    fields = {
        "imap_host": "127.0.0.1",
        "imap_port": port,
        "imap_security": ImapSecurity.NONE,
        "imap_user": USER,
        "imap_password": PASSWORD,
        **extra,
    }
    return Mailbox.objects.create(tenant=tenant, address=address, **fields)


@pytest.fixture
def listener():
    """A port on loopback that records whether anybody connected."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.setblocking(False)
        yield sock


def _was_contacted(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def test_a_loopback_server_is_refused_without_being_contacted(world_a, listener):
    box = _box(world_a.tenant, "a@alpha.test", listener.getsockname()[1])
    result = check_connection(box)
    assert not result.ok
    assert "нельзя" in result.message and "127.0.0.1" not in result.message
    assert "127.0.0.1" in result.detail
    assert not _was_contacted(listener)


def test_a_mailbox_without_imap_says_so(world_a):
    result = check_connection(Mailbox.objects.create(tenant=world_a.tenant, address="pipe@alpha.test"))
    assert not result.ok and "IMAP не настроен" in result.message


@pytest.mark.skipif(not __import__("os").path.exists("/usr/sbin/dovecot"), reason="needs dovecot-imapd")
def test_an_allowed_server_is_logged_into(world_a, dovecot, settings):  # noqa: F811
    settings.NETWORK_TARGETS_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    good = check_connection(_box(world_a.tenant, "a@alpha.test", dovecot))
    assert good.ok and "INBOX" in good.message
    bad = check_connection(_box(world_a.tenant, "b@alpha.test", dovecot, imap_password="wrong"))
    assert not bad.ok and "пароль" in bad.message
    assert "wrong" not in bad.message + bad.detail


def test_the_admin_action_reports_per_mailbox_inside_the_tenant(client, world_a, world_b, listener):
    own = _box(world_a.tenant, "own@alpha.test", listener.getsockname()[1])
    foreign = _box(world_b.tenant, "foreign@beta.test", listener.getsockname()[1])
    client.force_login(world_a.admin)
    response = client.post(
        reverse("admin:mailgate_mailbox_changelist"),
        {"action": "check_connection_selected", "_selected_action": [own.pk, foreign.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Ящик own@alpha.test: Подключиться к этому серверу нельзя" in page
    assert "foreign@beta.test" not in page
    assert "127.0.0.1" not in page.split("messagelist")[1].split("</ul>")[0]  # no detail for a tenant admin
    assert not _was_contacted(listener)
