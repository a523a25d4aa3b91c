import os

from django.core.management.base import BaseCommand, CommandError

from coding.perf.loadtest import run


class Command(BaseCommand):
    help = (
        "Serve with gunicorn (production settings) on 127.0.0.1 and let simulated coders apply and delete "
        "codes for a bounded time; then check that nothing the clients were told was saved is lost."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=16)
        parser.add_argument("--duration", type=float, default=60.0, help="seconds")
        parser.add_argument(
            "--workers",
            type=int,
            default=(os.cpu_count() or 1) + 1,
            help="gunicorn worker processes; default one per core and one more (the app is CPU-bound: more "
            "workers only queue on the cores)",
        )
        parser.add_argument("--small", action="store_true", help="a tiny corpus, for a smoke run")
        parser.add_argument("--keep", action="store_true", help="keep the generated project")

    def handle(self, *args, clients, duration, workers, small, keep, **options):
        report = run(clients=clients, seconds=duration, workers=workers, small=small, keep=keep)
        for line in report.lines():
            self.stdout.write(line)
        for error in report.errors[:10]:
            self.stderr.write(f"  {error}")
        if not report.ok:
            raise CommandError("Load test failed: errors, lost or unexpected codings (see above).")
        self.stdout.write(
            self.style.SUCCESS("Load test passed: no errors, nothing lost, nothing duplicated.")
        )
