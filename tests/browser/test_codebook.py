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
