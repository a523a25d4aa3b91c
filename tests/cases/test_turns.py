"""Speaker turns from stored labels, as the transcript page, workspace and exports use them."""

import random

from cases.turns import Label, Locator, label_paragraphs, speaker_at, turns_from


def test_a_turn_runs_until_the_next_label_across_paragraphs():
    text = "R01: First.\n\nStill R01.\n\nInterviewer: Next?"
    first, second = turns_from(text, [Label(25, 37, "Interviewer"), Label(0, 4, "R01")])
    assert text[first.start : first.end] == "R01: First.\n\nStill R01."
    assert text[second.start : second.end] == "Interviewer: Next?"


def test_a_bare_timestamp_line_ends_the_turn_before_it():
    # An orphan "21:06" opens a turn whose speaker nobody wrote: the answer is not the interviewer's.
    text = "Interviewer 21:05\nWhat happened next?\n\n21:06\nWe stopped sharing the data."
    locator = Locator(text, [Label(0, 17, "Interviewer")])
    assert locator.speaker(text.index("What")) == "Interviewer"
    assert locator.speaker(text.index("We stopped")) == ""


def test_a_trailing_signature_signs_the_lines_before_it_in_its_paragraph():
    text = "Question one?\n\nThe map came first. [name=kiang]\nThanks. [name=Huizhong]"
    first = text.index("[name=kiang]")
    second = text.index("[name=Huizhong]")
    labels = [Label(first, first + 12, "kiang", True), Label(second, second + 15, "Huizhong", True)]
    locator = Locator(text, labels)
    assert locator.speaker(text.index("Question")) == ""
    assert locator.speaker(text.index("The map")) == "kiang"
    assert locator.speaker(text.index("Thanks")) == "Huizhong"


def test_speaker_at_an_offset():
    text = "Preface without a speaker.\n\nR01: First.\n\nInterviewer: Next?"
    locator = Locator(text, [Label(28, 32, "R01"), Label(41, 53, "Interviewer")])
    assert locator.speaker(0) == ""
    assert locator.speaker(text.index("First")) == "R01"
    assert locator.speaker(text.index("Next")) == "Interviewer"
    assert locator.speaker(len(text)) == ""
    assert [locator.paragraph(text.index(word)) for word in ("Preface", "First", "Next")] == [1, 2, 3]


def test_label_paragraphs_cuts_labels_from_speech_wherever_they_are():
    text = "R01: 𠮷 owns it.\nInterviewer: Why?\n\nNo label here."
    labels = [Label(0, 4, "Respondent 1"), Label(16, 28, "Interviewer")]
    paragraphs = label_paragraphs(text, [(0, 33, ""), (35, 49, "")], labels)
    assert [(p.number, [(piece.text, piece.speaker) for piece in p.pieces]) for p in paragraphs] == [
        (
            1,
            [
                ("R01:", "Respondent 1"),
                (" 𠮷 owns it.\n", ""),
                ("Interviewer:", "Interviewer"),
                (" Why?", ""),
            ],
        ),
        (2, [("No label here.", "")]),
    ]


def _speaker_over_every_turn(text: str, labels: list[Label], offset: int) -> str:
    for turn in reversed(turns_from(text, labels)):
        if turn.start <= offset:
            return turn.speaker if offset < turn.end else ""
    return ""


def test_the_labels_around_an_offset_name_its_speaker_as_every_turn_does():
    """The export and retrieval read only the label at or before a quotation and the one after it: on texts
    with signatures, bare timestamp lines, runs of blank lines and labels anywhere, that gives the speaker
    that all the transcript's turns give."""
    rng = random.Random(17)
    pieces = ["word", " ", "\n", "\n\n", "\n\n\n", "21:06", "[00:01:02]", "\t", "x. ", "R01:"]
    compared = named = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 30)))
        labels, position = [], 0
        while position < len(text) and rng.random() < 0.8:
            start = rng.randint(position, len(text) - 1)
            end = min(len(text), start + rng.randint(1, 5))
            if "\n" not in text[start:end]:  # recognition never labels across a line
                labels.append(Label(start, end, f"S{len(labels)}", trailing=rng.random() < 0.3))
            position = end
        for offset in range(len(text)):
            before = max((label for label in labels if label.start <= offset), key=start_of, default=None)
            after = min((label for label in labels if label.start > offset), key=start_of, default=None)
            expected = _speaker_over_every_turn(text, labels, offset)
            assert speaker_at(text, offset, before, after) == expected, (text, labels, offset)
            assert Locator(text, [x for x in (before, after) if x]).speaker(offset) == expected
            assert Locator(text, labels).speaker(offset) == expected
            compared += 1
            named += bool(expected)
    assert compared > 10_000 and named > 2_000  # the cases compared do have speakers


def start_of(label: Label) -> int:
    return label.start


def test_overlapping_labels_get_the_speakers_of_every_turn():
    text = "R01: a [S2] b\n\nR02: c"
    labels = [Label(0, 11, "S1"), Label(7, 11, "S2", trailing=True), Label(15, 19, "R02")]
    locator = Locator(text, labels)
    assert [locator.speaker(o) for o in range(len(text))] == [
        _speaker_over_every_turn(text, labels, o) for o in range(len(text))
    ]
