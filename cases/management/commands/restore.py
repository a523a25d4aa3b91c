from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.backups import restore_backup
from cases.refusals import Refused


class Command(BaseCommand):
    help = "Restore a backup archive into a freshly migrated, empty database and empty file storage."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive: Path, **options):
        try:
            summary = restore_backup(archive)
        except Refused as refusal:
            raise CommandError(refusal.message) from refusal
        self.stdout.write(
            f"Restored {archive}: {summary.projects} projects, {summary.users} accounts, "
            f"{summary.originals} original files. Everyone signs in again."
        )
