"""Text meets WCAG AA contrast (4.5:1) against the background it sits on, and the site has an icon.

The colours are read from the stylesheets themselves, so a later colour change that breaks AA fails here.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse

from coding.analysis.tables import DARK

CSS = Path(settings.BASE_DIR) / "static" / "css"
AA = 4.5


def rules(path: Path) -> dict[str, dict[str, str]]:
    """Selector → declarations of one stylesheet, print and narrow-screen variants left out."""
    text = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    text = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", text)
    found: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", text):
        declarations = {
            name.strip(): value.strip()
            for name, value in (part.split(":", 1) for part in body.split(";") if ":" in part)
        }
        for selector in selectors.split(","):
            found.setdefault(" ".join(selector.split()), {}).update(declarations)
    return found


SHEETS = {path.stem: rules(path) for path in sorted(CSS.glob("*.css"))}
VARIABLES = SHEETS["app"][":root"]


def declared(sheet: str, selector: str, prop: str) -> str:
    value = SHEETS[sheet][selector][prop]
    # --heat is set per cell by the page; at_heat() puts a number in its place.
    return re.sub(r"var\((--(?!heat\b)[\w-]+)\)", lambda m: VARIABLES[m.group(1)], value)


def rgb(colour: str) -> tuple[float, float, float]:
    hex_digits = colour.removeprefix("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(digit * 2 for digit in hex_digits)
    assert re.fullmatch(r"[0-9a-fA-F]{6}", hex_digits), colour
    return tuple(int(hex_digits[i : i + 2], 16) for i in (0, 2, 4))


def at_heat(value: str, heat: float) -> tuple[float, float, float]:
    """A colour, or a heat-map `color-mix(in srgb, A calc(… var(--heat) …%), B)` at the given heat."""
    mixed = re.fullmatch(r"color-mix\(in srgb, (#\w+) calc\((.+)%\), (#\w+)\)", value)
    if not mixed:
        return rgb(value)
    first, expression, second = mixed.groups()
    expression = expression.replace("var(--heat)", repr(heat)).replace("%", "")
    assert re.fullmatch(r"[\d.\s+\-*/()]+", expression), expression
    share = min(100.0, max(0.0, eval(expression))) / 100  # arithmetic only, checked just above
    return tuple(a * share + b * (1 - share) for a, b in zip(rgb(first), rgb(second), strict=True))


def luminance(colour: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one, other) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


INK = ("app", "body", "color")
PAGE = ("app", "body", "background")
SURFACE = ("workspace", ".panel", "background")
HEADER = ("app", ".site-header", "background")
LIGHT_CELL = ("matrix", "td.cell", "background")
DARK_CELL = ("matrix", "td.cell.dark", "background")
WHITE_FIGURE = ("matrix", "td.cell.dark", "color")
ABOVE_DARK = DARK + 0.001

# (what, foreground, background, heats at which to check the background)
PAIRS = [
    ("workspace paragraph numbers", ("workspace", ".para::before", "color"), SURFACE, [0]),
    ("transcript page paragraph numbers", ("app", ".transcript .pno", "color"), SURFACE, [0]),
    ("muted text on the page", ("app", ".muted", "color"), PAGE, [0]),
    ("muted text on a panel", ("app", ".muted", "color"), SURFACE, [0]),
    (
        "header's muted text",
        ("app", ".account-nav .muted", "color"),
        ("app", ".site-header", "background"),
        [0],
    ),
    ("placeholders", ("app", "::placeholder", "color"), SURFACE, [0]),
    (
        "header search placeholder",
        ("app", ".nav-search input::placeholder", "color"),
        ("app", ".nav-search input", "background"),
        [0],
    ),
    ("history's actor", ("codebook", ".events .who", "color"), SURFACE, [0]),
    (
        "import preview's changed status",
        ("codebook", ".import-preview tr.status-changed td:first-child", "color"),
        SURFACE,
        [0],
    ),
    ("matrix zeros", ("matrix", "td.cell .zero", "color"), LIGHT_CELL, [0]),
    ("matrix figures on light cells", INK, LIGHT_CELL, [0, DARK]),
    ("matrix figures on dark cells", WHITE_FIGURE, DARK_CELL, [ABOVE_DARK, 1]),
    ("pulling figures on light cells", INK, ("matrix", ".valence-view td.cell.pos", "background"), [0, DARK]),
    ("pushing figures on light cells", INK, ("matrix", ".valence-view td.cell.neg", "background"), [0, DARK]),
    (
        "pulling figures on dark cells",
        WHITE_FIGURE,
        ("matrix", ".valence-view td.cell.dark.pos", "background"),
        [ABOVE_DARK, 1],
    ),
    (
        "pushing figures on dark cells",
        WHITE_FIGURE,
        ("matrix", ".valence-view td.cell.dark.neg", "background"),
        [ABOVE_DARK, 1],
    ),
]


@pytest.mark.parametrize(("what", "foreground", "background", "heats"), PAIRS, ids=[p[0] for p in PAIRS])
def test_text_meets_aa_contrast_on_its_background(what, foreground, background, heats):
    colour = rgb(declared(*foreground))
    for heat in heats:
        ratio = contrast(colour, at_heat(declared(*background), heat))
        assert ratio >= AA, f"{what}: {ratio:.2f}:1 at heat {heat}"


def test_co_occurrence_zeros_meet_aa_on_the_striped_diagonal():
    stripes = re.findall(r"#\w{6}", declared("matrix", "td.cell.diagonal", "background"))
    assert stripes
    for stripe in stripes:
        assert contrast(rgb(declared("matrix", "td.cell .zero", "color")), rgb(stripe)) >= AA


def test_zeros_beside_valence_figures_take_the_figures_colour():
    assert declared("matrix", ".valence-view td.cell .zero", "color") == "inherit"


def test_figures_are_never_faded():
    faded = [
        selector for selector, body in SHEETS["matrix"].items() if "opacity" in body and "td.cell" in selector
    ]
    assert faded == []


def test_the_check_itself_reproduces_known_ratios():
    assert contrast(rgb("#8a949c"), rgb("#ffffff")) == pytest.approx(3.09, abs=0.005)  # the old numbers
    assert contrast(rgb("#a4acb2"), rgb("#ffffff")) == pytest.approx(2.30, abs=0.005)  # the old zeros
    assert contrast(rgb("#000"), rgb("#fff")) == pytest.approx(21)


def test_every_page_links_the_icon_and_the_icon_is_served(client, owner):
    client.force_login(owner)
    page = client.get(reverse("cases:project_list"))
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page.text
    icon = finders.find("favicon.svg")
    assert icon and Path(icon).read_text(encoding="utf-8").startswith("<svg")


def test_favicon_ico_redirects_to_the_icon_for_anyone(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/favicon.svg"
    assert "max-age=86400" in response["Cache-Control"]
    assert client.head("/favicon.ico").status_code == 302
    assert client.post("/favicon.ico").status_code == 405
