"""Uploading a batch in a real browser: a progress bar per file, then each file's own result."""

import pytest
from playwright.sync_api import expect

from cases.models import Role, Transcript
from tests.browser.conftest import member
from tests.factories import CaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_three_files_two_imported_one_refused_with_its_reason(page, log_in, tmp_path):
    case = CaseFactory(name="City Y")
    member(case.project, "coder1", Role.CODER)
    english = tmp_path / "Y-R01 interview.txt"
    english.write_text("Interviewer: Who owns the data?\n\nY-R01: The bureau does.\n", encoding="utf-8")
    chinese = tmp_path / "Y-R02.md"
    dialogue = "# 访谈\n\n问：数据归谁？\n\n答：归各部门。\n\n问：为什么？\n\n答：法规不清楚。\n"
    chinese.write_bytes(dialogue.encode("gb18030"))
    broken = tmp_path / "scan.pdf"
    broken.write_bytes(b"%PDF-1.4\n%%EOF\n")

    log_in("coder1")
    page.goto(f"/p/{case.project.pk}/cases/{case.pk}/upload/")
    page.get_by_label("Transcript files").set_input_files([english, chinese, broken])
    page.get_by_role("button", name="Upload").click()

    rows = page.locator(".upload-results tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.filter(has_text="Imported")).to_have_count(2)
    refused = rows.filter(has_text="scan.pdf")
    expect(refused).to_contain_text("Refused: “scan.pdf”")
    expect(page.locator(".upload-results progress")).to_have_count(0)
    assert sorted(Transcript.objects.values_list("title", flat=True)) == ["Y-R01 interview", "Y-R02"]

    expect(rows.filter(has_text="Y-R02.md")).to_contain_text("Speakers: 问 (2), 答 (2).")
    rows.filter(has_text="Y-R02.md").get_by_role("link", name="Y-R02").click()
    expect(page.locator(".transcript .speaker").first).to_have_text("问：")
