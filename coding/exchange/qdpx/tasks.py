""".qdpx archives in the background: at scale, reading, importing or writing one outlasts a request.

`start_export` records the job and queues `export_project` for the task worker, which writes the archive to
the job's file, reporting each source as it goes; the job's page then offers the download. `start_preview`
and `start_import` do the same for the two steps of an import (see `import_jobs`).
"""

import tempfile

from django.core.files import File
from django_tasks import task

from cases import jobs
from cases.models import Job, Project
from coding.analysis.exports import export_filename
from coding.exchange.qdpx.export import write_qdpx
from coding.exchange.qdpx.import_jobs import import_previewed, read_for_preview

EXPORT = "qdpx-export"
PREVIEW = "qdpx-preview"
IMPORT = "qdpx-import"
# An archive this large is written in memory; a larger one goes to a temporary file on the worker's disk.
IN_MEMORY = 8 * 2**20


def start_export(*, project: Project, user) -> Job:
    return jobs.start(
        project=project,
        user=user,
        kind=EXPORT,
        title="Exporting the project as .qdpx",
        enqueue=export_project.enqueue,
    )


def start_preview(*, project: Project | None, user, upload) -> Job:
    return jobs.start(
        project=project,
        user=user,
        kind=PREVIEW,
        title="Reading a .qdpx archive for its preview",
        enqueue=preview_archive.enqueue,
        upload=upload,
    )


def start_import(*, preview: Job, user, options: dict) -> Job:
    """`options`: the new project's `name`, or the `case` (its id) or `case_name` for transcripts no case of
    the archive lists, and the `study_name` to import it as."""
    return jobs.start(
        project=preview.project,
        user=user,
        kind=IMPORT,
        title=f"Importing {preview.upload_name}",
        enqueue=import_archive.enqueue,
        params=options,
        after=preview,
    )


@task()
def preview_archive(job_id: str) -> None:
    jobs.run(job_id, read_for_preview, keep_upload=True)


@task()
def import_archive(job_id: str) -> None:
    jobs.run(job_id, import_previewed)


@task()
def export_project(job_id: str) -> None:
    jobs.run(job_id, _export)


def _export(job: Job, progress: jobs.Progress) -> None:
    project = job.project
    progress.step("Reading the project")
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as file:
        summary = write_qdpx(project=project, file=file, progress=progress.step)
        progress.step("Saving the archive", done=summary.sources, total=summary.sources)
        file.seek(0)
        job.output_name = export_filename(project=project, what="project", extension="qdpx")
        job.output.save(job.output_name, File(file), save=False)
    job.result = {
        "summary": [
            ["Sources", summary.sources],
            ["Codes", summary.codes],
            ["Quotations (selections)", summary.selections],
            ["Codings", summary.codings],
            ["Coders (users)", summary.users],
            ["Memos (notes)", summary.notes],
            ["Cases", summary.cases],
            ["Variables", summary.variables],
            ["Sets (interview sets, code levels and frameworks)", summary.sets],
        ]
    }
