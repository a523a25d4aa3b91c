from pathlib import Path

from django.core.management.base import BaseCommand

from cases.backups import write_backup


class Command(BaseCommand):
    help = "Write every table and every original transcript file into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="where to write it, e.g. crosscase-2026-12-01.tar.gz")

    def handle(self, *args, archive: Path, **options):
        summary = write_backup(archive)
        self.stdout.write(
            f"Wrote {archive}: {summary.projects} projects, {summary.users} accounts, "
            f"{summary.originals} original files."
        )
