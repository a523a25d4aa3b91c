"""After a crash: originals without a row and stale spooled uploads are found and removed, nothing else."""

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from cases.storage_cleanup import Cleanup, _files, clean
from tests.factories import TranscriptFactory

HOUR_AND_A_BIT = 3700


def age(path, seconds: int = HOUR_AND_A_BIT) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_killed_uploads_file_and_spool_are_removed_and_everything_else_kept(settings, tmp_path, project):
    kept = TranscriptFactory(case__project=project)
    kept.original.save("kept.txt", ContentFile(b"R01: kept"))
    age(default_storage.path(kept.original.name))
    # What a worker killed after storing the original, before committing its row, leaves:
    orphan = default_storage.save(f"originals/{project.pk}/abc123/interview.docx", ContentFile(b"secret"))
    age(default_storage.path(orphan))
    in_flight = default_storage.save(f"originals/{project.pk}/def456/now.txt", ContentFile(b"uploading"))
    stale_spool, fresh_spool = (
        settings.FILE_UPLOAD_TEMP_DIR / "tmp1.upload",
        settings.FILE_UPLOAD_TEMP_DIR / "tmp2",
    )
    stale_spool.write_bytes(b"44 MB of interview")
    fresh_spool.write_bytes(b"being read now")
    age(stale_spool)

    out = StringIO()
    call_command("clean_storage", stdout=out)

    assert (
        "Removed 1 original file(s) without a transcript and 1 stale temporary upload(s);" in out.getvalue()
    )
    assert not default_storage.exists(orphan)
    assert not default_storage.exists(f"originals/{project.pk}/abc123")  # its folder went with it
    assert default_storage.exists(kept.original.name) and default_storage.exists(in_flight)
    assert not stale_spool.exists() and fresh_spool.exists()
    assert clean() == Cleanup(originals=0, temporary=0)  # a second run finds nothing


def test_an_empty_site_has_nothing_to_clean(db, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "absent"
    assert clean().originals == 0 and clean().temporary == 0


@pytest.mark.parametrize("step", ["storing the file", "saving the row", "storing the speaker labels"])
def test_an_upload_failing_at_any_step_leaves_nothing_for_the_cleanup(step, monkeypatch, case, coder):
    from django.core.files.storage import FileSystemStorage

    from cases.importing import uploads
    from cases.models import Transcript

    write = FileSystemStorage._save

    def written_then_failed(storage, name, content):
        write(storage, name, content)  # the bytes are on disk when the failure comes
        raise OSError(f"failed while {step}")

    def failed(*args, **kwargs):
        raise OSError(f"failed while {step}")

    patch = {
        "storing the file": (FileSystemStorage, "_save", written_then_failed),
        "saving the row": (Transcript, "save", failed),
        "storing the speaker labels": (uploads, "store", failed),
    }[step]
    monkeypatch.setattr(*patch)
    upload = SimpleUploadedFile("interview.txt", b"Interviewer: Who owns it?\nR07: We do.\n")
    with pytest.raises(OSError, match=step):
        uploads.import_upload(case=case, upload=upload, user=coder)
    monkeypatch.undo()
    assert not Transcript.objects.exists()
    assert list(_files(default_storage, "originals")) == []
    assert clean(grace=timedelta(0)) == Cleanup(originals=0, temporary=0)
