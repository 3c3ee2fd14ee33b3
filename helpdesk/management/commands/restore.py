"""``python manage.py restore DIRECTORY``: a backup into an empty database and the configured storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from helpdesk.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by 'manage.py backup' into an empty database; then run 'manage.py migrate'."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        try:
            summary = restore(directory)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"restored {summary.database} and {summary.files} files ({summary.bytes} bytes) from {directory}"
        )
