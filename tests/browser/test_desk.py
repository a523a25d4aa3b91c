"""The review desk in a real browser at 1280 × 800: the matrix and co-occurrence tables keep the window's
width with the drill-down drawer open, the codebook tree folds by mouse and keyboard and reorders by drag and
by buttons, and the retrieval picker finds codes by typing. Screenshots go to /tmp/shots/desk-*.png."""

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
        transcript = TranscriptFactory(
            case=case, title=f"Interview {index + 1}", respondent=f"R{index}", text=text
        )
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


def node(page, name):
    return page.locator(f'#codebook-trees li.node[data-name="{name}"]')


def sibling_names(parent):
    return list(parent.children.order_by("position", "name").values_list("name", flat=True))


def test_codebook_tree_folds_by_mouse_and_keyboard_and_shows_the_chosen_code(page, log_in, desk):
    project = desk["project"]
    open_page(page, log_in, f"/p/{project.pk}/codebook/")
    constitution = node(page, "Constitution of interagency relationships")
    tiao_ties = node(page, "TIAO vertical ties")
    expect(tiao_ties).to_be_visible()
    # Rolled-up counts: the parents carry their children's quotations (three TIAO codings, in three cases).
    expect(constitution.locator(":scope > .row .count.own")).to_have_text("0")
    expect(constitution.locator(":scope > .row .count.rolled")).to_have_text("3")
    page.screenshot(path=SHOTS / "desk-codebook.png")

    def folds(close, reopen, below):
        close()
        expect(below).to_be_hidden()
        reopen()
        expect(below).to_be_visible()

    # Mouse: the fold at the row's left closes and opens the branch.
    fold = constitution.locator(":scope > details.branch > summary")
    folds(fold.click, fold.click, tiao_ties)

    # Keyboard: ← closes, → opens, ↓ goes into the branch, ← from a child goes back to its parent.
    link = constitution.locator(":scope > .row .code-link")
    link.focus()
    folds(lambda: page.keyboard.press("ArrowLeft"), lambda: page.keyboard.press("ArrowRight"), tiao_ties)
    page.keyboard.press("ArrowDown")
    relationships = page.locator(
        "#codebook-trees li.node[data-name^='Interagency relationships in the TIAO']"
    )
    expect(relationships.locator(":scope > .row .code-link")).to_be_focused()
    page.keyboard.press("ArrowLeft")  # closes its own branch
    expect(tiao_ties).to_be_hidden()
    page.keyboard.press("ArrowLeft")  # now to the parent
    expect(link).to_be_focused()
    # Enter or Space on the fold itself toggles it too.
    relationships.locator(":scope > details.branch > summary").focus()
    page.keyboard.press("Enter")
    folds(lambda: page.keyboard.press("Space"), lambda: page.keyboard.press("Enter"), tiao_ties)

    # Choosing a code shows it in the panel beside the tree, without leaving the page.
    page.evaluate("window.stillHere = true")
    ownership = node(page, "Data ownership").locator(":scope > .row .code-link")
    ownership.click()
    panel = page.locator("#code-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Data ownership")
    expect(panel).to_contain_text("6 with the code itself · 6 with it or a code beneath it")
    assert page.evaluate("window.stillHere") is True
    page.screenshot(path=SHOTS / "desk-codebook-panel.png")

    # Compact: names and counts only.
    page.get_by_role("link", name="Compact").click()
    expect(page.locator("#codebook-trees.compact")).to_be_visible()
    expect(page.locator("#codebook-trees .definition")).to_have_count(0)
    page.screenshot(path=SHOTS / "desk-codebook-compact.png")


def test_siblings_reorder_by_drag_and_by_buttons(page, log_in, desk):
    project, codes = desk["project"], desk["codes"]
    determinants = codes["Determinants of interagency relationships"]
    open_page(page, log_in, f"/p/{project.pk}/codebook/?compact=1")
    first = sibling_names(determinants)
    assert first[:2] == ["Intention to help people", "Political determination"]

    # Drag the third sibling onto the upper edge of the first: it goes before it.
    dragged = node(page, first[2]).locator(":scope > .row")
    target = node(page, first[0]).locator(":scope > .row")
    dragged.drag_to(target, target_position={"x": 40, "y": box(target)["height"] * 0.1})
    expect(page.locator("#codebook-status")).to_contain_text(f"“{first[2]}” moved before “{first[0]}”.")
    expect(page.locator("#codebook-trees.compact")).to_be_visible()
    assert sibling_names(determinants) == [first[2], first[0], first[1], *first[3:]]
    # …and onto the lower edge of the last: after it.
    target = node(page, first[-1]).locator(":scope > .row")
    target.scroll_into_view_if_needed()
    node(page, first[2]).locator(":scope > .row").drag_to(
        target, target_position={"x": 40, "y": box(target)["height"] * 0.9}
    )
    expect(page.locator("#codebook-status")).to_contain_text(f"“{first[2]}” moved after “{first[-1]}”.")
    assert sibling_names(determinants) == [first[0], first[1], *first[3:], first[2]]

    # The buttons, by keyboard: the focus stays on the moved code's button.
    up = page.get_by_role("button", name=f"Move {first[1]} up")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#codebook-status")).to_contain_text(f"“{first[1]}” moved up.")
    expect(page.get_by_role("button", name=f"Move {first[1]} down")).to_be_focused()
    assert sibling_names(determinants)[:2] == [first[1], first[0]]
    events = project.codebook_events.filter(action="move").count()
    assert events == 3


def test_reorder_buttons_work_without_javascript(new_context, live_server, desk, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    project, codes = desk["project"], desk["codes"]
    determinants = codes["Determinants of interagency relationships"]
    first = sibling_names(determinants)
    page = new_context().new_page()
    page.context.set_offline(False)
    page.route("**/*.js", lambda route: route.abort())
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("pi1")
    page.get_by_label("Password").fill("s3cret-pass-word")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/p/{project.pk}/codebook/")
    page.get_by_role("button", name=f"Move {first[0]} down").click()
    expect(page.locator(".messages")).to_contain_text(f"“{first[0]}” moved after “{first[1]}”.")
    assert sibling_names(determinants)[:2] == [first[1], first[0]]
    # Without scripts the tree still folds (<details>).
    tiao_ties = node(page, "TIAO vertical ties")
    expect(tiao_ties).to_be_visible()
    node(page, "Constitution of interagency relationships").locator(
        ":scope > details.branch > summary"
    ).click()
    expect(tiao_ties).to_be_hidden()
    assert Code.objects.filter(project=project).count() == len(desk["codes"])


def test_retrieval_picker_finds_codes_by_typing_and_the_result_is_right(page, log_in, desk):
    project = desk["project"]
    open_page(page, log_in, f"/p/{project.pk}/retrieval/")
    # The selects stay in the form, hidden; their labels now name the pickers' boxes.
    expect(page.locator("select[name=any_codes]")).to_be_hidden()
    box_or = page.get_by_role("combobox", name="Any of these codes (OR)")
    box_or.fill("owner")
    options = page.get_by_role("listbox", name="Any of these codes (OR)").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_accessible_name(
        "Determinants of interagency relationships › Data ownership"
    )
    page.keyboard.press("Enter")
    chips = page.locator(".picker-chip")
    expect(chips).to_have_text(["Data ownership×"])
    # A second code by its path, chosen with the mouse; the list shows the path while searching.
    box_or.fill("tiao vertical")
    page.get_by_role("option", name="TIAO vertical ties").click()
    expect(chips).to_have_count(2)
    page.screenshot(path=SHOTS / "desk-retrieval-picker.png")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#results .results-head")).to_contain_text("9 quotations")

    # NOT, in its own picker: without the TIAO passages, the six Data ownership ones remain.
    box_not = page.get_by_role("combobox", name="None of these codes (NOT)")
    box_not.fill("vertical")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    box_or.focus()
    page.keyboard.press("Backspace")  # the last chip of OR (TIAO vertical ties) goes
    expect(page.locator(".picker-chip")).to_have_text(["Data ownership×", "TIAO vertical ties×"])
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("#results .results-head")).to_contain_text("6 quotations")
    assert "not_codes=" in page.url and "any_codes=" in page.url
    page.screenshot(path=SHOTS / "desk-retrieval-result.png")
