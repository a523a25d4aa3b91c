"""Deleting a project, a case or a transcript leaves nothing of it in MEDIA_ROOT, and only once it commits."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from cases.deletion import delete_with_originals
from cases.importing.uploads import import_upload
from cases.models import Case, Project, Transcript
from tests.factories import CaseFactory, MembershipFactory, UserFactory


def upload(case, user, name="interview.txt") -> Transcript:
    data = f"Interviewer: Who owns the data?\n\nR01: {name} says the bureau does.\n".encode()
    return import_upload(case=case, upload=SimpleUploadedFile(name, data), user=user)


def stored(settings) -> set[str]:
    """Every file and folder under MEDIA_ROOT, as paths relative to it."""
    root = settings.MEDIA_ROOT
    return {path.relative_to(root).as_posix() for path in root.rglob("*")} if root.exists() else set()


def traces_of(transcript: Transcript) -> set[str]:
    """The transcript's original and the folder made for it."""
    name = transcript.original.name
    return {name, name.rsplit("/", 1)[0]}


def traces(settings, *objects) -> set[str]:
    """Stored paths that name one of `objects` (a project's id, a transcript's file or its folder)."""
    marks = set()
    for obj in objects:
        marks |= traces_of(obj) if isinstance(obj, Transcript) else {str(obj.pk)}
    return {path for path in stored(settings) if any(mark in path for mark in marks)}


@pytest.fixture
def other_project_file(db, settings):
    """A transcript of another team's project: no delete here may touch its file."""
    case = CaseFactory(name="Elsewhere")
    user = MembershipFactory(project=case.project).user
    transcript = upload(case, user, "other team.txt")
    assert (settings.MEDIA_ROOT / transcript.original.name).is_file()
    return transcript


def test_project_delete_leaves_nothing_of_the_project_in_media_root(
    client_for, owner, project, case, settings, other_project_file, django_capture_on_commit_callbacks
):
    first = upload(case, owner, "R01.txt")
    second = upload(CaseFactory(project=project, name="City Y"), owner, "R02.txt")
    Transcript.objects.create(case=case, title="Typed in, no original", text="Interviewer: hello")
    assert len(traces(settings, project)) == 5  # the project's folder, a folder per file, two files
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(
            reverse("cases:project_delete", args=[project.pk]), {"confirm_name": project.name}
        )
    assert response.status_code == 302 and not Project.objects.filter(pk=project.pk).exists()
    assert traces(settings, project, first, second) == set()
    other = other_project_file.original.name
    assert stored(settings) == {"originals", *(other.rsplit("/", n)[0] for n in (2, 1, 0))}


def test_project_delete_also_removes_what_a_crashed_upload_left_in_its_folder(
    owner, project, case, settings, django_capture_on_commit_callbacks
):
    upload(case, owner)
    stray = settings.MEDIA_ROOT / "originals" / str(project.pk) / "0123abcd" / "half written.docx"
    stray.parent.mkdir()
    stray.write_bytes(b"PK")
    with django_capture_on_commit_callbacks(execute=True):
        delete_with_originals(doomed=project)
    assert stored(settings) == {"originals"}


def test_case_delete_removes_its_originals_and_keeps_its_siblings(
    client_for, owner, project, case, settings, other_project_file, django_capture_on_commit_callbacks
):
    doomed = [upload(case, owner, "R01.txt"), upload(case, owner, "R02.txt")]
    sibling = upload(CaseFactory(project=project, name="City Y"), owner, "R03.txt")
    before = stored(settings)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(reverse("cases:case_delete", args=[project.pk, case.pk]))
    assert response.status_code == 302 and not Case.objects.filter(pk=case.pk).exists()
    assert traces(settings, *doomed) == set()
    assert stored(settings) == before - {path for t in doomed for path in traces_of(t)}
    assert (settings.MEDIA_ROOT / sibling.original.name).read_bytes().startswith(b"Interviewer")


def test_transcript_delete_removes_its_original_and_its_folder(
    client_for, owner, project, case, settings, other_project_file, django_capture_on_commit_callbacks
):
    doomed, kept = upload(case, owner, "R01.txt"), upload(case, owner, "R02.txt")
    before = stored(settings)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).post(reverse("cases:transcript_delete", args=[project.pk, doomed.pk]))
    assert not Transcript.objects.filter(pk=doomed.pk).exists()
    assert stored(settings) == before - traces_of(doomed)
    assert f"originals/{project.pk}" in stored(settings) and kept.original.name in stored(settings)


def test_deleting_the_last_transcript_removes_the_project_folder_too(
    owner, project, case, settings, django_capture_on_commit_callbacks
):
    only = upload(case, owner)
    with django_capture_on_commit_callbacks(execute=True):
        delete_with_originals(doomed=only)
    assert stored(settings) == {"originals"}


def test_a_rolled_back_delete_keeps_its_rows_and_files(
    owner, project, case, settings, django_capture_on_commit_callbacks
):
    transcript = upload(case, owner)
    before = stored(settings)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        delete_with_originals(doomed=project)
        raise RuntimeError("a later step of the same request failed")
    assert callbacks == []
    assert Transcript.objects.filter(pk=transcript.pk).exists()
    assert stored(settings) == before


@pytest.mark.django_db(transaction=True)
def test_files_go_when_the_delete_really_commits_and_stay_when_it_really_rolls_back(settings):
    case = CaseFactory()
    user = UserFactory()
    kept, gone = upload(case, user, "kept.txt"), upload(case, user, "gone.txt")
    with pytest.raises(RuntimeError), transaction.atomic():
        delete_with_originals(doomed=case)
        raise RuntimeError("rolled back")
    assert (settings.MEDIA_ROOT / kept.original.name).is_file()
    delete_with_originals(doomed=Transcript.objects.filter(pk=gone.pk))
    assert traces(settings, gone) == set() and (settings.MEDIA_ROOT / kept.original.name).is_file()
    delete_with_originals(doomed=case.project)
    assert stored(settings) == {"originals"}


@pytest.fixture
def admin_client_for(db, client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    return client


def test_admin_delete_page_removes_originals(
    admin_client_for, project, case, owner, settings, other_project_file, django_capture_on_commit_callbacks
):
    transcript = upload(case, owner)
    url = reverse("admin:cases_transcript_delete", args=[transcript.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for.post(url, {"post": "yes"})
    assert response.status_code == 302 and not Transcript.objects.filter(pk=transcript.pk).exists()
    assert traces(settings, transcript) == set()


def test_admin_delete_selected_action_removes_originals(
    admin_client_for, project, case, owner, settings, other_project_file, django_capture_on_commit_callbacks
):
    transcript = upload(case, owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for.post(
            reverse("admin:cases_project_changelist"),
            {"action": "delete_selected", "_selected_action": [project.pk], "post": "yes"},
        )
    assert response.status_code == 302 and not Project.objects.filter(pk=project.pk).exists()
    assert traces(settings, project, transcript) == set()
    assert (settings.MEDIA_ROOT / other_project_file.original.name).is_file()


def test_only_projects_cases_and_transcripts_are_deleted_this_way(project):
    with pytest.raises(TypeError, match="projects, cases or transcripts"):
        delete_with_originals(doomed=project.memberships.all())


def test_an_original_already_missing_does_not_stop_the_delete(
    owner, project, case, settings, django_capture_on_commit_callbacks
):
    transcript = upload(case, owner)
    (settings.MEDIA_ROOT / transcript.original.name).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        delete_with_originals(doomed=case)
    assert not Case.objects.filter(pk=case.pk).exists()
    assert stored(settings) == {"originals"}
