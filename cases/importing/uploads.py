"""Turning one uploaded file into a transcript: extract its text, keep the original, all or nothing.

A file either becomes a transcript with its original stored under the media root and its speaker labels, or
leaves nothing behind: no row, no file and no folder made for it. A batch calls this once per file, so one
bad file never costs the good ones.
"""

from dataclasses import dataclass
from datetime import date

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cases.deletion import remove_original
from cases.importing.extract import check_size, extract
from cases.models import Case, Transcript
from cases.speakers import store


@dataclass(frozen=True)
class Metadata:
    """What the uploader says about every file of a batch; each transcript can be edited afterwards."""

    language: str = ""
    respondent_role: str = ""
    interview_date: date | None = None


def import_upload(
    *, case: Case, upload: UploadedFile, user, encoding: str | None = None, metadata: Metadata = Metadata()
) -> Transcript:
    """Creates a transcript from `upload`; raises `Refused` (and stores nothing) when it cannot."""
    name = upload.name or "transcript"
    check_size(filename=name, size=upload.size or 0)  # before reading: an oversized file never sits in memory
    data = upload.read()
    extracted = extract(filename=name, data=data, encoding=encoding or None)
    transcript = Transcript(
        case=case,
        title=extracted.title[: Transcript._meta.get_field("title").max_length],
        language=metadata.language,
        respondent_role=metadata.respondent_role,
        interview_date=metadata.interview_date,
        text=extracted.text,
        original_name=name[: Transcript._meta.get_field("original_name").max_length],
        created_by=user,
    )
    # Named before it is written (in a folder of its own, so the name is free): a write that fails half-way
    # leaves bytes under this name, and they are removed with everything else.
    target = transcript.original.field.generate_filename(transcript, name)
    storage = transcript.original.storage
    try:
        with transaction.atomic():
            transcript.original.name = storage.save(target, ContentFile(data))
            transcript.save()
            store(transcript=transcript, labels=extracted.labels)
    except BaseException:
        for written in {target, transcript.original.name} - {None, ""}:
            if storage.exists(written):
                remove_original(storage, written)
        raise
    return transcript
