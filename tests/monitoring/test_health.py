"""Each health signal turns red by its threshold; the JSON and the pages say so."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.health import health_report
from tests.monitoring.conftest import ago, both_alive, heartbeat, outbox_row, polled_mailbox, quarantined


@pytest.fixture
def healthy(world_a):
    both_alive()
    return world_a


# --- worker and beat --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["worker", "beat"])
def test_a_fresh_heartbeat_is_ok(healthy, role):
    report = health_report()
    assert report[role]["status"] == "ok"
    assert report[role]["alive"] == 1
    assert report["status"] == "ok"


@pytest.mark.parametrize("role", ["worker", "beat"])
def test_no_heartbeat_at_all_is_an_error(db, role):
    heartbeat("beat" if role == "worker" else "worker")
    report = health_report()
    assert report[role]["status"] == "error"
    assert report[role]["last_seen"] is None
    assert report["status"] == "error"


def test_worker_stopped_turns_yellow_then_red(db):
    heartbeat("beat")
    old = heartbeat("worker", minutes=3)
    assert health_report()["worker"]["status"] == "warning"
    old.seen_at = ago(minutes=6)
    old.save()
    report = health_report()
    assert report["worker"]["status"] == "error"
    assert report["worker"]["age_seconds"] >= 360


def test_one_live_worker_of_two_is_enough(db):
    heartbeat("beat")
    heartbeat("worker", node="dead", minutes=30)
    heartbeat("worker", node="alive")
    report = health_report()
    assert report["worker"]["status"] == "ok"
    assert report["worker"]["alive"] == 1
    assert [node["node"] for node in report["worker"]["nodes"]] == ["alive", "dead"]


def test_beat_stale_is_an_error(db):
    heartbeat("worker")
    heartbeat("beat", minutes=11)
    assert health_report()["beat"]["status"] == "error"


def test_thresholds_come_from_settings(db, settings):
    from datetime import timedelta

    heartbeat("worker", seconds=50)
    heartbeat("beat")
    settings.HEALTH_THRESHOLDS = {**settings.HEALTH_THRESHOLDS, "worker_error": timedelta(seconds=40)}
    assert health_report()["worker"]["status"] == "error"


# --- mailboxes ----------------------------------------------------------------------------------
def test_a_failing_mailbox_is_red_with_its_error(healthy):
    polled_mailbox(
        healthy.tenant,
        "broken@alpha.test",
        last_success_at=ago(hours=2),
        last_error_at=ago(minutes=1),
        last_poll_error="gaierror: [Errno -2] Name or service not known",
    )
    polled_mailbox(healthy.tenant, "fine@alpha.test", last_success_at=ago(minutes=1))
    report = health_report()
    boxes = {box["address"]: box for box in report["mailboxes"]}
    assert boxes["broken@alpha.test"]["status"] == "error"
    assert boxes["broken@alpha.test"]["last_error"].startswith("gaierror")
    assert boxes["broken@alpha.test"]["last_success"] is not None
    assert boxes["fine@alpha.test"]["status"] == "ok"
    assert report["status"] == "error"


def test_one_failed_poll_after_a_recent_success_is_a_warning(healthy):
    polled_mailbox(
        healthy.tenant, "flaky@alpha.test", last_success_at=ago(minutes=2), last_poll_error="TimeoutError"
    )
    assert health_report()["mailboxes"][0]["status"] == "warning"


def test_a_mailbox_without_imap_is_fine(healthy):
    from mailgate.models import Mailbox

    Mailbox.objects.create(tenant=healthy.tenant, address="pipe@alpha.test")
    (box,) = health_report()["mailboxes"]
    assert box["status"] == "ok" and box["polled"] is False


def test_polling_records_success_and_failure_on_the_mailbox(healthy):
    """A real poll against a closed port: the error and its moment are stored, the success is not."""
    import socket

    from mailgate.models import Mailbox
    from mailgate.sources.imap import poll_all

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    box = polled_mailbox(healthy.tenant, "closed@alpha.test", imap_port=port, imap_security="none")
    box.imap_host = "127.0.0.1"
    box.save()
    assert poll_all() == {"errors": 1}
    box = Mailbox.objects.get(pk=box.pk)
    assert box.last_poll_error and box.last_error_at is not None and box.last_success_at is None
    assert health_report()["mailboxes"][0]["status"] == "error"


# --- quarantine and outbox ------------------------------------------------------------------------
def test_quarantine_growing_turns_yellow_then_red(healthy):
    quarantined(healthy.tenant, 3, days=30)
    report = health_report()["quarantine"]
    assert report["status"] == "ok" and report["count"] == 3  # old items alone: shown, not alarming
    quarantined(healthy.tenant, 1)
    assert health_report()["quarantine"]["status"] == "warning"
    quarantined(healthy.tenant, 19)
    report = health_report()["quarantine"]
    assert report["status"] == "error"
    assert report["last_day"] == 20 and report["count"] == 23
    assert report["oldest"] is not None


def test_mail_stuck_unprocessed_counts_as_quarantine_growth(healthy):
    from mailgate.models import InboundMessage, InboundStatus, Source

    InboundMessage.objects.create(
        tenant=healthy.tenant,
        source=Source.PIPE,
        raw=b"x",
        status=InboundStatus.RECEIVED,
        received_at=ago(hours=1),
    )
    report = health_report()["quarantine"]
    assert report["unprocessed"] == 1 and report["status"] == "warning"


def test_outbox_stuck_turns_red(healthy):
    outbox_row(healthy.tenant, "fresh")
    assert health_report()["outbox"]["status"] == "ok"
    outbox_row(healthy.tenant, "waiting", minutes=15)
    assert health_report()["outbox"]["status"] == "warning"
    outbox_row(healthy.tenant, "stuck", hours=1)
    report = health_report()["outbox"]
    assert report["status"] == "error"
    assert report["backlog"] == 3 and report["oldest_age_seconds"] >= 3600


def test_failed_deliveries_of_the_last_day(healthy):
    outbox_row(healthy.tenant, "sent", status="sent")
    outbox_row(healthy.tenant, "failed", status="failed")
    report = health_report()["outbox"]
    assert report["failed_last_day"] == 1 and report["status"] == "warning"
    for n in range(9):
        outbox_row(healthy.tenant, f"failed-{n}", status="failed")
    assert health_report()["outbox"]["status"] == "error"


# --- tenant walls ------------------------------------------------------------------------------------
def test_a_tenant_report_holds_only_that_tenants_mail(healthy, world_b):
    polled_mailbox(healthy.tenant, "a@alpha.test", last_poll_error="x")
    polled_mailbox(world_b.tenant, "b@beta.test", last_poll_error="y")
    quarantined(world_b.tenant, 5)
    outbox_row(world_b.tenant, "b-stuck", hours=2)
    report = health_report(tenant_ids=[healthy.tenant.pk])
    assert [box["address"] for box in report["mailboxes"]] == ["a@alpha.test"]
    assert report["quarantine"]["count"] == 0
    assert report["outbox"]["backlog"] == 0
    whole = health_report()
    assert len(whole["mailboxes"]) == 2 and whole["quarantine"]["count"] == 5


def test_platform_admin_monitoring_page_shows_everything(client, healthy, world_b, django_user_model):
    root = django_user_model.objects.create_superuser("root@platform.test", "pw")
    polled_mailbox(world_b.tenant, "b@beta.test", last_poll_error="gaierror: no such host")
    client.force_login(root)
    page = client.get(reverse("monitoring")).content.decode()
    assert "b@beta.test" in page and "gaierror" in page
    assert "node-1" in page  # process names are for the platform admin


def test_tenant_admin_monitoring_page_stays_inside_the_tenant(client, healthy, world_b):
    polled_mailbox(healthy.tenant, "a@alpha.test", last_poll_error="own error")
    polled_mailbox(world_b.tenant, "b@beta.test", last_poll_error="foreign error")
    client.force_login(healthy.admin)
    response = client.get(reverse("monitoring"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "a@alpha.test" in page and "own error" in page
    assert "b@beta.test" not in page and "foreign error" not in page
    assert "node-1" not in page


def test_monitoring_page_is_not_for_agents_or_visitors(client, healthy, django_user_model):
    assert client.get(reverse("monitoring")).status_code == 302  # to the admin sign-in
    client.force_login(healthy.agent)
    assert client.get(reverse("monitoring")).status_code == 302
    staff = django_user_model.objects.create_user("staff@nowhere.test", "pw", is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("monitoring")).status_code == 404


def test_a_failing_mailbox_is_marked_in_the_mailbox_admin_list(client, healthy):
    polled_mailbox(healthy.tenant, "broken@alpha.test", last_poll_error="gaierror: no such host")
    polled_mailbox(healthy.tenant, "fine@alpha.test", last_success_at=ago(minutes=1))
    client.force_login(healthy.admin)
    page = client.get(reverse("admin:mailgate_mailbox_changelist")).content.decode()
    assert "mailbox-health-error" in page and "gaierror: no such host" in page
    assert "mailbox-health-ok" in page


def test_the_admin_index_links_the_monitoring_page_and_times_read_as_local_times(client, healthy):
    from django.utils import timezone
    from django.utils.formats import date_format

    box = polled_mailbox(healthy.tenant, "a@alpha.test", last_success_at=ago(minutes=1))
    client.force_login(healthy.admin)
    assert reverse("monitoring") in client.get(reverse("admin:index")).content.decode()
    page = client.get(reverse("monitoring")).content.decode()
    assert date_format(timezone.localtime(box.last_success_at), "SHORT_DATETIME_FORMAT") in page
    assert box.last_success_at.isoformat()[:19] not in page
