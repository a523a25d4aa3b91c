import time

from django.core.management.base import BaseCommand

from coding.perf.corpus import make_corpus


class Command(BaseCommand):
    help = "Generate a deterministic synthetic project (76 × scale coded interviews) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--name", default=None)

    def handle(self, *args, scale, seed, name, **options):
        started = time.perf_counter()
        summary = make_corpus(scale=scale, seed=seed, name=name)
        self.stdout.write(
            f"“{summary.project.name}” ({summary.project.pk}): {summary.transcripts} transcripts, "
            f"{summary.segments} segments, {summary.codings} codings in {time.perf_counter() - started:.1f} s"
        )
