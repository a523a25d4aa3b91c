"""Speaker turns from stored labels, as the transcript page, workspace and exports use them."""

from cases.turns import Label, Locator, label_paragraphs, turns_from


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
    turns = turns_from(text, [Label(0, 4, "Respondent 1"), Label(16, 28, "Interviewer")])
    paragraphs = label_paragraphs(text, [(0, 33, ""), (35, 49, "")], turns)
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
