"""The agreement report in a real browser: the owner picks the paragraph unit and two coders, and reads the
figures beside the unit's definition."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_compares_two_coders_by_paragraph(page, log_in, analysis):
    project = analysis.project
    log_in("pi", "correct horse battery")
    page.goto(f"/p/{project.pk}/")
    page.get_by_role("navigation", name="Project").get_by_role("link", name="Agreement").click()
    expect(page.get_by_role("heading", name="Inter-coder agreement")).to_be_visible()
    page.get_by_label("Unit").select_option("paragraphs")
    page.get_by_label("Coders").select_option(label=["pi", "ra"])
    page.evaluate("window.stillHere = true")
    page.get_by_role("button", name="Compare").click()
    area = page.locator("#report-area")
    expect(area).to_contain_text("A unit is one paragraph of a transcript")
    expect(area.get_by_role("heading", name="pi, ra")).to_be_visible()
    ownership = area.locator("tr", has=page.get_by_role("rowheader", name="Data ownership", exact=True))
    expect(ownership).to_have_count(1)
    expect(ownership.locator("td").nth(3)).to_contain_text("%")
    expect(area.get_by_role("link", name="XLSX")).to_be_visible()
    assert page.evaluate("window.stillHere") is True  # htmx swapped the report in
    page.set_viewport_size({"width": 1280, "height": 800})
    page.screenshot(path="/tmp/shots/agreement-report.png", full_page=False)
    page.locator("#report-area table").first.scroll_into_view_if_needed()
    page.screenshot(path="/tmp/shots/agreement-table.png", full_page=False)
