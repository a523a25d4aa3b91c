"""Backup and restore: a site's tables and original files round-trip through one archive."""

from io import StringIO

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from accounts.models import Profile
from cases.models import Project, Transcript
from coding.demo.seed import ensure_demo
from coding.models import Coding, Segment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
ORIGINAL = b"Interviewer: Who owns the data?\nR07: The bureau says the records are ours alone.\n"


def snapshot() -> dict:
    return {
        "projects": sorted(Project.objects.values_list("pk", "name")),
        "quotations": sorted(
            (segment.transcript.title, segment.number, segment.transcript.text[segment.start : segment.end])
            for segment in Segment.objects.select_related("transcript")
        ),
        "codings": Coding.objects.count(),
        "names": sorted(Profile.objects.values_list("user__username", "display_name")),
    }


def test_a_site_round_trips_through_one_archive(tmp_path, settings):
    for gone in UserFactory.create_batch(3):  # the site's users do not start at id 1
        gone.delete()
    demo = ensure_demo()
    transcript = Transcript.objects.filter(case__project=demo.project).first()
    transcript.original_name = "interview.txt"
    transcript.original.save("interview.txt", ContentFile(ORIGINAL))
    stored_as = transcript.original.name
    TOTP.activate(transcript.case.project.memberships.first().user, "JBSWY3DPEHPK3PXP")
    before = snapshot()
    archive = tmp_path / "site.tar.gz"

    call_command("backup", str(archive), stdout=StringIO())
    call_command("flush", interactive=False, verbosity=0)
    default_storage.delete(stored_as)
    call_command("restore", str(archive), stdout=StringIO())

    assert snapshot() == before
    assert before["codings"] > 25
    with default_storage.open(stored_as, "rb") as restored:
        assert restored.read() == ORIGINAL
    assert authenticate(username=demo.coder.username, password=demo.coder.password) is not None
    assert Authenticator.objects.count() == 1


def test_restore_refuses_a_database_that_is_not_empty(tmp_path):
    ensure_demo()
    archive = tmp_path / "site.tar.gz"
    call_command("backup", str(archive), stdout=StringIO())
    with pytest.raises(CommandError, match="Restore into an empty database"):
        call_command("restore", str(archive))


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    import tarfile

    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(__file__, arcname="notes.txt")
    with pytest.raises(CommandError, match="is not a Crosscase backup"):
        call_command("restore", str(archive))
