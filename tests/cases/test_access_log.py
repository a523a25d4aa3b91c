"""The access log: each listed event is recorded with who, when, where and in which project; owners read and
download their project's; the database keeps it append-only and prunes it after ACCESS_LOG_DAYS."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from cases.access_log import prune, record
from cases.models import AccessAction, AccessEvent, Role
from tests.accounts.conftest import PASSWORD
from tests.factories import CodeFactory, ProjectFactory, UserFactory


def actions(project=None) -> list[tuple[str, str]]:
    events = AccessEvent.objects.order_by("pk")
    if project is not None:
        events = events.of_project(project)
    return list(events.values_list("action", "detail"))


def test_sign_ins_failures_and_sign_outs_are_recorded_with_the_address(client, db):
    user = UserFactory(username="ana")
    user.set_password(PASSWORD)
    user.save()
    client.post(reverse("account_login"), {"username": "ana", "password": "wrong"}, REMOTE_ADDR="192.0.2.1")
    client.post(reverse("account_login"), {"username": "ana", "password": PASSWORD}, REMOTE_ADDR="192.0.2.1")
    client.post(reverse("account_logout"), REMOTE_ADDR="192.0.2.1")
    rows = list(AccessEvent.objects.order_by("pk").values_list("action", "user_name", "address", "detail"))
    assert rows == [
        (AccessAction.SIGN_IN_FAILED, "", "192.0.2.1", "as 'ana'"),
        (AccessAction.SIGNED_IN, "ana", "192.0.2.1", ""),
        (AccessAction.SIGNED_OUT, "ana", "192.0.2.1", ""),
    ]


def test_an_upload_and_a_download_of_its_original_are_recorded(client_for, coder, project, case):
    client = client_for(coder)
    upload = SimpleUploadedFile(
        "interview_03.txt", b"R07: The records are ours.\n", content_type="text/plain"
    )
    client.post(reverse("cases:transcript_upload", args=[project.pk, case.pk]), {"files": [upload]})
    transcript = case.transcripts.get()
    client.get(reverse("cases:transcript_original", args=[project.pk, transcript.pk]))
    assert actions(project) == [
        (AccessAction.UPLOADED, "interview_03.txt into City X"),
        (AccessAction.DOWNLOADED_ORIGINAL, f"interview_03.txt ({transcript.title})"),
    ]
    assert AccessEvent.objects.get(action=AccessAction.UPLOADED).user_ref == coder.pk


def test_every_export_is_recorded_with_its_scope(client_for, viewer, project):
    client = client_for(viewer)
    CodeFactory(project=project, name="Data ownership")
    client.get(reverse("coding:excerpts_export", args=[project.pk]) + "?valence=negative")
    client.get(reverse("coding:matrix_export", args=[project.pk]) + "?format=xlsx")
    client.get(reverse("coding:report_export", args=[project.pk]) + "?format=docx")
    client.get(reverse("codebook:export_csv", args=[project.pk]))
    client.get(reverse("codebook:export_qdc", args=[project.pk]))
    assert actions(project) == [
        (AccessAction.EXPORTED, "excerpts (csv) valence=negative"),
        (AccessAction.EXPORTED, "matrix (xlsx) format=xlsx"),
        (AccessAction.EXPORTED, "quotations (docx) format=docx"),
        (AccessAction.EXPORTED, "codebook.csv"),
        (AccessAction.EXPORTED, "codebook.qdc"),
    ]


def test_deletions_and_team_changes_are_recorded(client_for, owner, coder, project, transcript):
    client = client_for(owner)
    code = CodeFactory(project=project, name="Trust")
    client.post(reverse("codebook:code_delete", args=[project.pk, code.pk]), {"seen_all": 0})
    client.post(reverse("cases:transcript_delete", args=[project.pk, transcript.pk]), {"confirm": "yes"})
    client.post(reverse("cases:case_delete", args=[project.pk, transcript.case_id]))
    membership = project.memberships.get(user=coder)
    client.post(reverse("cases:member_role", args=[project.pk, membership.pk]), {"role": Role.VIEWER})
    assert actions(project) == [
        (AccessAction.DELETED, "code Trust"),
        (AccessAction.DELETED, f"transcript {transcript.title} (City X)"),
        (AccessAction.DELETED, "case City X"),
        (AccessAction.TEAM, "pi changed the role of ra to viewer (was coder)"),
    ]


def test_deleting_the_project_keeps_its_log_for_the_staff(client_for, owner, project):
    name = project.name
    client_for(owner).post(reverse("cases:project_delete", args=[project.pk]), {"confirm_name": name})
    event = AccessEvent.objects.get(action=AccessAction.DELETED)
    assert (event.project_name, event.detail, event.user_name) == (name, "the project", "pi")


def test_owners_read_their_projects_log_and_no_other(client_for, owner, project, django_assert_num_queries):
    other = ProjectFactory(name="Other study")
    record(AccessAction.EXPORTED, user=owner, project=other, detail="elsewhere")
    for number in range(3):
        record(AccessAction.EXPORTED, user=owner, project=project, detail=f"export {number}")
    client = client_for(owner)
    with django_assert_num_queries(5):  # session, user, membership+project, count, the page's rows
        page = client.get(reverse("cases:access_log", args=[project.pk])).text
    assert page.index("export 2") < page.index("export 0")
    assert "elsewhere" not in page


def test_the_csv_lists_the_projects_log_oldest_first_with_formulas_guarded(client_for, owner, project):
    record(AccessAction.EXPORTED, user=owner, project=project, detail='=HYPERLINK("http://x")')
    response = client_for(owner).get(reverse("cases:access_log_csv", args=[project.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["when (UTC)", "who", "what", "detail", "address"]
    assert rows[1][1:4] == ["pi", "Exported", '\'=HYPERLINK("http://x")']
    assert actions(project)[-1] == (
        AccessAction.EXPORTED,
        "access log (csv)",
    )  # the download is itself logged


def test_coders_and_viewers_cannot_read_it(client_for, project, coder, viewer):
    for user in (coder, viewer):
        assert client_for(user).get(reverse("cases:access_log", args=[project.pk])).status_code == 403


def test_a_row_cannot_be_changed(db):
    event = record(AccessAction.SIGNED_IN)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).update(detail="nothing happened")
    assert AccessEvent.objects.get(pk=event.pk).detail == ""


def test_on_postgresql_a_row_cannot_be_deleted_except_by_pruning(db):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite refuses changes only: its test runner empties tables with DELETE")
    event = record(AccessAction.SIGNED_IN)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_pruning_deletes_only_rows_past_the_retention(db, settings):
    settings.ACCESS_LOG_DAYS = 30
    recent = record(AccessAction.SIGNED_IN)
    aged = AccessEvent.objects.create(action=AccessAction.SIGNED_IN, at=timezone.now() - timedelta(days=31))
    assert prune() >= 1
    assert not AccessEvent.objects.filter(pk=aged.pk).exists()
    assert AccessEvent.objects.filter(pk=recent.pk).exists()
