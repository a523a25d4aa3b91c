"""Under the Content-Security-Policy the pages still draw what style attributes used to: the code colours
of highlights, chips and swatches, the matrix's heat and the codebook tree's indentation (static/js/paint.js
turns the value-carrying classes into rules). Screenshots go to /tmp/shots/ for a person to compare."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from codebook.models import Code
from tests.browser.test_workspace import select_with_mouse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
COLOURS = {"ownership": "#d62728", "political": "#1f77b4", "marking": "#2ca02c", "marking_data": "#9467bd"}


def rgb(hex_colour: str, alpha: str = "") -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})" if alpha else f"rgb({red}, {green}, {blue})"


def style(locator, prop: str) -> str:
    return locator.evaluate("(element, prop) => getComputedStyle(element)[prop]", prop)


@pytest.fixture
def coloured(analysis):
    for name, colour in COLOURS.items():
        Code.objects.filter(pk=getattr(analysis.codes, name).pk).update(colour=colour)
    SHOTS.mkdir(exist_ok=True)
    return analysis


def test_highlights_and_chips_carry_their_codes_colours(page, log_in, coloured):
    log_in("pi", "correct horse battery")
    x1 = coloured.transcripts.x1
    page.goto(f"/p/{coloured.project.pk}/t/{x1.pk}/code/")
    # "The bureau says the records are ours alone." carries Data ownership and Political determination.
    run = page.locator("#text .hl", has_text="The bureau says").first
    expect(run).to_have_class("hl layers-2 u0-d62728 u1-1f77b4")
    background = style(run, "backgroundImage")
    assert rgb(COLOURS["ownership"]) in background and rgb(COLOURS["political"]) in background
    assert style(run, "backgroundColor") == rgb(COLOURS["ownership"], "0.2")  # the tint
    assert style(run, "paddingBottom") == "8px"  # room for two underlines

    chip = page.locator(f'#text .chip[data-code="{coloured.codes.political.pk}"]').first
    assert style(chip, "borderLeftColor") == rgb(COLOURS["political"])
    swatch = page.locator(f'.code-row[data-code="{coloured.codes.ownership.pk}"] .swatch')
    assert style(swatch, "backgroundColor") == rgb(COLOURS["ownership"])
    # Playwright hides the caret with a style attribute unless told not to; the page itself writes none.
    page.screenshot(path=str(SHOTS / "workspace.png"), caret="initial")

    # A highlight redrawn by htmx (the coder filter swaps the text) is painted too, and Back restores htmx's
    # snapshot of the page, tooltip and all, without anything for the policy to refuse.
    run.hover()
    expect(page.locator("#tooltip")).to_be_visible()
    page.get_by_label("Only mine").check()
    expect(page).to_have_url(re.compile(r"mine=on"))
    run = page.locator("#text .hl", has_text="The bureau says").first
    expect(run).to_have_class("hl layers-2 u0-d62728 u1-1f77b4")
    assert rgb(COLOURS["political"]) in style(run, "backgroundImage")
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"mine=on"))
    assert rgb(COLOURS["political"]) in style(page.locator("#text .hl").first, "backgroundImage")

    # The picker (placed by a constructed stylesheet, not a style attribute) draws its swatches the same way.
    page.goto(f"/p/{coloured.project.pk}/t/{x1.pk}/code/")
    select_with_mouse(page, "Nobody else may copy them.")
    expect(page.locator("#picker")).to_be_visible()
    page.keyboard.type("political")
    swatch = page.locator("#picker-list .swatch").first
    assert style(swatch, "backgroundColor") == rgb(COLOURS["political"])
    assert page.evaluate("document.querySelectorAll('[style]').length") == 0


def test_matrix_heat_and_the_codebook_trees_indentation(page, log_in, coloured):
    log_in("pi", "correct horse battery")
    project, codes = coloured.project, coloured.codes
    page.goto(f"/p/{project.pk}/matrix/")
    cells = page.locator("#matrix tbody td.cell:not(.total)")  # totals are not shaded
    heats = cells.evaluate_all(
        "cells => cells.map(cell => [cell.textContent.trim(), getComputedStyle(cell).backgroundColor])"
    )
    counts = [int(text) for text, _ in heats]
    zero = next(colour for text, colour in heats if text == "0")
    largest = heats[counts.index(max(counts))][1]
    assert largest != zero and zero in {"rgb(255, 255, 255)", "color(srgb 1 1 1)"}  # white at heat 0
    ownership = page.locator(f"#matrix tr[data-code='{codes.ownership.pk}'] th")
    determinants = page.locator(f"#matrix tr[data-code='{codes.determinants.pk}'] th")
    assert float(style(ownership, "paddingLeft")[:-2]) > float(style(determinants, "paddingLeft")[:-2])
    assert style(ownership.locator(".swatch"), "backgroundColor") == rgb(COLOURS["ownership"])
    page.screenshot(path=str(SHOTS / "matrix.png"), caret="initial")

    page.goto(f"/p/{project.pk}/codebook/")
    # The tree indents by nesting (no depth class): each level's swatch sits further right.
    indents = [
        page.locator(f"#code-{code.pk} > .row .swatch").bounding_box()["x"]
        for code in (codes.territory, codes.marking, codes.marking_data)
    ]
    assert indents[0] < indents[1] < indents[2]
    swatch = page.locator(f"#code-{codes.marking_data.pk} > .row .swatch")
    assert style(swatch, "backgroundColor") == rgb(COLOURS["marking_data"])
    page.screenshot(path=str(SHOTS / "codebook.png"), caret="initial")


def test_print_button_and_the_admin_pass_the_policy(page, log_in, coloured, django_user_model):
    log_in("pi", "correct horse battery")
    page.goto(f"/p/{coloured.project.pk}/codebook/document/")
    swatch = page.locator(f"#code-{coloured.codes.political.pk} .swatch")
    assert style(swatch, "backgroundColor") == rgb(COLOURS["political"])
    page.evaluate("window.print = () => { window.printed = true; }")
    page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("window.printed") is True

    django_user_model.objects.filter(username="pi").update(is_staff=True, is_superuser=True)
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto("/admin/auth/user/")
    page.get_by_role("link", name="pi", exact=True).click()
    expect(page.get_by_role("heading", name="Change user")).to_be_visible()
