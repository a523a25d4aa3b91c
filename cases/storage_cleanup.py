"""What a crash can leave behind, found and removed: originals in storage that no transcript row names (a
worker killed between storing the file and committing its row), job files that no job names, uploads Django
spooled to FILE_UPLOAD_TEMP_DIR (files over FILE_UPLOAD_MAX_MEMORY_SIZE) that a killed worker never deleted.
All hold confidential interview text. Finished jobs past `cases.jobs.KEEP` go with their files, and archives
read for a preview that was not imported within `cases.jobs.KEPT_UPLOAD`.

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

from cases import jobs
from cases.deletion import remove_original
from cases.models import Job, Transcript

GRACE = timedelta(hours=1)
ORIGINALS = "originals"
JOBS = "jobs"


@dataclass(frozen=True)
class Cleanup:
    originals: int
    temporary: int
    jobs: int = 0


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
    expired = jobs.expire()
    originals = _clean_orphans(
        Transcript._meta.get_field("original").storage,
        ORIGINALS,
        known=set(Transcript.objects.exclude(original="").values_list("original", flat=True)),
        grace=grace,
    )
    job_files = set(jobs.files_of(Job.objects.all()))
    orphaned_jobs = _clean_orphans(Job._meta.get_field("upload").storage, JOBS, known=job_files, grace=grace)
    return Cleanup(originals=originals, temporary=_clean_temporary(grace), jobs=expired + orphaned_jobs)


def _clean_orphans(storage, folder: str, *, known: set[str], grace: timedelta) -> int:
    cutoff = timezone.now() - grace
    orphans = [
        name
        for name in _files(storage, folder)
        if name not in known and storage.get_modified_time(name) < cutoff
    ]
    for name in orphans:
        remove_original(storage, name)
    return len(orphans)


def _clean_temporary(grace: timedelta) -> int:
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - grace.total_seconds()
    stale = [path for path in folder.iterdir() if path.is_file() and path.stat().st_mtime < cutoff]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)
