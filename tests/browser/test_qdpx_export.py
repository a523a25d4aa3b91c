"""Exporting a project as a coder: the export starts a job, its page shows it waiting, then running to its end
(htmx polls it), then the download."""

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Job, JobStatus, Role
from tests.browser.conftest import member, run_worker
from tests.factories import CaseFactory, ProjectFactory, TranscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_a_coder_exports_the_project_and_downloads_it_from_the_job_page(page, log_in):
    SHOTS.mkdir(exist_ok=True)
    project = ProjectFactory(name="Data sharing")
    case = CaseFactory(project=project, name="City X")
    transcripts = [TranscriptFactory(case=case, title=f"Interview {number}") for number in (1, 2, 3)]
    member(project, "ra", Role.CODER)
    log_in("ra")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/p/{project.pk}/")
    page.get_by_role("heading", name="Exchange").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "qdpxjobs-export-project.png"))
    page.get_by_role("button", name="Export the project (.qdpx)").click()

    expect(page.get_by_role("heading", name="Exporting the project as .qdpx")).to_be_visible()
    expect(page.locator("#job-progress")).to_contain_text("Waiting to start")
    expect(page.locator(".breadcrumbs")).to_have_text("Data sharing")  # not the owners' list of jobs
    page.screenshot(path=str(SHOTS / "qdpxjobs-export-waiting.png"), full_page=True)

    run_worker()
    job = Job.objects.get(project=project)
    assert job.status == JobStatus.DONE and (job.done, job.total) == (3, 3)

    progress = page.locator("#job-progress")
    expect(progress).to_contain_text("Done")  # the polling brought the result without a reload
    expect(progress.locator(".job-summary")).to_contain_text("Sources")
    page.screenshot(path=str(SHOTS / "qdpxjobs-export-done.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download {job.output_name}").click()
    archive = zipfile.ZipFile(download.value.path())
    assert {f"sources/{transcript.guid}.txt" for transcript in transcripts} <= set(archive.namelist())
