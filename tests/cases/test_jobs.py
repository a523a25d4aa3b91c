"""Background jobs: queued on commit, run by the database worker, watched and downloaded by owners and by the
member who started one."""

import logging
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from cases import jobs
from cases.deletion import delete_with_originals
from cases.models import AccessAction, AccessEvent, Job, JobStatus
from cases.refusals import Refused
from cases.storage_cleanup import clean
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def counting(job: Job, progress: jobs.Progress) -> None:
    """A job as imports and exports are written: read the upload, report progress, leave a result, a file."""
    text = job.upload.read().decode()
    if "refuse" in text:
        raise Refused("This file is not a project archive.")
    if "crash" in text:
        raise RuntimeError("a bug")
    words = text.split()
    for number, _ in enumerate(words, 1):
        progress.step("Counting words", done=number, total=len(words))
    job.result = {"summary": [["Words", len(words)]], "notes": ["1 image was not kept."]}
    job.output_name = "count.txt"
    job.output.save("count.txt", ContentFile(str(len(words)).encode()), save=False)


@task()
def count_words(job_id: str) -> None:
    jobs.run(job_id, counting)


def start(project, owner, text: str) -> Job:
    return jobs.start(
        project=project,
        user=owner,
        kind="count",
        title="Counting words",
        enqueue=count_words.enqueue,
        upload=ContentFile(text.encode(), name="words.txt"),
    )


def work() -> None:
    # The worker closes "old" connections between tasks; inside the test's transaction (on PostgreSQL) that
    # would close the test's own connection.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", batch=True, no_startup_delay=True, stdout=StringIO(), stderr=StringIO())


def test_a_job_is_queued_once_committed_and_the_worker_runs_it(
    project, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        job = start(project, owner, "one two three")
    assert len(queued) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED and job.upload_name == "words.txt"
    upload = job.upload.name
    storage = job.upload.storage
    assert storage.exists(upload)

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert (job.done, job.total, job.stage) == (3, 3, "Counting words")
    assert job.result["summary"] == [["Words", 3]]
    assert job.output.read() == b"3"
    assert job.upload.name == "" and not storage.exists(upload)  # the confidential input is gone
    assert job.started_at <= job.finished_at


def test_a_job_rolled_back_is_never_queued(project, owner, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as queued,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        start(project, owner, "one")
        raise RuntimeError("the request failed")
    assert queued == [] and not Job.objects.exists()


def test_a_refusal_fails_the_job_with_its_sentence(project, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, owner, "please refuse")
    work()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == "This file is not a project archive."
    assert not job.output and not job.upload


def test_an_error_fails_the_job_with_a_general_sentence_and_is_logged(
    project, owner, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(project, owner, "crash")
    with caplog.at_level(logging.ERROR, logger="crosscase.jobs"):
        work()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.message == jobs.FAILED
    assert "a bug" not in job.message and "a bug" in caplog.text


def test_a_job_already_run_is_not_run_again(project, owner):
    job = Job.objects.create(project=project, kind="count", title="Counting", status=JobStatus.DONE)
    jobs.run(str(job.pk), lambda job, progress: pytest.fail("the work must not run"))


def test_progress_is_committed_as_it_goes(project, owner):
    job = Job.objects.create(project=project, kind="count", title="Counting")
    jobs.Progress(job).step("Reading sources", done=7, total=5)
    job.refresh_from_db()
    assert (job.stage, job.done, job.total) == ("Reading sources", 5, 5)  # never past the total


def test_counts_within_a_stage_are_written_at_most_twice_a_second(project, owner, django_assert_num_queries):
    job = Job.objects.create(project=project, kind="count", title="Counting")
    progress = jobs.Progress(job)
    with django_assert_num_queries(2):  # the first count of each stage, not the 998 after it
        for number in range(1, 500):
            progress.step("Reading sources", done=number, total=500)
        for number in range(1, 500):
            progress.step("Placing selections", done=number, total=500)
    assert (job.stage, job.done) == ("Placing selections", 499)  # kept for the next write
    job.refresh_from_db()
    assert (job.stage, job.done) == ("Placing selections", 1)  # what the page shows meanwhile


def test_the_page_polls_while_running_and_stops_once_finished(project, owner, client_for):
    client = client_for(owner)
    job = Job.objects.create(
        project=project,
        kind="count",
        title="Counting",
        status=JobStatus.RUNNING,
        stage="Reading",
        done=2,
        total=8,
    )
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    body = page.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="2" max="8"' in body and "25 %" in body
    assert '<noscript><meta http-equiv="refresh"' in body  # without JavaScript the page refreshes itself

    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, finished_at=timezone.now(), result={"summary": [["Quotations", 12]]}
    )
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in fragment and "Quotations" in fragment and "<html" not in fragment
    assert "refresh" not in client.get(job.get_absolute_url()).content.decode()


def test_result_text_is_escaped(project, owner, client_for):
    job = Job.objects.create(
        project=project,
        kind="count",
        title="<b>Counting</b>",
        status=JobStatus.FAILED,
        message="<script>alert(1)</script>",
        finished_at=timezone.now(),
    )
    body = client_for(owner).get(job.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;" in body and "<b>Counting" not in body


def test_the_output_downloads_and_is_logged(project, owner, client_for):
    job = Job.objects.create(
        project=project, kind="count", title="Export", status=JobStatus.DONE, output_name="p.qdpx"
    )
    job.output.save("p.qdpx", ContentFile(b"archive"))
    response = client_for(owner).get(reverse("cases:job_output", args=[project.pk, job.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"archive"
    assert 'filename="p.qdpx"' in response["Content-Disposition"]
    assert AccessEvent.objects.filter(
        action=AccessAction.EXPORTED, project_ref=project.pk, detail="p.qdpx"
    ).exists()


def test_a_job_without_output_has_no_download(project, owner, client_for):
    job = Job.objects.create(project=project, kind="count", title="Import", status=JobStatus.DONE)
    assert client_for(owner).get(reverse("cases:job_output", args=[project.pk, job.pk])).status_code == 404


def test_another_projects_job_is_not_found(project, owner, client_for):
    other = Job.objects.create(project=ProjectFactory(), kind="count", title="Theirs")
    client = client_for(owner)
    for name in ("cases:job_detail", "cases:job_output"):
        assert client.get(reverse(name, args=[project.pk, other.pk])).status_code == 404
    assert client.post(reverse("cases:job_delete", args=[project.pk, other.pk])).status_code == 404
    assert Job.objects.filter(pk=other.pk).exists()


def finished(project, user) -> Job:
    job = Job.objects.create(
        project=project, kind="count", title="Counting", status=JobStatus.DONE, created_by=user
    )
    job.output.save("count.txt", ContentFile(b"3"))
    return job


def test_the_member_who_started_a_job_sees_downloads_and_removes_it(project, coder, client_for):
    job = finished(project, coder)
    client = client_for(coder)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    assert f'href="{reverse("cases:job_list", args=[project.pk])}"'.encode() not in page.content  # owners'

    assert (
        b"".join(client.get(reverse("cases:job_output", args=[project.pk, job.pk])).streaming_content) == b"3"
    )
    response = client.post(reverse("cases:job_delete", args=[project.pk, job.pk]))
    assert response["Location"] == project.get_absolute_url() and not Job.objects.exists()
    assert client.get(reverse("cases:job_list", args=[project.pk])).status_code == 403


def test_another_members_job_is_not_found_by_a_member_but_open_to_owners(
    project, owner, coder, viewer, client_for
):
    job = finished(project, coder)
    names = ("cases:job_detail", "cases:job_output")
    for name in names:
        assert client_for(viewer).get(reverse(name, args=[project.pk, job.pk])).status_code == 404
    response = client_for(viewer).post(reverse("cases:job_delete", args=[project.pk, job.pk]))
    assert response.status_code == 404 and Job.objects.filter(pk=job.pk).exists()
    for name in names:
        assert client_for(owner).get(reverse(name, args=[project.pk, job.pk])).status_code == 200


def test_removing_a_finished_job_removes_its_file(
    project, owner, client_for, django_capture_on_commit_callbacks
):
    job = Job.objects.create(project=project, kind="count", title="Export", status=JobStatus.DONE)
    job.output.save("p.qdpx", ContentFile(b"archive"))
    name, storage = job.output.name, job.output.storage
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(owner).post(reverse("cases:job_delete", args=[project.pk, job.pk]))
    assert response.status_code == 302 and not Job.objects.exists() and not storage.exists(name)


def test_a_running_job_cannot_be_removed(project, owner, client_for):
    job = Job.objects.create(project=project, kind="count", title="Import", status=JobStatus.RUNNING)
    response = client_for(owner).post(reverse("cases:job_delete", args=[project.pk, job.pk]), follow=True)
    assert "still running" in response.content.decode() and Job.objects.filter(pk=job.pk).exists()


def test_the_list_shows_the_projects_jobs_in_fixed_queries(
    project, owner, client_for, django_assert_num_queries
):
    client = client_for(owner)
    for number in range(30):
        Job.objects.create(project=project, kind="count", title=f"Job {number}", created_by=owner)
    with django_assert_num_queries(5):  # session, user with profile, membership, count, page
        response = client.get(reverse("cases:job_list", args=[project.pk]))
    body = response.content.decode()
    assert body.count('href="/p/') >= 25 and "Page 1 of 2" in body


def test_old_finished_jobs_and_orphaned_job_files_are_cleaned(
    project, owner, django_capture_on_commit_callbacks
):
    old = Job.objects.create(
        project=project,
        kind="count",
        title="Old",
        status=JobStatus.DONE,
        finished_at=timezone.now() - timedelta(days=8),
    )
    old.output.save("old.qdpx", ContentFile(b"old"))
    recent = Job.objects.create(
        project=project, kind="count", title="Recent", status=JobStatus.DONE, finished_at=timezone.now()
    )
    recent.output.save("recent.qdpx", ContentFile(b"recent"))
    storage = recent.output.storage
    orphan = storage.save(f"jobs/{project.pk}/crashed/in.qdpx", ContentFile(b"left by a killed worker"))

    with django_capture_on_commit_callbacks(execute=True):
        found = clean(grace=timedelta(0))

    assert found.jobs == 2
    assert not Job.objects.filter(pk=old.pk).exists() and not storage.exists(orphan)
    assert Job.objects.filter(pk=recent.pk).exists() and storage.exists(recent.output.name)


def test_deleting_the_project_removes_its_job_files(project, owner, django_capture_on_commit_callbacks):
    job = Job.objects.create(project=project, kind="count", title="Export", status=JobStatus.DONE)
    job.output.save("p.qdpx", ContentFile(b"archive"))
    name, storage = job.output.name, job.output.storage
    with django_capture_on_commit_callbacks(execute=True):
        delete_with_originals(doomed=project)
    assert not storage.exists(name) and not storage.exists(f"jobs/{project.pk}")
