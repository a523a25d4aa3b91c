"""Background jobs: work too long for a request, queued for the task worker and watched on a page.

A job is started by `start` (the row, its uploaded file, and a task queued once the row is committed), and its
task hands the work to `run`, which marks the job running, then done with its result or failed with a
sentence. `Progress.step` writes the stage and counts as the work goes: they are committed at once, so a
long read shows its progress; a step taken inside the work's own transaction shows when that commits.

The queue is django-tasks with its database backend: `manage.py db_worker` runs the tasks (`make run` starts
one beside the server; docker compose runs it as its own service). With no worker running, jobs wait.
"""

import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from cases.deletion import remove_original
from cases.models import Job, JobStatus, Project
from cases.refusals import Refused

logger = logging.getLogger("crosscase.jobs")

FAILED = (
    "The job stopped because of an error on the server; nothing was changed. "
    "Try again, or tell the site's administrator."
)
KEEP = timedelta(days=7)  # finished jobs and their files, then `clean_storage` removes them
KEPT_UPLOAD = timedelta(hours=1)  # an archive read for a preview waits this long for its import


def start(
    *,
    project: Project | None,
    user,
    kind: str,
    title: str,
    enqueue: Callable[[str], object],
    upload: File | None = None,
    params: dict | None = None,
    after: Job | None = None,
) -> Job:
    """Records a job and queues `enqueue(job_id)` once the row (and its file) is committed. With `after`, a
    finished job that kept its upload, the new job takes that file over instead of a new one."""
    with transaction.atomic():
        job = Job.objects.create(
            project=project, kind=kind, title=title, created_by=user, params=params or {}
        )
        if after is not None:
            taken = Job.objects.filter(pk=after.pk).exclude(upload="").update(upload="")
            if not taken:  # imported already, or removed after an hour
                raise Refused("The archive read for this preview is no longer kept: upload it again.")
            job.upload, job.upload_name = after.upload.name, after.upload_name
            job.save(update_fields=["upload", "upload_name"])
        elif upload is not None:
            job.upload_name = upload.name.rsplit("/", 1)[-1][:255]
            job.upload.save(job.upload_name, upload, save=False)
            job.save(update_fields=["upload", "upload_name"])
        transaction.on_commit(lambda: enqueue(str(job.pk)))
    return job


class Progress:
    """What the job's page shows while it runs: one stage at a time, with counts when they are known.

    A new stage is written at once; counts within a stage at most every `EVERY` seconds (the page polls each
    second), so a job of thousands of steps does not spend a query on each."""

    EVERY = 0.5

    def __init__(self, job: Job) -> None:
        self.job = job
        self._written = -math.inf

    def step(self, stage: str, *, done: int = 0, total: int = 0) -> None:
        stage, done = stage[:200], min(done, total) if total else 0
        now = time.monotonic()
        if stage != self.job.stage or now - self._written >= self.EVERY:
            Job.objects.filter(pk=self.job.pk).update(stage=stage, done=done, total=total)
            self._written = now
        self.job.stage, self.job.done, self.job.total = stage, done, total


def run(job_id: str, work: Callable[[Job, Progress], None], *, keep_upload: bool = False) -> None:
    """Runs `work(job, progress)` as the job, which may give it a `result` and an `output` file (and, for a
    job that makes its project, the `project`). A `Refused` (a file it will not take) fails the job with its
    sentence, anything else with `FAILED`; what the work wrote in its own transaction is then rolled back by
    that transaction. With `keep_upload`, a job that succeeds keeps its file for a job started `after` it
    (for `KEPT_UPLOAD`); otherwise the file is deleted once the job has run."""
    job = Job.objects.select_related("project").get(pk=job_id)
    if job.status != JobStatus.QUEUED:  # queued twice, or run again by hand: the first run decides
        logger.warning("job %s is %s, not run again", job.pk, job.status)
        return
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, started_at=timezone.now())
    job.status = JobStatus.RUNNING
    try:
        work(job, Progress(job))
    except Refused as refusal:
        _finish(job, status=JobStatus.FAILED, message=refusal.message)
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, status=JobStatus.FAILED, message=FAILED)
    else:
        _finish(job, status=JobStatus.DONE, keep_upload=keep_upload)


def _finish(job: Job, *, status: str, message: str = "", keep_upload: bool = False) -> None:
    job.status, job.message, job.finished_at = status, message, timezone.now()
    if job.total:
        job.done = job.total if status == JobStatus.DONE else job.done
    upload = "" if keep_upload else job.upload.name
    if upload:
        job.upload = ""
    job.save(
        update_fields=[
            "project",
            "status",
            "message",
            "finished_at",
            "done",
            "result",
            "output",
            "output_name",
            "upload",
        ]
    )
    if upload:  # the archive read in was confidential and is not needed once the job has run
        remove_original(Job._meta.get_field("upload").storage, upload)


def remove(*, job: Job) -> None:
    """Deletes a finished job and, once the deletion is committed, its files."""
    names = files_of(Job.objects.filter(pk=job.pk))
    job.delete()
    transaction.on_commit(lambda: _remove_files(names), robust=True)


def expire(*, keep: timedelta = KEEP) -> int:
    """Removes finished jobs older than `keep` and their files, and uploads kept for a later job that never
    came after `KEPT_UPLOAD` (not from a request: at once); how many jobs were removed."""
    now = timezone.now()
    waiting = Job.objects.finished().exclude(upload="").filter(finished_at__lt=now - KEPT_UPLOAD)
    names = list(waiting.values_list("upload", flat=True))
    waiting.update(upload="")
    old = Job.objects.finished().filter(finished_at__lt=now - keep)
    names += files_of(old)
    count, _ = old.delete()
    _remove_files(names)
    return count


def files_of(rows) -> list[str]:
    """The stored names of the files of the jobs `rows`, read before the rows go."""
    return [name for pair in rows.values_list("upload", "output") for name in pair if name]


def _remove_files(names: list[str]) -> None:
    storage = Job._meta.get_field("output").storage
    for name in names:
        remove_original(storage, name)
