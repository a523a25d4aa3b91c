"""Saved queries and code all hits in a real browser: save a retrieval, run it, code every hit of a Chinese
search with a preview first, then undo the batch as one step."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
TEXT = "問：𠮷野家的𩸽😀，數據𠀋在哪裡？答：數據𠀋屬於部門。\n\n問：還有呢？答：沒有𠀋了！"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"queries-{name}.png"), full_page=True)


def test_save_a_query_then_code_all_hits_with_preview_and_undo(page, log_in, analysis):
    from coding.models import CodingBatch, SavedQuery, Segment
    from tests.factories import TranscriptFactory

    project, codes = analysis.project, analysis.codes
    member(project, "assistant", "coder")
    chinese = TranscriptFactory(case=analysis.cases.y, title="Y4", text=TEXT)
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("assistant")

    # A retrieval saved under a name, then run from the list.
    page.goto(f"/p/{project.pk}/retrieval/?any_codes={codes.ownership.pk}&valence=negative")
    expect(page.locator(".results-head")).to_contain_text("3 quotations")
    page.get_by_label("Save this query as").fill("Ownership pushing apart")
    shot(page, "retrieval-save")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved the retrieval as “Ownership pushing apart”.")
    expect(page.locator("table.saved-queries")).to_contain_text(
        "any of these codes (OR): Determinants › Data ownership"
    )
    shot(page, "saved-list")
    page.get_by_role("link", name="Ownership pushing apart").click()
    expect(page.locator(".results-head")).to_contain_text("3 quotations")
    expect(page.locator(".saved-query-panel")).to_contain_text(
        "Opened from the saved query Ownership pushing apart"
    )
    assert SavedQuery.objects.get().fields == {
        "any_codes": [str(codes.ownership.pk)],
        "valence": ["negative"],
    }

    # As the matrix's scope.
    page.goto(f"/p/{project.pk}/matrix/?within={SavedQuery.objects.get().pk}")
    expect(page.locator(".computed")).to_contain_text("within the passages of the saved query")
    shot(page, "matrix-scope")

    # Code all hits of 𠀋: the search, the hits, the preview, the write, the undo.
    page.goto(f"/p/{project.pk}/search/?q=𠀋")
    page.get_by_role("link", name="Code all hits…").click()
    expect(page.locator(".hit-list li")).to_have_count(3)
    page.get_by_label("Code to apply").select_option(str(codes.ownership.pk))
    page.get_by_label("Effect").select_option("negative")
    page.get_by_label("Code as").select_option("sentence")
    page.get_by_label("Only the ticked hits").check()
    page.locator(".hit-list input").nth(2).uncheck()
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".hits-preview")
    expect(preview.locator("[data-count=new]")).to_have_text("2")
    expect(preview.locator("table.plan")).to_contain_text("答：數據𠀋屬於部門。")
    shot(page, "preview")
    assert not Segment.objects.filter(transcript=chinese).exists()
    preview.get_by_role("button", name="Apply to 2 quotations in 1 transcript").click()
    expect(page.locator(".messages")).to_contain_text("Coded 2 quotations")
    quotes = sorted(Segment.objects.filter(transcript=chinese).values_list("quote", flat=True))
    assert quotes == sorted(["問：𠮷野家的𩸽😀，數據𠀋在哪裡？", "答：數據𠀋屬於部門。"])
    shot(page, "applied")
    page.get_by_role("button", name="Undo this batch").click()
    expect(page.locator(".messages")).to_contain_text("removed 2 codings and 2 quotations")
    expect(page.locator("table.batches")).to_contain_text("undone by")
    shot(page, "undone")
    assert not Segment.objects.filter(transcript=chinese).exists()
    assert CodingBatch.objects.get().undone_at is not None


def test_make_a_set_and_compare_sets_in_the_matrix(page, log_in, analysis):
    project = analysis.project
    member(project, "assistant", "coder")
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("assistant")
    page.goto(f"/p/{project.pk}/sets/")
    page.get_by_label("Name").fill("Recorded interviews")
    page.get_by_label("Add every one where").select_option(f"attr-{analysis.attributes.recorded.pk}:yes")
    page.get_by_role("button", name="Make the set").click()
    expect(page.locator(".messages")).to_contain_text("Made the set “Recorded interviews”.")
    page.get_by_label("Name").fill("Leaders of City Y")
    page.get_by_label("A set of").select_option("transcripts")
    page.locator(".set-members").get_by_label("Y1 · City Y · R01").check()
    page.locator(".set-members").get_by_label("Y3 · City Y · R03").check()
    page.get_by_role("button", name="Make the set").click()
    expect(page.locator("table.sets tbody tr")).to_have_count(2)
    shot(page, "sets")
    page.goto(f"/p/{project.pk}/matrix/?columns=set")
    header = page.locator("#matrix thead")
    expect(header).to_contain_text("Leaders of City Y")
    expect(header).to_contain_text("Recorded interviews")
    expect(header).to_contain_text("(in no set)")
    shot(page, "matrix-sets")
