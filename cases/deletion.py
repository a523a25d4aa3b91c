"""Deleting projects, cases and transcripts together with their original files.

Interviews are confidential, so deleting the rows must not leave the uploaded originals (or folders named
after a project) in storage. The files go only once the deletion commits: a delete that rolls back keeps its
rows and its files, the mirror of `cases.importing.uploads.import_upload`, which stores row and file all or
nothing.
"""

import posixpath
from functools import partial

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import QuerySet

from cases.models import Case, Project, Transcript, project_jobs_folder, project_originals_folder

Deletable = Project | Case | Transcript


@transaction.atomic
def delete_with_originals(*, doomed: Deletable | QuerySet) -> None:
    """Deletes `doomed` (a project, case or transcript, or a queryset of one of those models) with everything
    under it, and once that commits removes the transcripts' original files and the folders left empty."""
    rows = doomed if isinstance(doomed, QuerySet) else type(doomed).objects.filter(pk=doomed.pk)
    if rows.model is Project:
        transcripts = Transcript.objects.filter(case__project__in=rows)
        folders = [
            folder(pk)
            for pk in rows.values_list("pk", flat=True)
            for folder in (project_originals_folder, project_jobs_folder)
        ]
    elif rows.model is Case:
        transcripts, folders = Transcript.objects.filter(case__in=rows), []
    elif rows.model is Transcript:
        transcripts, folders = rows, []
    else:
        raise TypeError(f"delete_with_originals deletes projects, cases or transcripts, not {rows.model}.")
    names = list(transcripts.exclude(original="").values_list("original", flat=True))
    rows.delete()
    storage = Transcript._meta.get_field("original").storage
    # Robust: the rows are gone by then, so a file that cannot be removed is logged, not a failed request.
    transaction.on_commit(partial(_remove, storage, names=names, folders=folders), robust=True)


def remove_original(storage: Storage, name: str) -> None:
    """Deletes one stored original and the folders of the layout it leaves empty."""
    storage.delete(name)
    _prune(storage, posixpath.dirname(name))


def _remove(storage: Storage, *, names: list[str], folders: list[str]) -> None:
    for name in names:
        remove_original(storage, name)
    for folder in folders:
        _remove_tree(storage, folder)


def _prune(storage: Storage, folder: str) -> None:
    """Removes `folder` and its parents while they are empty, up to the top-level folder of the layout."""
    while posixpath.dirname(folder):
        try:
            if storage.listdir(folder) != ([], []):
                return
        except FileNotFoundError:
            pass
        else:
            storage.delete(folder)
        folder = posixpath.dirname(folder)


def _remove_tree(storage: Storage, folder: str) -> None:
    """Everything stored under a deleted project's folder is that project's, including a crashed upload's."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        storage.delete(posixpath.join(folder, name))
    for name in folders:
        _remove_tree(storage, posixpath.join(folder, name))
    storage.delete(folder)
