"""Loading at start what the first request of each process would otherwise load: every view (through the
URLconf) and every template of the project's own folder, compiled (kept by the cached template loader when
DEBUG is off). Touches no database."""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import get_resolver


def warm() -> int:
    """Imports the views and compiles the project's templates; returns how many templates."""
    get_resolver().url_patterns  # noqa: B018  (imports every URLconf, and with it every view)
    engine = engines["django"]
    compiled = 0
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            engine.get_template(path.relative_to(folder).as_posix())
            compiled += 1
    return compiled
