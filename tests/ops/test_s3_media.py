"""Attachments on S3: stored in the bucket, not on disk; downloaded in chunks behind the same checks."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings as django_settings
from django.urls import reverse

from tests.factories import make_ticket
from tests.ops.conftest import BUCKET
from tickets.services import NewAttachment

CONTENT = os.urandom(300_000)  # larger than a read chunk: the body is streamed in several


def _ticket_with_file(world):
    return make_ticket(
        tenant=world.tenant,
        requester=world.client,
        attachments=[NewAttachment(filename="отчёт.bin", content=CONTENT)],
    )


def _agent_url(ticket, attachment):
    return f"/t/{ticket.tenant.slug}/agent/tickets/{ticket.display_number}/attachments/{attachment.pk}/"


def test_attachments_go_to_the_bucket_and_come_back_streamed(client, world_a, s3_storage):
    ticket = _ticket_with_file(world_a)
    attachment = ticket.attachments.get()
    keys = [item["Key"] for item in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert keys == [f"media/{attachment.file.name}"]
    assert not any(Path(django_settings.MEDIA_ROOT).rglob("*.bin"))

    client.force_login(world_a.agent)
    response = client.get(_agent_url(ticket, attachment))
    assert response.status_code == 200
    assert response.streaming
    chunks = list(response.streaming_content)
    assert len(chunks) > 1 and b"".join(chunks) == CONTENT
    assert response["Content-Length"] == str(len(CONTENT))
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_portal_download_streams_from_the_bucket_for_the_client(client, world_a, s3_storage):
    ticket = _ticket_with_file(world_a)
    attachment = ticket.attachments.get()
    client.force_login(world_a.client.user)
    url = f"/t/{world_a.tenant.slug}" + reverse(
        "portal:attachment_download",
        urlconf=django_settings.TENANT_URLCONF,
        kwargs={"number": ticket.display_number, "attachment_id": attachment.pk},
    )
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == CONTENT


def test_s3_downloads_keep_the_tenant_and_organisation_walls(client, world_a, world_b, s3_storage):
    ticket = _ticket_with_file(world_a)
    attachment = ticket.attachments.get()
    client.force_login(world_b.agent)
    assert client.get(_agent_url(ticket, attachment).replace("/alpha/", "/beta/")).status_code == 404
    assert client.get(_agent_url(ticket, attachment)).status_code == 404
    client.force_login(world_a.other_client.user)
    url = f"/t/alpha/tickets/{ticket.display_number}/attachments/{attachment.pk}/"
    assert client.get(url).status_code == 404


def test_an_object_missing_from_the_bucket_is_a_404(client, world_a, s3_storage):
    ticket = _ticket_with_file(world_a)
    attachment = ticket.attachments.get()
    s3_storage.delete_object(Bucket=BUCKET, Key=f"media/{attachment.file.name}")
    client.force_login(world_a.agent)
    assert client.get(_agent_url(ticket, attachment)).status_code == 404


def test_s3_bucket_setting_selects_the_s3_storage(monkeypatch):
    """``S3_BUCKET`` in the environment switches the default storage; without it files stay on disk."""
    import json
    import subprocess
    import sys

    code = "from django.conf import settings; import json; print(json.dumps(settings.STORAGES['default']))"
    base = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    env = {
        **base,
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "S3_BUCKET": "b",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
        "S3_ADDRESSING_STYLE": "path",
    }
    run = [sys.executable, "-c", "import django; django.setup(); " + code]
    s3 = json.loads(
        subprocess.run(
            run, env=env, capture_output=True, text=True, check=True, cwd=django_settings.BASE_DIR
        ).stdout
    )
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "b" and s3["OPTIONS"]["addressing_style"] == "path"
    local = json.loads(
        subprocess.run(
            run,
            env={**base, "DJANGO_SETTINGS_MODULE": "helpdesk.settings"},
            capture_output=True,
            text=True,
            check=True,
            cwd=django_settings.BASE_DIR,
        ).stdout
    )
    assert local["BACKEND"] == "django.core.files.storage.FileSystemStorage"
