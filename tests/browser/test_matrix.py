"""The matrix in a real browser: switching to the valence view, drilling into a cell, collapsing the tree."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_valence_view_and_drill_down_without_leaving_the_page(page, log_in, analysis, viewer):
    project, codes, cases = analysis.project, analysis.codes, analysis.cases
    log_in("reader", "correct horse battery")
    page.goto(f"/p/{project.pk}/matrix/")
    ownership = page.locator(f"#matrix tr[data-code='{codes.ownership.pk}']")
    expect(ownership.locator("td").first).to_have_text("2")

    # Switching the view redraws the table in place: + / − / net per cell.
    page.evaluate("window.stillHere = true")
    page.locator("details.filters > summary").click()  # the filters fold into one line under a shown matrix
    page.get_by_label("View", exact=True).select_option("valence")
    expect(page.locator("#matrix")).to_have_class("matrix valence-view")
    expect(page).to_have_url(re.compile(r"/matrix/\?.*view=valence"))
    city_x = ownership.locator("td").first
    expect(city_x.locator(".minus")).to_have_text("−2")
    expect(city_x.locator(".plus")).to_have_text("+0")
    expect(city_x.locator(".net")).to_have_text("−2")
    expect(city_x).to_have_class(re.compile(r"\bneg\b"))

    # The − of Data ownership × City X: its quotations appear in the drawer over the table.
    city_x.locator("a.minus").click()
    drilldown = page.locator("#drilldown")
    expect(drilldown.get_by_role("heading")).to_have_text("Data ownership × City X · − pushes apart")
    expect(drilldown.locator(".quotation")).to_have_count(2)
    expect(drilldown).to_contain_text("The bureau says the records are ours alone.")
    expect(drilldown).to_contain_text("(City X, respondent R01)")
    expect(city_x).to_have_class(re.compile(r"\bselected\b"))
    assert page.evaluate("window.stillHere") is True  # no page load
    workspace = drilldown.get_by_role("link", name="Open in the workspace").first
    expect(workspace).to_have_attribute(
        "href", f"/p/{project.pk}/t/{analysis.transcripts.x1.pk}/code/#s{analysis.segments.s1.pk}"
    )

    # City Y's pulling quotation, in Chinese.
    ownership.locator("td").nth(1).locator("a.plus").click()
    expect(drilldown.get_by_role("heading")).to_have_text("Data ownership × City Y · + pulls together")
    expect(drilldown.locator(".quotation")).to_have_count(1)
    expect(drilldown).to_contain_text("這些數據是我們部門的𠮷")
    assert cases.y.name == "City Y"


def test_collapsing_a_parent_hides_its_descendants(page, log_in, analysis, viewer):
    codes = analysis.codes
    log_in("reader", "correct horse battery")
    page.goto(f"/p/{analysis.project.pk}/matrix/")
    territory = page.locator(f"#matrix tr[data-code='{codes.territory.pk}']")
    marking_data = page.locator(f"#matrix tr[data-code='{codes.marking_data.pk}']")
    expect(marking_data).to_be_visible()
    territory.get_by_role("button", name="Collapse Territory").click()
    expect(marking_data).to_be_hidden()
    expect(page.locator(f"#matrix tr[data-code='{codes.marking.pk}']")).to_be_hidden()
    expect(page.locator(f"#matrix tr[data-code='{codes.ownership.pk}']")).to_be_visible()
    # The tree stays as the reader left it when the filters redraw the table.
    page.locator("details.filters > summary").click()
    page.get_by_label("Measure", exact=True).select_option("transcripts")
    expect(page).to_have_url(re.compile(r"/matrix/\?.*measure=transcripts"))
    expect(marking_data).to_be_hidden()
    territory.get_by_role("button", name="Expand Territory").click()
    expect(marking_data).to_be_visible()
