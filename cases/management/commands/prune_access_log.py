from django.conf import settings
from django.core.management.base import BaseCommand

from cases.access_log import prune


class Command(BaseCommand):
    help = "Delete access log rows older than ACCESS_LOG_DAYS (or --days); run it daily, e.g. from cron."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.ACCESS_LOG_DAYS)

    def handle(self, *args, days: int, **options):
        self.stdout.write(f"Deleted {prune(days)} access log rows older than {days} days.")
