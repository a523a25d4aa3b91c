"""The drill-down both tables share, in a real browser: a co-occurrence cell and a matrix cell open their
quotations beside the table without leaving the page, with the links to Retrieval and the export."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cooccurrence_and_matrix_cells_open_the_same_drill_down(page, log_in, analysis, viewer):
    project, codes = analysis.project, analysis.codes
    log_in("reader", "correct horse battery")
    page.goto(f"/p/{project.pk}/cooccurrence/")
    page.evaluate("window.stillHere = true")
    row = page.locator("table.cooccurrence tbody tr").filter(has_text="Political determination")
    row.get_by_role("link", name="1").first.click()
    drilldown = page.locator("#drilldown")
    expect(drilldown.get_by_role("heading")).to_contain_text("Political determination ×")
    expect(drilldown.get_by_role("link", name="open in Retrieval")).to_be_visible()
    assert page.evaluate("window.stillHere") is True
    page.screenshot(path="/tmp/cooccurrence-drilldown.png", full_page=True)

    page.goto(f"/p/{project.pk}/matrix/?framework=ior")
    page.locator(f"#matrix tr[data-code='{codes.ownership.pk}'] td a").first.click()
    expect(drilldown.get_by_role("heading")).to_have_text("Data ownership × City X")
    expect(drilldown.get_by_role("link", name="export (CSV)")).to_be_visible()
    expect(page.get_by_role("link", name="CSV for Excel")).to_be_visible()
    page.screenshot(path="/tmp/matrix-drilldown.png", full_page=True)
