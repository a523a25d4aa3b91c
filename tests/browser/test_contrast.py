"""What Chromium draws: paragraph numbers, matrix figures and zeros at 4.5:1 or more, and an icon, no 404."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Computed colours come back as rgb(…), rgba(…) or, for color-mix(), color(srgb r g b) with 0–1 channels.
# The background is the nearest ancestor's that is not transparent.
WORST_CONTRAST = """
([selector, pseudo]) => {
  const channels = (value) => {
    const srgb = value.match(/color\\(srgb ([\\d.e-]+) ([\\d.e-]+) ([\\d.e-]+)(?: \\/ ([\\d.]+))?\\)/);
    const alpha = (match) => (match[4] === undefined ? 1 : Number(match[4]));
    if (srgb) return [...srgb.slice(1, 4).map((v) => Number(v) * 255), alpha(srgb)];
    const rgb = value.match(/rgba?\\(([\\d.]+), ([\\d.]+), ([\\d.]+)(?:, ([\\d.]+))?\\)/);
    return [...rgb.slice(1, 4).map(Number), alpha(rgb)];
  };
  const luminance = ([r, g, b]) => {
    const lin = (v) => (v /= 255) <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const colour = channels(getComputedStyle(node).backgroundColor);
      if (colour[3] > 0) return colour;
    }
    return [255, 255, 255, 1];
  };
  let worst = { ratio: 21, text: null };
  for (const element of document.querySelectorAll(selector)) {
    const fg = channels(getComputedStyle(element, pseudo).color);
    const [a, b] = [luminance(fg), luminance(background(element))].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < worst.ratio) worst = { ratio, text: element.textContent.trim().slice(0, 20) };
  }
  return worst;
}
"""


def worst(page, selector: str, pseudo: str | None = None) -> float:
    """The lowest contrast of the matching elements' text (or their pseudo-element's) on their background."""
    return page.evaluate(WORST_CONTRAST, [selector, pseudo])["ratio"]


def test_paragraph_numbers_matrix_figures_and_zeros_meet_aa(page, log_in, analysis, viewer):
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status == 404 else None)
    log_in("reader", "correct horse battery")
    project = analysis.project

    page.goto(f"/p/{project.pk}/t/{analysis.transcripts.x1.pk}/code/")
    assert page.locator(".para").count() > 1
    assert worst(page, ".para", "::before") >= 4.5
    page.screenshot(path="/tmp/crosscase-contrast-workspace.png")

    page.goto(f"/p/{project.pk}/transcripts/{analysis.transcripts.x1.pk}/")
    assert worst(page, ".transcript .pno") >= 4.5

    page.goto(f"/p/{project.pk}/matrix/")
    assert page.locator("#matrix .zero").count() > 0
    assert worst(page, "#matrix .zero") >= 4.5
    assert worst(page, "#matrix td.cell a") >= 4.5
    page.screenshot(path="/tmp/crosscase-contrast-matrix.png", full_page=True)

    page.goto(f"/p/{project.pk}/matrix/?view=valence")
    assert page.locator("#matrix.valence-view .zero").count() > 0
    assert worst(page, "#matrix .zero") >= 4.5
    assert worst(page, "#matrix td.cell a, #matrix td.cell .net") >= 4.5
    page.screenshot(path="/tmp/crosscase-contrast-valence.png", full_page=True)

    icon = page.evaluate("document.querySelector('link[rel=icon]').href")
    assert page.request.get(icon).ok
    assert page.request.get("/favicon.ico").ok  # follows the redirect to the SVG
    assert missing == []
