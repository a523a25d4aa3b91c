from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cases.models import Project
from cases.refusals import Refused
from coding.exchange.qdpx.export import write_qdpx


class Command(BaseCommand):
    help = "Write a whole project as a REFI-QDA project archive (.qdpx), as the project page's download does."

    def add_arguments(self, parser):
        parser.add_argument("project", help="project UUID or exact name")
        parser.add_argument("file", type=Path, help="the .qdpx file to write")

    def handle(self, *args, project, file, **options):
        target = Project.objects.by_id_or_name(project)
        if target is None:
            raise CommandError(f"No project with UUID or name “{project}”.")
        try:
            with file.open("wb") as stream:
                summary = write_qdpx(project=target, file=stream)
        except Refused as refusal:
            file.unlink(missing_ok=True)
            raise CommandError(refusal.message) from refusal
        self.stdout.write(
            f"{file}: {summary.sources} sources, {summary.codes} codes, {summary.selections} selections, "
            f"{summary.codings} codings, {summary.users} users, {summary.notes} notes, "
            f"{summary.cases} cases, {summary.variables} variables, {summary.sets} sets."
        )
