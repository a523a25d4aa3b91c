"""Memos in a real browser: write one about a code from its page, see it there and in the memo list, and
see a transcript's memos beside the workspace."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Role
from coding.models import Memo
from tests.browser.conftest import member
from tests.factories import CaseFactory, CodeFactory, CodingFactory, SegmentFactory, TranscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")


def test_write_a_memo_on_a_code_and_find_it_on_the_code_page_and_in_the_list(page, log_in):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.set_default_timeout(30_000)  # a shared, busy machine: waiting longer proves the same
    case = CaseFactory(name="City Y")
    project = case.project
    member(project, "ra1", Role.CODER)
    code = CodeFactory(project=project, name="Data ownership", definition="Agencies treat data as their own.")
    other = CodeFactory(project=project, name="Territorial behaviour")
    transcript = TranscriptFactory(case=case, title="Y1")
    segment = SegmentFactory(transcript=transcript, start=0, end=12)
    CodingFactory(segment=segment, code=code)
    log_in("ra1")

    page.goto(f"/p/{project.pk}/codebook/codes/{code.pk}/")
    page.get_by_role("link", name="Write a memo").click()
    expect(page.get_by_label("About")).to_have_value(f"code:{code.pk}")
    page.get_by_label("Title").fill("Ownership is territorial")
    page.locator("#id_text").fill("In City Y the bureau <b>stamps</b> every table.\nSee Y1.")
    page.get_by_label("Codes it discusses").select_option(str(other.pk))
    page.get_by_label("Quotations it discusses").fill(segment.citable_id)
    page.screenshot(path=str(SHOTS / "memos-form.png"), full_page=True)
    page.get_by_role("button", name="Save memo").click()

    page.wait_for_url(f"**/codebook/codes/{code.pk}/#memos")
    memo_item = page.locator(".memo-item").filter(has_text="Ownership is territorial")
    expect(memo_item).to_contain_text("In City Y the bureau <b>stamps</b> every table.")  # shown as typed
    expect(memo_item.locator(".memo-text br")).to_have_count(1)
    expect(memo_item.get_by_role("link", name="Territorial behaviour")).to_be_visible()
    expect(memo_item.get_by_role("link", name=segment.citable_id)).to_be_visible()
    page.locator("#memos").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "memos-code-page.png"), full_page=False)

    page.get_by_role("navigation", name="Project").get_by_role("link", name="Memos").click()
    expect(page.locator(".memo-item")).to_have_count(1)
    expect(page.locator(".memo-about")).to_contain_text("About Code Data ownership")
    page.get_by_label("Search memos").fill("STAMPS")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".memo-item")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "memos-list.png"), full_page=True)
    page.get_by_label("Search memos").fill("nowhere")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".empty")).to_have_text("No memo matches these filters.")

    memo = Memo.objects.get()
    assert (memo.code, memo.author.username, list(memo.codes.all()), list(memo.quotations.all())) == (
        code,
        "ra1",
        [other],
        [segment],
    )

    page.goto(f"/p/{project.pk}/t/{transcript.pk}/code/")
    page.locator("#memos summary").click()
    page.get_by_label("Title").fill("First read")
    page.locator("#memo-text").fill("The respondent hedges.")
    page.get_by_role("button", name="Save memo").click()
    page.wait_for_url("**/code/?memos=open#memos")
    expect(page.locator("#memos")).to_have_attribute("open", "")
    expect(page.locator("#memos .memo-item")).to_contain_text("The respondent hedges.")
    page.screenshot(path=str(SHOTS / "memos-workspace.png"), full_page=False)
