"""Restructuring the codebook in a real browser: drag a code under a new parent, merge two codes."""

import pytest
from playwright.sync_api import expect

from cases.models import Role
from codebook.models import Code, CodebookEvent
from coding.models import Coding
from tests.browser.conftest import member
from tests.factories import (
    CaseFactory,
    CodeFactory,
    CodingFactory,
    SegmentFactory,
    TranscriptFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup():
    case = CaseFactory(name="City Z")
    project = case.project
    user = member(project, "pi1", Role.OWNER)
    determinants = CodeFactory(project=project, name="Determinants", level="axial", is_codable=False)
    status = CodeFactory(project=project, name="Interagency status", level="selective")
    codes = {
        "determinants": determinants,
        "status": status,
        "ownership": CodeFactory(project=project, parent=determinants, name="Data ownership"),
        "territory": CodeFactory(project=project, name="Territorial behaviour"),
        "guarding": CodeFactory(project=project, name="Guarding data"),
        "tension": CodeFactory(project=project, parent=status, name="Tension", level="selective"),
    }
    transcript = TranscriptFactory(case=case)
    for start, code in ((0, "territory"), (10, "guarding"), (20, "guarding")):
        segment = SegmentFactory(transcript=transcript, start=start, end=start + 5, created_by=user)
        CodingFactory(segment=segment, code=codes[code], coder=user)
    return {"user": user, "project": project, "codes": codes}


def row(page, name: str):
    return page.locator(f'#codebook-trees li.node[data-name="{name}"] > .row')


def test_drag_a_code_under_a_new_parent_then_to_the_top_level(page, log_in, setup):
    project, codes = setup["project"], setup["codes"]
    log_in("pi1")
    page.goto(f"/p/{project.pk}/codebook/")

    row(page, "Territorial behaviour").drag_to(row(page, "Determinants"))
    expect(page.locator("#codebook-status")).to_contain_text(
        "“Territorial behaviour” moved under “Determinants”."
    )
    moved = page.locator('#codebook-trees li.node.moved[data-name="Territorial behaviour"]')
    expect(moved).to_have_attribute("data-parent", str(codes["determinants"].pk))
    territory = Code.objects.get(pk=codes["territory"].pk)
    assert territory.parent_id == codes["determinants"].pk
    assert territory.codings.count() == 1

    # The redrawn tree takes the next drag too: back to the top level.
    row(page, "Territorial behaviour").drag_to(page.locator("[data-drop-top]"))
    expect(page.locator("#codebook-status")).to_contain_text(
        "“Territorial behaviour” moved to the top level."
    )
    expect(moved).to_have_attribute("data-parent", "")
    assert Code.objects.get(pk=codes["territory"].pk).parent_id is None

    # A category cannot go under its own sub-code: the refusal is shown and nothing moves.
    row(page, "Determinants").drag_to(row(page, "Data ownership"))
    expect(page.locator("#codebook-status .error")).to_contain_text("cannot go under itself")
    assert Code.objects.get(pk=codes["determinants"].pk).parent_id is None
    assert list(CodebookEvent.objects.values_list("action", flat=True)) == ["move", "move"]


def test_merge_two_codes_from_the_code_page(page, log_in, setup):
    project, codes = setup["project"], setup["codes"]
    log_in("pi1")
    page.goto(f"/p/{project.pk}/codebook/codes/{codes['guarding'].pk}/")
    page.get_by_role("link", name="Merge into…").click()
    expect(page.locator(".consequences")).to_contain_text("its 2 codings become codings of the other code")
    page.get_by_label("Merge into").select_option(str(codes["territory"].pk))
    page.get_by_role("button", name="Merge").click()

    expect(page.locator("h1")).to_contain_text("Territorial behaviour")
    expect(page.locator(".messages")).to_contain_text(
        "“Guarding data” merged into “Territorial behaviour”: 2 coding(s) moved."
    )
    expect(page.locator(".memo-list")).to_contain_text("Merged from “Guarding data”")
    expect(page.locator(".attributes")).to_contain_text("3")
    assert not Code.objects.filter(pk=codes["guarding"].pk).exists()
    assert Coding.objects.filter(code=codes["territory"]).count() == 3
    assert CodebookEvent.objects.get().action == "merge"


def test_add_codes_in_place_from_the_codebook_page(page, log_in, setup):
    project, codes = setup["project"], setup["codes"]
    log_in("pi1")
    page.goto(f"/p/{project.pk}/codebook/")

    # Under the chosen code: the panel's form; the row arrives last among the sub-codes, the form empties.
    page.locator("#codebook-trees .code-link", has_text="Determinants").click()
    panel = page.locator("#code-panel")
    expect(panel).to_contain_text("Add a sub-code under “Determinants”")
    panel.get_by_label("Name").fill("Trust")
    panel.get_by_label("Definition").fill("Confidence that partners keep their word.")
    panel.get_by_role("button", name="Add code").click()
    expect(page.locator("#codebook-status")).to_contain_text("Code “Trust” created under “Determinants”.")
    kids = page.locator(f"#code-{codes['determinants'].pk} > details.branch > ul > li.node")
    expect(kids).to_have_count(2)
    expect(kids.last).to_have_attribute("data-name", "Trust")
    expect(kids.last.locator(".count.rolled")).to_have_text("0")
    expect(panel.get_by_label("Name")).to_have_value("")
    expect(panel.get_by_label("Name")).to_be_focused()
    # The previous last sub-code can now move down; the new one cannot.
    expect(kids.first.get_by_role("button", name="Move Data ownership down")).to_be_enabled()
    expect(kids.last.get_by_role("button", name="Move Trust down")).to_be_disabled()

    # A name its siblings already have is refused with the reason, and nothing is added.
    panel.get_by_label("Name").fill("trust")
    panel.get_by_role("button", name="Add code").click()
    expect(page.locator("#codebook-status .error")).to_contain_text("There is already a code “Trust”")
    expect(kids).to_have_count(2)

    # A first sub-code opens a branch under a code that had none.
    page.locator("#codebook-trees .code-link", has_text="Territorial behaviour").click()
    expect(panel).to_contain_text("Add a sub-code under “Territorial behaviour”")
    panel.get_by_label("Name").fill("Turf")
    panel.get_by_role("button", name="Add code").click()
    turf = page.locator(f'#code-{codes["territory"].pk} > details.branch li.node[data-name="Turf"]')
    expect(turf).to_be_visible()

    # At the top level, from the form above the tree.
    page.get_by_text("Add a code", exact=True).click()
    top = page.locator(".quick-add-top form")
    under = top.get_by_label("Under")
    expect(under).to_have_value("")
    top.get_by_label("Name").fill("Outcomes")
    top.get_by_label("Level").select_option("selective")
    top.get_by_role("button", name="Add code").click()
    expect(page.locator('#codebook-trees li.node[data-name="Outcomes"]')).to_be_visible()

    # Under any code, chosen in "Under": the list already holds the code just added, and the choice stays for
    # the next code, also when a code is added from the panel meanwhile.
    outcomes = Code.objects.get(name="Outcomes")
    under.select_option(label="Outcomes")
    top.get_by_label("Name").fill("Data sharing agreements")
    top.get_by_role("button", name="Add code").click()
    expect(page.locator("#codebook-status")).to_contain_text("created under “Outcomes”")
    expect(page.locator(f'#code-{outcomes.pk} li.node[data-name="Data sharing agreements"]')).to_be_visible()
    expect(under).to_have_value(str(outcomes.pk))
    expect(top.get_by_label("Name")).to_have_value("")
    panel.get_by_label("Name").fill("Boundaries")
    panel.get_by_role("button", name="Add code").click()
    status = page.locator("#codebook-status")
    expect(status).to_contain_text("“Boundaries” created under “Territorial behaviour”")
    expect(under.locator("option", has_text="Boundaries")).to_have_count(1)
    expect(under).to_have_value(str(outcomes.pk))
    top.get_by_label("Name").fill("Joint projects")
    top.get_by_role("button", name="Add code").click()
    expect(page.locator(f'#code-{outcomes.pk} li.node[data-name="Joint projects"]')).to_be_visible()
    page.screenshot(path="/tmp/crosscase-codebook-quick-add.png", full_page=True)

    assert list(
        Code.objects.filter(parent=codes["determinants"]).order_by("position").values_list("name", flat=True)
    ) == [
        "Data ownership",
        "Trust",
    ]
    assert Code.objects.get(name="Outcomes").level == "selective"
    assert list(outcomes.children.order_by("position").values_list("name", flat=True)) == [
        "Data sharing agreements",
        "Joint projects",
    ]
    assert Code.objects.get(name="Turf").parent_id == codes["territory"].pk
    # What the page shows is what a reload shows.
    page.reload()
    expect(page.locator(f"#code-{codes['determinants'].pk} > details.branch > ul > li.node")).to_have_count(2)
