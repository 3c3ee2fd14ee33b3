"""``python manage.py backup DIRECTORY``: the database and every stored file, in one new directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpdesk.backups import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump / SQLite backup) and every stored file into a new directory."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", type=Path, help="a directory that does not exist yet")

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        try:
            summary = backup(directory)
        except (BackupError, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"backed up {summary.database} and {summary.files} files ({summary.bytes} bytes) to {directory}"
        )
