import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from coding.perf.benchmark import run


class Command(BaseCommand):
    help = (
        "Time the real views on the configured database (median, p95, queries) and write JSON. "
        "Creates its own synthetic projects and deletes them afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, action="append", help="corpus scale(s); default 1 and 10")
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--small", action="store_true", help="tiny corpus, for a smoke run in seconds")
        parser.add_argument("--keep", action="store_true", help="keep the generated projects")
        parser.add_argument("--json", default="bench-results/bench.json")

    def handle(self, *args, scale, repeat, small, keep, json: str, **options):
        scales = scale or [1, 10]
        results = run(scales=scales, repeat=repeat, small=small, keep=keep, report=self.stdout.write)
        vendor = connection.vendor
        width = max(len(result.name) for result in results)
        self.stdout.write(f"\n{'operation'.ljust(width)}  median ms    p95 ms  queries  notes  ({vendor})")
        for result in results:
            notes = ", ".join(f"{key}={value}" for key, value in result.extra.items())
            timing = f"{result.median_ms:9.1f}  {result.p95_ms:8.1f}  {result.queries:7d}"
            self.stdout.write(f"{result.name.ljust(width)}  {timing}  {notes}")
        path = Path(json)
        if not path.is_absolute():
            path = Path(settings.BASE_DIR) / path
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"database": vendor, "scales": scales, "repeat": repeat, "small": small}
        payload["results"] = [result.as_dict() for result in results]
        path.write_text(json_dumps(payload), encoding="utf-8")
        self.stdout.write(f"\nWrote {path}")


def json_dumps(payload: dict) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False)
