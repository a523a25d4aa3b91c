"""The review desk in a real browser at 1280 × 800: the matrix and co-occurrence tables keep the window's width
with the drill-down drawer open, the codebook tree folds by mouse and keyboard and reorders by drag and by
buttons, and the retrieval picker finds codes by typing. Screenshots go to /tmp/shots/desk-*.png."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Role
from codebook.models import Code
from codebook.seeding import seed_framework
from tests.browser.conftest import member
from tests.factories import CaseFactory, ProjectFactory, TranscriptFactory, code_passage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
CITIES = ("City North", "City East", "City South", "City West", "City Centre", "City Harbour")


@pytest.fixture
def desk():
    """The IOR codebook seeded into a project of six cases, one interview each, coded with deep codes."""
    project = ProjectFactory(name="Interagency data sharing")
    owner = member(project, "pi1", Role.OWNER)
    seed_framework(project=project, framework="ior", user=owner)
    codes = {code.name: code for code in project.codes.all()}
    ownership, partnership = codes["Data ownership"], codes["Interagency partnership"]
    tiao = next(code for name, code in codes.items() if name.startswith("TIAO"))
    for index, city in enumerate(CITIES):
        case = CaseFactory(project=project, name=city)
        text = (
            f"R{index}: The bureau keeps its own records and will not copy them.\n\n"
            f"R{index}: The province tells every bureau to share by spring.\n\n"
            f"R{index}: We met the other director at the party school."
        )
        transcript = TranscriptFactory(case=case, title=f"Interview {index + 1}", respondent=f"R{index}", text=text)
        code_passage(transcript, "will not copy them", ownership, owner, "negative")
        if index % 2 == 0:
            code_passage(transcript, "share by spring", tiao, owner)
        if index < 3:
            code_passage(transcript, "met the other director", partnership, owner, "positive")
    return {"project": project, "owner": owner, "codes": codes}


def open_page(page, log_in, path):
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("pi1")
    page.goto(path)


def box(locator):
    value = locator.bounding_box()
    assert value is not None
    return value


def test_matrix_of_six_cases_shows_its_total_and_the_drawer_leaves_the_table_its_width(page, log_in, desk):
    project = desk["project"]
    open_page(page, log_in, f"/p/{project.pk}/matrix/")
    table = page.locator("#matrix")
    total = table.locator("thead th.total")
    expect(total).to_be_visible()
    # The whole table, Total included, is inside the window: no horizontal scrolling.
    assert box(total)["x"] + box(total)["width"] <= 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    frame = page.locator(".matrix-scroll")
    assert page.evaluate("el => el.scrollWidth <= el.clientWidth", frame.element_handle())
    # The filters are one line above it; the table starts high on the page.
    expect(page.locator("details.filters")).not_to_have_attribute("open", "")
    expect(page.locator("#filter-summary")).to_contain_text("Columns: Case")
    assert box(table)["y"] < 300
    # Long code names are shown in full.
    name = table.locator(".code-name", has_text="Interagency relationships in the TIAO-KUAI")
    expect(name).to_be_visible()
    assert page.evaluate("el => el.scrollWidth <= el.clientWidth", name.element_handle())
    page.screenshot(path=SHOTS / "desk-matrix.png")

    before = box(table)
    ownership = table.locator(f"tr[data-code='{desk['codes']['Data ownership'].pk}']")
    cell = ownership.locator("td.cell a").first
    cell.focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#drilldown")
    expect(drawer.get_by_role("heading")).to_have_text("Data ownership × City Centre")
    expect(drawer).to_be_focused()
    after = box(table)
    assert (after["x"], after["width"]) == (before["x"], before["width"])
    drawer_box = box(drawer)
    assert drawer_box["x"] + drawer_box["width"] <= 1280 and drawer_box["x"] > 1280 / 2
    page.screenshot(path=SHOTS / "desk-matrix-drawer.png")

    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(cell).to_be_focused()

    # Opening the filters and changing one redraws the table and the one-line summary.
    page.locator("details.filters > summary").click()
    page.get_by_label("Measure", exact=True).select_option("transcripts")
    expect(page.locator("#filter-summary")).to_contain_text("Interviews")


def test_cooccurrence_headers_are_whole_and_the_drawer_overlays(page, log_in, desk):
    project, codes = desk["project"], desk["codes"]
    open_page(page, log_in, f"/p/{project.pk}/cooccurrence/?depth=99")
    table = page.locator("table.cooccurrence")
    for head in table.locator("thead th.rotated span").all():
        assert page.evaluate("el => el.scrollHeight <= el.clientHeight + 1", head.element_handle())
    page.screenshot(path=SHOTS / "desk-cooccurrence.png")
    before = box(table)
    row = table.locator("tbody tr").filter(has_text="Data ownership").first
    row.locator("td.cell a").first.click()
    drawer = page.locator("#drilldown")
    expect(drawer.get_by_role("heading")).to_contain_text("Data ownership")
    assert box(table)["width"] == before["width"]
    drawer.get_by_role("link", name="Close").click()
    expect(drawer).to_be_hidden()
    assert codes
