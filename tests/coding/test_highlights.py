"""The server-side sweep that cuts a transcript into highlighted runs."""

import json
import re

from cases.turns import Label
from coding.workspace.highlights import Layer, Mark, render

TEXT = (
    "R01: The data belongs to us 𠮷 and nobody else.\n\nInterviewer: Why?\n\nR01: Because the bureau said so"
)
PARAGRAPHS = [(0, 46, ""), (48, 65, ""), (67, 98, "")]
LABELS = [Label(0, 4, "R01"), Label(48, 60, "Interviewer"), Label(67, 71, "R01")]


def layer(code_id: int, colour: str = "#ff0000", valence: str = "none") -> Layer:
    return Layer(code_id=code_id, name=f"Code {code_id}", colour=colour, valence=valence, coder="ra")


def runs(html: str) -> list[tuple[int, str, str]]:
    """(data-o, data-s, text) of every run."""
    found = re.findall(r'<(?:span|b) data-o="(\d+)"(?: data-s="([\d ]+)")?[^>]*>([^<]*)</(?:span|b)>', html)
    return [(int(offset), segments, text) for offset, segments, text in found]


def test_paragraph_offsets_match_the_text():
    assert [TEXT[start:end] for start, end, _ in PARAGRAPHS] == TEXT.split("\n\n")


def test_runs_reassemble_the_text_and_carry_code_point_offsets():
    marks = [Mark(1, 9, 27, layers=[layer(1)]), Mark(2, 19, 35, layers=[layer(2)])]
    paragraphs = render(text=TEXT, paragraphs=PARAGRAPHS, marks=marks, labels=LABELS)
    for paragraph in paragraphs:
        pieces = runs(paragraph.html)
        assert "".join(text for _, _, text in pieces) == TEXT[paragraph.start : paragraph.end]
        for offset, _, text in pieces:
            assert TEXT[offset : offset + len(text)] == text


def test_overlapping_segments_split_runs_at_every_boundary():
    marks = [Mark(1, 9, 27, layers=[layer(1)]), Mark(2, 19, 35, layers=[layer(2)])]
    first = render(text=TEXT, paragraphs=PARAGRAPHS, marks=marks, labels=LABELS)[0]
    assert runs(first.html) == [
        (0, "", "R01:"),
        (4, "", " The "),
        (9, "1", "data belon"),
        (19, "1 2", "gs to us"),
        (27, "2", " 𠮷 and n"),
        (35, "", "obody else."),
    ]
    assert [mark.segment_id for mark, _ in first.margin] == [1, 2]


def test_speaker_label_is_its_own_bold_run():
    paragraphs = render(text=TEXT, paragraphs=PARAGRAPHS, marks=[], labels=LABELS)
    assert paragraphs[1].html.startswith(
        '<b data-o="48" title="Interviewer" class="speaker">Interviewer:</b>'
    )
    assert paragraphs[1].speaker == "Interviewer"


def test_a_segment_across_paragraphs_is_drawn_in_each_and_listed_once_in_the_margin():
    mark = Mark(7, 40, 80, layers=[layer(3, valence="negative")])
    paragraphs = render(text=TEXT, paragraphs=PARAGRAPHS, marks=[mark], labels=LABELS)
    assert [p.segment_ids for p in paragraphs] == [frozenset({7}), frozenset({7}), frozenset({7})]
    assert [len(p.margin) for p in paragraphs] == [1, 0, 0]


def test_each_paragraph_carries_the_tooltips_of_the_segments_drawn_in_it():
    mark = Mark(7, 9, 27, memo="Said twice", layers=[layer(3, valence="negative")])
    paragraphs = render(text=TEXT, paragraphs=PARAGRAPHS, marks=[mark], labels=LABELS)
    assert json.loads(paragraphs[0].tooltips) == {
        "7": {
            "start": 9,
            "end": 27,
            "memo": "Said twice",
            "codes": [{"name": "Code 3", "colour": "#ff0000", "valence": "negative", "coder": "ra"}],
        }
    }
    assert [p.tooltips for p in paragraphs[1:]] == ["{}", "{}"]  # nothing drawn there


def test_text_is_escaped():
    text = "<script>alert(1)</script> & more"
    paragraphs = render(
        text=text, paragraphs=[(0, len(text), text)], marks=[Mark(1, 0, 8, layers=[layer(1)])]
    )
    assert "<script>" not in paragraphs[0].html
    assert "&lt;script&gt;" in paragraphs[0].html


def test_stacked_underlines_one_per_coding_capped():
    marks = [Mark(n, 9, 27, layers=[layer(n, colour=f"#00000{n}")]) for n in range(1, 8)]
    html = render(text=TEXT, paragraphs=PARAGRAPHS, marks=marks, labels=LABELS)[0].html
    classes = re.search(r'data-o="9"[^>]*class="([^"]+)"', html).group(1).split()
    assert classes == ["hl", "layers-5", *(f"u{n - 1}-00000{n}" for n in range(1, 6))]


def test_segments_without_visible_codings_are_not_drawn():
    paragraphs = render(text=TEXT, paragraphs=PARAGRAPHS, marks=[Mark(1, 9, 27, layers=[])], labels=LABELS)
    assert 'class="hl' not in paragraphs[0].html


def test_a_label_inside_a_paragraph_is_drawn_where_it_is():
    text = "Interviewer: Why?\nR01: Because."
    labels = [Label(0, 12, "Interviewer"), Label(18, 22, "R01")]
    (paragraph,) = render(text=text, paragraphs=[(0, len(text), text)], marks=[], labels=labels)
    assert '<b data-o="18" title="R01" class="speaker">R01:</b>' in paragraph.html
    assert "".join(piece for _, _, piece in runs(paragraph.html)) == text


def test_a_renamed_speaker_is_shown_beside_its_label_without_changing_the_text():
    text = "R01: Because."
    (paragraph,) = render(
        text=text, paragraphs=[(0, len(text), text)], marks=[], labels=[Label(0, 4, "Ms Chen")]
    )
    assert paragraph.html.startswith(
        '<b data-o="0" title="Ms Chen" data-speaker="Ms Chen" class="speaker">R01:</b>'
    )
