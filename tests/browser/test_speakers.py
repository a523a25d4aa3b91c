"""Reviewing a transcript's speakers in a real browser: rename one, then see the new name in the workspace."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from cases.models import Role
from tests.browser.conftest import member
from tests.factories import (
    CaseFactory,
    CodingFactory,
    SegmentFactory,
    TranscriptFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")


def test_owner_renames_a_speaker_and_the_workspace_shows_it_over_the_same_text(page, log_in):
    case = CaseFactory(name="City X")
    owner = member(case.project, "pi", Role.OWNER)
    transcript = TranscriptFactory(case=case, title="X-R01", created_by=owner)
    start = transcript.text.index("Every bureau")
    CodingFactory(
        segment=SegmentFactory(transcript=transcript, start=start, end=start + 12, created_by=owner),
        coder=owner,
    )
    text = transcript.text

    log_in("pi")
    page.goto(transcript.get_absolute_url())
    page.get_by_role("link", name="Speakers").click()
    expect(page.get_by_role("heading", name="Speakers")).to_be_visible()
    expect(page.locator("table.speakers tbody tr")).to_have_count(2)
    row = page.locator("table.speakers tbody tr").filter(has=page.get_by_role("rowheader", name="R01"))
    row.get_by_label("New name for R01").fill("Ms Chen")
    row.get_by_role("button", name="Rename").click()
    expect(page.locator(".messages")).to_contain_text("“R01” is now “Ms Chen” (2 labels).")
    expect(page.locator("table.speakers tbody th")).to_have_text(["Interviewer", "Ms Chen"])
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "speakers-review.png"), full_page=True)

    page.goto(reverse("coding:workspace", args=[case.project.pk, transcript.pk]))
    label = page.locator('.ptext .speaker[data-speaker="Ms Chen"]').first
    expect(label).to_have_text("R01:")  # the text is the source's; the name is drawn beside it
    after = label.evaluate("element => getComputedStyle(element, '::after').content")
    assert "Ms Chen" in after
    page.screenshot(path=str(SHOTS / "speakers-workspace.png"), full_page=True)
    transcript.refresh_from_db()
    assert transcript.text == text
