"""Backup and restore: the database (``pg_dump`` custom format, or SQLite's online backup) plus every
stored file (attachments), read through the configured storage so local disk and S3 back up alike.

A backup is a directory: ``database.dump`` (PostgreSQL) or ``database.sqlite3``, ``media.tar`` (the
files under their storage names) and ``manifest.json`` (when, from which database, what it holds).
Restore goes into an **empty** database (create it first; ``pg_restore`` refuses to mix), puts the
files back under the same names, and leaves ``manage.py migrate`` to the operator (a backup of an
older version is brought up to date by the migrations, as on any upgrade).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import FileField
from django.utils import timezone

DUMP = "database.dump"
SQLITE = "database.sqlite3"
MEDIA = "media.tar"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


@dataclass
class BackupSummary:
    directory: Path
    database: str
    files: int
    bytes: int


def stored_file_names() -> Iterator[str]:
    """Every name a ``FileField`` of any model points at (attachments today, whatever comes later)."""
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, FileField):
                yield from model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                )


def _pg_env_and_args(settings_dict: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    args = []
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings_dict.get(key):
            args += [flag, str(settings_dict[key])]
    return env, args


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[:2000]}")


def backup(directory: Path) -> BackupSummary:
    """Write a backup of the default database and every stored file into ``directory`` (created)."""
    directory.mkdir(parents=True, exist_ok=False)
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args(settings_dict)
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *args,
                "--file",
                str(directory / DUMP),
                settings_dict["NAME"],
            ],
            env,
        )
        database = DUMP
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(directory / SQLITE)
        try:
            connection.connection.backup(target)  # SQLite's online backup: consistent while in use
        finally:
            target.close()
        database = SQLITE
    else:  # pragma: no cover - the project runs on these two
        raise BackupError(f"no backup for {connection.vendor}")
    files = total = 0
    with tarfile.open(directory / MEDIA, "w") as archive:
        for name in sorted(set(stored_file_names())):
            if not default_storage.exists(name):
                continue  # a row whose file is already gone: nothing to keep
            with default_storage.open(name, "rb") as handle:
                info = tarfile.TarInfo(name)
                info.size = default_storage.size(name)
                info.mtime = int(timezone.now().timestamp())
                archive.addfile(info, handle)
            files += 1
            total += info.size
    manifest = {
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "database": database,
        "files": files,
        "bytes": total,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return BackupSummary(directory, database, files, total)


def _is_empty_database() -> bool:
    return not connection.introspection.table_names()


def restore(directory: Path) -> BackupSummary:
    """Restore ``directory`` into the (empty) default database and the configured storage."""
    manifest = json.loads((directory / MANIFEST).read_text())
    if not _is_empty_database():
        raise BackupError("the target database is not empty: restore into a freshly created database")
    settings_dict = connection.settings_dict
    if manifest["vendor"] != connection.vendor:
        raise BackupError(f"a {manifest['vendor']} backup cannot be restored into {connection.vendor}")
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args(settings_dict)
        connection.close()
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                *args,
                "--dbname",
                settings_dict["NAME"],
                str(directory / DUMP),
            ],
            env,
        )
    else:
        connection.close()
        shutil.copyfile(directory / SQLITE, settings_dict["NAME"])
    files = total = 0
    with tarfile.open(directory / MEDIA) as archive:
        for member in archive:
            if not member.isfile():
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            if default_storage.exists(member.name):
                default_storage.delete(member.name)
            saved = default_storage.save(member.name, File(source, name=member.name))
            if saved != member.name:
                raise BackupError(f"storage renamed {member.name} to {saved}")
            files += 1
            total += member.size
    return BackupSummary(directory, manifest["database"], files, total)
