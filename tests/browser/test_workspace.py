"""Coding in a real browser: selections by mouse and keyboard, the picker, in-vivo codes, boundaries, undo."""

import pytest
from playwright.sync_api import expect

from cases.models import Role
from codebook.models import Code
from coding.models import Coding, Segment
from tests.browser.conftest import member
from tests.factories import CaseFactory, CodeFactory, TranscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = (
    "Interviewer: How do agencies share data here?\n\n"
    "R01: Every bureau guards its own data. The big-data bureau asks, but the departments say the data "
    "belongs to them.\n\n"
    "Interviewer: What helps?\n\n"
    "R01: When the mayor pushes, things move quickly."
)
# Traditional Chinese with 𠮷 (U+20BB7, outside the BMP: two UTF-16 units, one code point) and an emoji.
CHINESE = (
    "問：你們部門之間怎樣共享數據？\n\n"
    "答：每個局都守著自己的數據，𠮷部門說數據屬於他們。\n\n"
    "問：什麼有幫助？\n\n"
    "答：市長推動的時候 🙂，事情進展很快。"
)
# Per language: a passage to code by mouse, the start and length (in characters) of one to select with the
# keyboard, one for an in-vivo code, and a shorter passage inside the first to move its boundaries to.
FLOWS = {
    "english": {
        "text": ENGLISH,
        "mouse": "Every bureau guards its own data.",
        "keyboard": ("When the mayor", 14),
        "in_vivo": "the data belongs to them",
        "boundary": "Every bureau",
    },
    "chinese": {
        "text": CHINESE,
        "mouse": "𠮷部門說數據屬於他們",
        "keyboard": ("市長推動的時候 🙂", 9),
        "in_vivo": "守著自己的數據",
        "boundary": "𠮷部門",
    },
}

# Finds `phrase` in the rendered transcript (independently of the app's own offset code) and returns the
# viewport coordinates of its first and last characters.
LOCATE = """([phrase]) => {
  const root = document.getElementById('text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let full = '', nodes = [];
  while (walker.nextNode()) {
    const n = walker.currentNode;
    if (n.parentElement.closest('.pmargin')) continue;
    nodes.push([n, full.length]); full += n.data;
  }
  const at = full.indexOf(phrase);
  if (at < 0) throw new Error('phrase not found: ' + phrase);
  const point = (index) => {
    for (let i = nodes.length - 1; i >= 0; i--) {
      if (nodes[i][1] <= index) return [nodes[i][0], index - nodes[i][1]];
    }
  };
  const rect = (index, width) => {
    const [n, o] = point(index);
    const r = document.createRange();
    r.setStart(n, o);
    r.setEnd(n, o + width);
    return r.getBoundingClientRect();
  };
  const last = phrase.codePointAt(phrase.length - 2) > 0xffff ? 2 : 1;
  const a = rect(at, phrase.codePointAt(0) > 0xffff ? 2 : 1), b = rect(at + phrase.length - last, last);
  return {x1: a.left + 1, y1: a.top + a.height / 2, x2: b.right - 1, y2: b.top + b.height / 2};
}"""

CARET_BEFORE = """([phrase]) => {
  const root = document.getElementById('text');
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const n = walker.currentNode, i = n.data.indexOf(phrase);
    if (i >= 0 && !n.parentElement.closest('.pmargin')) {
      root.focus(); const s = window.getSelection(); s.collapse(n, i); return true;
    }
  }
  throw new Error('phrase not found');
}"""


def select_with_mouse(page, phrase: str) -> None:
    box = page.evaluate(LOCATE, [phrase])
    page.mouse.move(box["x1"] - 0.5, box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=4)
    page.mouse.move(box["x2"] + 0.5, box["y2"], steps=4)
    page.mouse.up()


@pytest.fixture
def setup(django_user_model):
    case = CaseFactory(name="City X")
    user = member(case.project, "coder1", Role.CODER)
    parent = CodeFactory(project=case.project, name="Determinants", is_codable=False, colour="#c6dbef")
    CodeFactory(project=case.project, parent=parent, name="Data ownership", colour="#fc9272")
    CodeFactory(project=case.project, parent=parent, name="Political determination", colour="#a1d99b")
    return {"user": user, "project": case.project, "case": case, "parent": parent}


def workspace(page, setup, transcript):
    page.goto(f"/p/{setup['project'].pk}/t/{transcript.pk}/code/")
    expect(page.locator("#text")).to_be_visible()


def wait_for_codings(page, count: int) -> None:
    """Waits until the page shows `count` codings in the margin, then checks the database agrees.

    Waiting on the page, not by polling the database, keeps the test off the tables while the server writes.
    """
    expect(page.locator("#text .chip")).to_have_count(count)
    assert Coding.objects.count() == count


def code_points(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


@pytest.mark.parametrize("language", ["english", "chinese"])
def test_coding_end_to_end(page, log_in, setup, language):
    flow = FLOWS[language]
    text = flow["text"]
    transcript = TranscriptFactory(case=setup["case"], title=f"Interview ({language})", text=text)
    log_in("coder1")
    workspace(page, setup, transcript)
    picker = page.locator("#picker")

    # Mouse: select a passage, then two codes with a negative valence through the picker.
    select_with_mouse(page, flow["mouse"])
    expect(picker).to_be_visible()
    page.keyboard.type("ownership")
    page.keyboard.press("Shift+Enter")  # tick it and keep choosing
    page.locator("#picker-filter").fill("")
    page.keyboard.type("-")  # with an empty filter, "-" sets "pushes apart"
    page.keyboard.type("political")
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    wait_for_codings(page, 2)
    segment = Segment.objects.get()
    assert (segment.start, segment.end) == code_points(text, flow["mouse"])
    assert segment.quote == flow["mouse"]
    assert set(segment.codings.values_list("code__name", "valence")) == {
        ("Data ownership", "negative"),
        ("Political determination", "negative"),
    }

    # Keyboard: put the caret before a passage and extend the selection with Shift+Right, one per character.
    passage, characters = flow["keyboard"]
    page.evaluate(CARET_BEFORE, [passage])
    for _ in range(characters):
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Enter")
    expect(picker).to_be_visible()
    expect(page.locator("#picker-filter")).to_be_focused()
    page.keyboard.type("+")
    page.keyboard.type("political")
    page.keyboard.press("Enter")
    wait_for_codings(page, 3)
    keyboard_segment = Segment.objects.exclude(pk=segment.pk).get()
    assert (keyboard_segment.start, keyboard_segment.end) == code_points(text, passage)
    assert keyboard_segment.quote == passage
    assert keyboard_segment.codings.get().valence == "positive"

    # In vivo: a new open code named after the passage, under "Determinants".
    select_with_mouse(page, flow["in_vivo"])
    expect(picker).to_be_visible()
    page.locator(".new-code summary").click()
    page.locator("#new-code").fill(flow["in_vivo"])
    page.locator("#new-code-parent").select_option(label="Determinants")
    page.locator("#new-code").press("Enter")
    wait_for_codings(page, 4)
    in_vivo = Code.objects.get(name=flow["in_vivo"])
    assert (in_vivo.parent, in_vivo.level, in_vivo.framework) == (setup["parent"], "open", "emergent")
    assert Segment.objects.get(codings__code=in_vivo).quote == flow["in_vivo"]

    # Edit a boundary: open the first quotation, select a shorter passage and use it.
    page.locator(f'#text .chip[data-segment="{segment.pk}"]').first.click()
    panel = page.locator("#segment-panel")
    expect(panel).to_contain_text("Quotation Q1")  # the project's first, whatever other projects hold
    select_with_mouse(page, flow["boundary"])
    page.keyboard.press("Escape")
    panel.get_by_role("button", name="Use current selection").click()
    panel.get_by_role("button", name="Save boundaries").click()
    start, end = code_points(text, flow["boundary"])
    expect(panel.locator("blockquote")).to_have_text(flow["boundary"])
    expect(page.locator(f'#text [data-o="{start}"][data-s~="{segment.pk}"]')).to_have_text(flow["boundary"])
    segment.refresh_from_db()
    assert (segment.start, segment.end, segment.quote) == (start, end, flow["boundary"])

    # Undo (Ctrl+Z) puts the old boundaries back without a page load.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    expect(page.locator(f'#text [data-o="{start}"][data-s~="{segment.pk}"]')).to_have_text(flow["mouse"])
    expect(page.locator(".messages")).to_have_count(0)
    segment.refresh_from_db()
    assert (segment.start, segment.end, segment.quote) == (*code_points(text, flow["mouse"]), flow["mouse"])

    # Everything persisted: a reload draws the same four codings on the same characters.
    page.reload()
    expect(page.locator("#text .chip")).to_have_count(4)
    expect(page.locator(f'#text [data-o="{start}"][data-s~="{segment.pk}"]')).to_have_text(flow["mouse"])
    assert Coding.objects.count() == 4


def test_viewer_reads_highlights_but_cannot_select_to_code(page, log_in, setup):
    transcript = TranscriptFactory(case=setup["case"], text=ENGLISH)
    member(setup["project"], "reader", Role.VIEWER)
    log_in("reader")
    workspace(page, setup, transcript)
    select_with_mouse(page, "Every bureau guards its own data.")
    expect(page.locator("#picker")).to_have_count(0)
    assert page.locator("#text").get_attribute("contenteditable") is None


def test_only_mine_stays_ticked_through_an_in_vivo_code_and_its_undo(page, log_in, setup):
    transcript = TranscriptFactory(case=setup["case"], text=ENGLISH)
    log_in("coder1")
    workspace(page, setup, transcript)
    panel = page.locator("#code-panel")
    panel.get_by_label("Only mine").check()
    expect(page.locator("#text")).to_have_attribute("data-filters", "mine=on")

    # An in-vivo code redraws the whole panel (it has a new row): the filter must come back as it was.
    select_with_mouse(page, "the data belongs to them")
    page.locator(".new-code summary").click()
    page.locator("#new-code").fill("belongs to them")
    page.locator("#new-code").press("Enter")
    wait_for_codings(page, 1)
    expect(panel.locator(".code-name", has_text="belongs to them")).to_be_visible()
    expect(panel.get_by_label("Only mine")).to_be_checked()
    expect(panel.get_by_label("Coder")).to_be_visible()

    # Undo redraws it again, without the in-vivo code.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    expect(panel.locator(".code-name", has_text="belongs to them")).to_have_count(0)
    wait_for_codings(page, 0)
    expect(panel.get_by_label("Only mine")).to_be_checked()
    expect(panel.get_by_label("Coder")).to_be_visible()
    page.screenshot(path="/tmp/workspace-only-mine-after-undo.png")
