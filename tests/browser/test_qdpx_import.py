"""Importing a REFI-QDA project through the page: upload, the job reading it, its preview, confirm, the job
importing it, the result."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Role, Transcript
from coding.models import Coding
from tests.browser.conftest import member, run_worker
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QC = Path(__file__).parent.parent / "fixtures" / "refi" / "qc-1.3.2_demo.qdpx"
SHOTS = Path("/tmp/shots")


def test_qc_project_previewed_then_imported(page, log_in, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    SHOTS.mkdir(exist_ok=True)
    project = ProjectFactory(name="Meta-analysis")
    member(project, "pi", Role.OWNER)
    log_in("pi")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/p/{project.pk}/")
    page.get_by_role("link", name="Import a .qdpx project").click()
    page.get_by_label("REFI-QDA project (.qdpx)").set_input_files(QC)
    page.get_by_role("button", name="Read the archive").click()
    expect(page.get_by_role("heading", name="Reading a .qdpx archive for its preview")).to_be_visible()
    expect(page.locator("#job-progress")).to_contain_text("Waiting to start")
    page.screenshot(path=str(SHOTS / "qdpximport-reading.png"), full_page=True)
    run_worker()  # the page's poll then opens the preview

    preview = page.locator(".import-preview")
    expect(preview).to_contain_text("158/158")
    expect(page.get_by_role("heading", name="Preview: qc-1.3.2_demo.qdpx from qc 1.3.2")).to_be_visible()
    expect(preview.locator("tbody tr")).to_have_count(2)
    assert not Transcript.objects.exists()
    page.screenshot(path=str(SHOTS / "qdpximport-preview.png"), full_page=True)

    page.get_by_label("New case").fill("Board study")
    page.get_by_role("button", name="Import 2 transcripts and 205 codings").click()
    expect(page.get_by_role("heading", name="Importing qc-1.3.2_demo.qdpx")).to_be_visible()
    assert not Transcript.objects.exists()  # until the worker has run the import
    run_worker()
    expect(page.locator("#job-progress")).to_contain_text("Done")
    expect(page.locator(".job-summary")).to_contain_text("205")
    page.screenshot(path=str(SHOTS / "qdpximport-result.png"), full_page=True)
    assert Coding.objects.filter(segment__project=project).count() == 205
    assert set(Transcript.objects.values_list("case__name", flat=True)) == {"Board study"}

    page.get_by_role("link", name="Link imported coders").click()
    expect(page.locator("tbody")).to_contain_text("cp")
    page.screenshot(path=str(SHOTS / "qdpximport-coders.png"), full_page=True)
