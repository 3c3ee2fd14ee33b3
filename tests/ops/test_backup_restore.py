"""A populated database backed up, restored into a fresh one: the same journal and the same files."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from tests.factories import make_ticket
from tickets import services
from tickets.services import NewAttachment

SNAPSHOT = """
import hashlib, json
from tickets.models import Attachment
print(json.dumps(sorted(
    [a.ticket.display_number, a.filename, a.file.name, hashlib.sha256(a.file.open("rb").read()).hexdigest()]
    for a in Attachment.objects.select_related("ticket__tenant")
)))
"""


def _populate(world) -> None:
    first = make_ticket(
        tenant=world.tenant,
        requester=world.client,
        subject="Не печатается счёт",
        attachments=[NewAttachment(filename="скриншот.png", content=b"\x89PNG\r\n\x1a\n" + os.urandom(5000))],
    )
    services.ticket_reply(
        ticket=first,
        body_text="Пришлите, пожалуйста, журнал.",
        actor=world.agent,
        attachments=[NewAttachment(filename="инструкция.txt", content="Как снять журнал".encode())],
    )
    make_ticket(tenant=world.tenant, requester=world.other_client, subject="Вторая заявка")


def _journal() -> list[dict]:
    out = io.StringIO()
    call_command("journal", tenant="alpha", format="json", stdout=out)
    return json.loads(out.getvalue())


def _snapshot_here() -> list:
    from tickets.models import Attachment

    return sorted(
        [
            a.ticket.display_number,
            a.filename,
            a.file.name,
            hashlib.sha256(a.file.open("rb").read()).hexdigest(),
        ]
        for a in Attachment.objects.select_related("ticket__tenant")
    )


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def fresh_database(tmp_path):
    """The target of the restore: a new, empty database of the same kind, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    admin = {
        "host": params["HOST"] or "",
        "port": params["PORT"] or 5432,
        "user": params["USER"],
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    user = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
    try:
        yield f"postgres://{user}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    finally:
        with psycopg.connect(**admin) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_fresh_database_keeps_journal_and_files(
    world_a, world_b, tmp_path, fresh_database
):
    _populate(world_a)
    journal, files = _journal(), _snapshot_here()
    assert len(journal) == 4 and len(files) == 2

    out = io.StringIO()
    call_command("backup", str(tmp_path / "backup"), stdout=out)
    assert "2 files" in out.getvalue()
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor and manifest["files"] == 2

    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_URL", "DJANGO_MEDIA_ROOT", "S3_"))
        },
        "DATABASE_URL": fresh_database,
        "DJANGO_MEDIA_ROOT": str(tmp_path / "restored-media"),
        "HELPDESK_VAR_DIR": str(tmp_path / "var"),
    }
    assert "restored" in _manage(env, "restore", str(tmp_path / "backup"))
    _manage(env, "migrate", "--noinput")  # nothing to apply: the dump has the same migrations
    assert json.loads(_manage(env, "journal", "--tenant", "alpha", "--format", "json")) == journal
    assert json.loads(_manage(env, "shell", "-c", SNAPSHOT).strip().splitlines()[-1]) == files


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty(world_a, tmp_path):
    call_command("backup", str(tmp_path / "backup"), stdout=io.StringIO())
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(tmp_path / "backup"), stdout=io.StringIO())


def test_backup_refuses_an_existing_directory(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("backup", str(tmp_path), stdout=io.StringIO())
