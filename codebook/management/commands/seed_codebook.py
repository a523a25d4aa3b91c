from django.core.management.base import BaseCommand, CommandError

from cases.models import Project
from codebook.seeding import available_frameworks, seed_framework


class Command(BaseCommand):
    help = "Seed a project's codebook with a theoretical framework (idempotent: existing codes are kept)."

    def add_arguments(self, parser):
        parser.add_argument("project", help="project UUID or exact name")
        parser.add_argument("--framework", action="append", choices=available_frameworks(), required=True)

    def handle(self, *args, project, framework, **options):
        target = Project.objects.by_id_or_name(project)
        if target is None:
            raise CommandError(f"No project with UUID or name “{project}”.")
        for key in framework:
            created = seed_framework(project=target, framework=key)
            self.stdout.write(f"{key}: {created} code(s) created in “{target.name}”.")
