"""Speaker turns derived from a transcript's text, as the transcript page, workspace and exports use them."""

import pytest

from cases.turns import Locator, find_turns, label_paragraphs


def labels(text: str) -> list[tuple[str, str]]:
    return [(turn.speaker, text[turn.start : turn.label_end]) for turn in find_turns(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Interviewer: Why?\n\nR01: Because.", [("Interviewer", "Interviewer:"), ("R01", "R01:")]),
        ("MODERATOR: Start task 1.", [("MODERATOR", "MODERATOR:")]),
        ("Dr. Wang Li: We met.", [("Dr. Wang Li", "Dr. Wang Li:")]),
        ("受访者：数据是我们的。", [("受访者", "受访者：")]),
        ("### 問：你們怎樣共享？", [("問", "### 問：")]),
        ("[id1] hello\n\n[id2] hi", [("id1", "[id1]"), ("id2", "[id2]")]),
        ("Speaker 1  00:01\nHello there", [("Speaker 1", "Speaker 1  00:01")]),
        ("Jane Doe 1:02:03\nHi", [("Jane Doe", "Jane Doe 1:02:03")]),
        ("Jane (00:01:02): text", [("Jane", "Jane (00:01:02):")]),
    ],
)
def test_recognised_labels(text, expected):
    assert labels(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "http://example.org is the portal.",
        "Note: the recording stopped.",
        "[00:01:02] a time, not a speaker",
        "I said this, and then: no.",
        "The seven people who sat in the meeting room said: no.",
        "00:01:02\nA cue without a speaker.",
    ],
)
def test_text_that_is_not_a_label(text):
    assert find_turns(text) == []


def test_a_turn_runs_until_the_next_label_across_paragraphs():
    text = "R01: First.\n\nStill R01.\n\nInterviewer: Next?"
    first, second = find_turns(text)
    assert text[first.start : first.end] == "R01: First.\n\nStill R01."
    assert text[second.start : second.end] == "Interviewer: Next?"


def test_speaker_at_an_offset():
    text = "Preface without a speaker.\n\nR01: First.\n\nInterviewer: Next?"
    locator = Locator(text)
    assert locator.speaker(0) == ""
    assert locator.speaker(text.index("First")) == "R01"
    assert locator.speaker(text.index("Next")) == "Interviewer"
    assert locator.speaker(len(text)) == ""
    assert [locator.paragraph(text.index(word)) for word in ("Preface", "First", "Next")] == [1, 2, 3]


def test_label_paragraphs_splits_each_label_from_its_speech():
    text = "R01: 𠮷 owns it.\n\nNo label here."
    paragraphs = label_paragraphs(text, [(0, 15, ""), (17, 31, "")])
    assert [(p.number, p.label, p.body) for p in paragraphs] == [
        (1, "R01:", " 𠮷 owns it."),
        (2, "", "No label here."),
    ]
