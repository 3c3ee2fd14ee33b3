"""Quarantine: visible to the tenant's admins (unrouted mail to the superuser), downloadable, replayable."""

from __future__ import annotations

import io

from django.core.management import call_command

from helpdesk.models import User
from mailgate.models import InboundStatus, Mailbox
from mailgate.pipeline import reprocess
from tests.mailgate.conftest import make_eml, pipe


def _unrouted():
    return pipe(make_eml(sender="x@y.test", to="nobody@nowhere.test", subject="unrouted"))


def test_unrouted_mail_is_listed_for_the_superuser_only(mail_a, client):
    row = _unrouted()
    client.force_login(mail_a.admin)
    listing = client.get("/admin/mailgate/inboundmessage/?status__exact=quarantined")
    assert listing.status_code == 200 and "unrouted" not in listing.content.decode()
    assert client.get(f"/admin/mailgate/inboundmessage/{row.pk}/eml/").status_code == 404
    root = User.objects.create_superuser("root@platform.test", "x")
    client.force_login(root)
    assert "unrouted" in client.get("/admin/mailgate/inboundmessage/").content.decode()
    download = client.get(f"/admin/mailgate/inboundmessage/{row.pk}/eml/")
    assert download.status_code == 200 and download["Content-Type"] == "message/rfc822"
    assert b"unrouted" in download.content


def test_tenant_admin_sees_and_downloads_own_quarantine_not_the_other_tenants(mail_a, mail_b, client):
    own = pipe(
        make_eml(
            sender=mail_a.client.email,
            to="support@alpha.test",
            subject="[own]",
            headers={"Auto-Submitted": "no"},
        )
    )
    own.status, own.reason = InboundStatus.QUARANTINED, "apply failed"
    own.save()
    foreign = pipe(make_eml(sender=mail_b.client.email, to="support@beta.test", subject="foreign-quarantine"))
    foreign.status = InboundStatus.QUARANTINED
    foreign.save()
    client.force_login(mail_a.admin)
    page = client.get("/admin/mailgate/inboundmessage/").content.decode()
    assert "[own]" in page and "foreign-quarantine" not in page
    assert client.get(f"/admin/mailgate/inboundmessage/{own.pk}/eml/").status_code == 200
    assert client.get(f"/admin/mailgate/inboundmessage/{foreign.pk}/eml/").status_code == 404
    assert client.get(f"/admin/mailgate/inboundmessage/{foreign.pk}/change/").status_code == 404


def test_mailbox_admin_never_renders_the_imap_password(mail_a, client):
    mailbox = Mailbox.objects.get(address="support@alpha.test")
    mailbox.imap_password = "s3cret-imap-pass"
    mailbox.save()
    client.force_login(mail_a.admin)
    page = client.get(f"/admin/mailgate/mailbox/{mailbox.pk}/change/").content.decode()
    assert "s3cret-imap-pass" not in page


def test_admin_action_reprocesses_after_the_mailbox_is_added(mail_a, client):
    row = pipe(make_eml(sender=mail_a.client.email, to="sales@alpha.test", subject="Куда-то не туда"))
    assert row.status == InboundStatus.QUARANTINED
    Mailbox.objects.create(tenant=mail_a.tenant, address="sales@alpha.test")
    root = User.objects.create_superuser("root@platform.test", "x")
    client.force_login(root)
    client.post(
        "/admin/mailgate/inboundmessage/",
        {"action": "reprocess_selected", "_selected_action": [row.pk]},
    )
    row.refresh_from_db()
    assert row.status == InboundStatus.CREATED and row.tenant == mail_a.tenant


def test_reprocess_command_replays_the_quarantine_with_a_progress_bar(mail_a):
    rows = [
        pipe(make_eml(sender=mail_a.client.email, to="sales@alpha.test", subject=f"q{i}")) for i in range(3)
    ]
    Mailbox.objects.create(tenant=mail_a.tenant, address="sales@alpha.test")
    out, err = io.StringIO(), io.StringIO()
    call_command("mailgate", "reprocess", stdout=out, stderr=err)
    assert "3/3" in err.getvalue() and "#" in err.getvalue()
    assert out.getvalue().strip() == "created=3"
    for row in rows:
        row.refresh_from_db()
        assert row.status == InboundStatus.CREATED
    call_command("mailgate", "reprocess", stdout=out, stderr=err)  # nothing left


def test_reprocess_adopts_a_ticket_created_by_an_interrupted_attempt(mail_a):
    row = pipe(
        make_eml(sender=mail_a.client.email, to="support@alpha.test", message_id="<crash@client.test>")
    )
    ticket = row.ticket
    # Simulate a crash after the ticket was created but before the outcome was written.
    row.status, row.ticket, row.ticket_number = InboundStatus.RECEIVED, None, ""
    row.save()
    reprocess(row)
    assert row.status == InboundStatus.CREATED and row.ticket == ticket


def test_tenant_admin_adds_a_mailbox_for_their_own_tenant(mail_a, client):
    client.force_login(mail_a.admin)
    assert client.get("/admin/mailgate/mailbox/add/").status_code == 200
    response = client.post(
        "/admin/mailgate/mailbox/add/",
        {
            "address": "help@alpha.test",
            "aliases": "",
            "queue": mail_a.support_queue.pk,
            "is_active": "on",
            "imap_host": "imap.alpha.test",
            "imap_port": 993,
            "imap_security": "ssl",
            "imap_user": "help",
            "imap_password": "pw-123",
            "imap_folder": "INBOX",
            "imap_archive_folder": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mailbox = Mailbox.objects.get(address="help@alpha.test")
    assert mailbox.tenant == mail_a.tenant and mailbox.imap_password == "pw-123"
