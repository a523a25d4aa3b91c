from django.core.management.base import BaseCommand

from cases.storage_cleanup import clean


class Command(BaseCommand):
    help = (
        "Remove originals and job files that nothing names and stale spooled uploads (older than an hour), "
        "and finished background jobs older than a week."
    )

    def handle(self, *args, **options):
        found = clean()
        self.stdout.write(
            f"Removed {found.originals} original file(s) without a transcript and "
            f"{found.temporary} stale temporary upload(s); removed {found.jobs} old job(s) or job file(s)."
        )
