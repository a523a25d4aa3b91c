"""One archive holds a Crosscase site: every table as Django's portable JSON (so a SQLite site restores onto
PostgreSQL and back) and every original transcript file, read and written through the storage API (so it works
the same with files on disk or in object storage). Sessions and the cache are left out: after a restore
everyone signs in again. Restore with the same SECRET_KEY, which two-factor secrets are encrypted with.
"""

import io
import json
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from cases.models import Project, Transcript
from cases.refusals import Refused

DATA = "data.json"
ORIGINALS = "originals/"
MANIFEST = "manifest.json"
LEFT_OUT = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]


@dataclass(frozen=True)
class Summary:
    projects: int
    users: int
    originals: int


def write_backup(path: Path) -> Summary:
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / DATA
        call_command(
            "dumpdata",
            exclude=LEFT_OUT,
            # Every row keeps its id (a profile's id is its user's); the content types and permissions that
            # `migrate` makes afresh are referred to by name.
            natural_foreign=True,
            output=str(data),
            verbosity=0,
        )
        names = list(Transcript.objects.exclude(original="").values_list("original", flat=True))
        summary = Summary(Project.objects.count(), get_user_model().objects.count(), len(names))
        with tarfile.open(path, "w:gz") as archive:
            archive.add(data, arcname=DATA)
            for name in names:
                with default_storage.open(name, "rb") as original:
                    content = original.read()
                _add(archive, ORIGINALS + name, content)
            _add(archive, MANIFEST, json.dumps(vars(summary)).encode())
    return summary


def _add(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    member = tarfile.TarInfo(name)
    member.size = len(content)
    archive.addfile(member, io.BytesIO(content))


def restore_backup(path: Path) -> Summary:
    """Into a freshly migrated, empty database: all of it, or (on any error) none of the rows."""
    if Project.objects.exists() or get_user_model().objects.exists():
        raise Refused("Restore into an empty database: this one already has projects or accounts.")
    with tarfile.open(path, "r:gz") as archive:
        members = {member.name: member for member in archive.getmembers() if member.isfile()}
        if DATA not in members or MANIFEST not in members:
            raise Refused(f"{path.name} is not a Crosscase backup: it has no {DATA} or {MANIFEST}.")
        expected = Summary(**json.loads(archive.extractfile(members[MANIFEST]).read()))
        written = []
        try:
            with tempfile.TemporaryDirectory() as scratch, transaction.atomic():
                data = Path(scratch) / DATA
                with data.open("wb") as target:
                    shutil.copyfileobj(archive.extractfile(members[DATA]), target)
                call_command("loaddata", str(data), verbosity=0)
                for name in Transcript.objects.exclude(original="").values_list("original", flat=True):
                    member = members.get(ORIGINALS + name)
                    if member is None:
                        raise Refused(f"The backup lacks the original file {name}.")
                    content = ContentFile(archive.extractfile(member).read())
                    written.append(default_storage.save(name, content))
                    if written[-1] != name:
                        raise Refused(f"{name} is already in storage: restore into empty storage.")
        except BaseException:
            for name in written:
                default_storage.delete(name)
            raise
    found = Summary(Project.objects.count(), get_user_model().objects.count(), len(written))
    if found != expected:
        raise Refused(f"The restored site does not match the backup's manifest: {found} against {expected}.")
    return found
