"""What a crash can leave behind, found and removed: originals in storage that no transcript row names (a
worker killed between storing the file and committing its row), and uploads Django spooled to
FILE_UPLOAD_TEMP_DIR (files over FILE_UPLOAD_MAX_MEMORY_SIZE) that a killed worker never deleted, and .qdpx
archives kept there for a preview that was never confirmed (`coding.exchange.qdpx.previews`). All hold
confidential interview text.

Only leftovers older than GRACE are removed, so an upload still in flight is never touched. `manage.py
clean_storage` runs this; `make run` and the container run it at start.
"""

import posixpath
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from cases.deletion import remove_original
from cases.models import Transcript

GRACE = timedelta(hours=1)
ORIGINALS = "originals"


@dataclass(frozen=True)
class Cleanup:
    originals: int
    temporary: int


def _files(storage, folder: str):
    try:
        folders, files = storage.listdir(folder)  # object storage has no folders: a prefix lists or is empty
    except FileNotFoundError:
        return
    for name in files:
        yield posixpath.join(folder, name)
    for sub in folders:
        yield from _files(storage, posixpath.join(folder, sub))


def clean(*, grace: timedelta = GRACE) -> Cleanup:
    storage = Transcript._meta.get_field("original").storage
    known = set(Transcript.objects.exclude(original="").values_list("original", flat=True))
    cutoff = timezone.now() - grace
    orphans = [
        name
        for name in _files(storage, ORIGINALS)
        if name not in known and storage.get_modified_time(name) < cutoff
    ]
    for name in orphans:
        remove_original(storage, name)
    return Cleanup(originals=len(orphans), temporary=_clean_temporary(grace))


def _clean_temporary(grace: timedelta) -> int:
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - grace.total_seconds()
    stale = [path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
