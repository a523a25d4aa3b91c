"""Speaker recognition is conservative and never changes the text; the false cases come from real files."""

import pytest

from cases.importing.extract import extract
from cases.importing.normalise import normalise
from cases.importing.recognise import recognise, speaker_name


def found(text: str) -> list[tuple[str, str]]:
    return [(label.speaker, text[label.start : label.end]) for label in recognise(text)]


def imported(text: str):
    """The text through the whole import, as a UTF-8 .txt upload."""
    result = extract(filename="interview.txt", data=text.encode())
    assert result.text == normalise(text)  # the source's text, nothing inserted or removed
    return result


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Interviewer: Who owns the data?\n\nR01: The bureau does.\n\n"
            "Interviewer: Why?\n\nR01: The law says so.",
            [("Interviewer", "Interviewer:"), ("R01", "R01:")] * 2,
        ),
        (
            "訪談員：資料屬於誰？\n\n受訪者：各機關都認為是自己的。\n\n訪談員：為什麼？\n\n受訪者：因為法規沒有寫清楚。",
            [("訪談員", "訪談員："), ("受訪者", "受訪者：")] * 2,
        ),
        (
            "### 問：你們怎樣共享資料？\n\n我們用公文。\n\n### 問：多久一次？\n\n每個月。",
            [("問", "### 問："), ("問", "### 問：")],
        ),
        (
            "Speaker 1  00:01\nHello, thanks for coming.\n\nSpeaker 2  00:09\nHappy to.\n\n"
            "Speaker 1  00:15\nShall we?\n\nSpeaker 2  00:17\nYes.",
            [
                ("Speaker 1", "Speaker 1  00:01"),
                ("Speaker 2", "Speaker 2  00:09"),
                ("Speaker 1", "Speaker 1  00:15"),
                ("Speaker 2", "Speaker 2  00:17"),
            ],
        ),
        (
            "Q: Did the agencies agree?\nA: Eventually.\nQ: When?\nA: In 2019.",
            [("Q", "Q:"), ("A", "A:")] * 2,
        ),
        ("[id1] Welcome everyone.\n\n[id2] Thanks.", [("id1", "[id1]"), ("id2", "[id2]")]),
    ],
)
def test_recurring_labels_are_recognised(text, expected):
    assert found(text) == expected
    assert [label.speaker for label in imported(text).labels] == [speaker for speaker, _ in expected]


@pytest.mark.parametrize(
    "text",
    [
        # A licence line in a Markdown interview and its RDF key in an NVivo source text.
        "## 授權\nlicense: CC BY 4.0 by g0v contributors\n\n我們這次希望做一個關於開放政府的專題報導。",
        '<cc:Work rdf:about="">\ndct:license <http://creativecommons.org/licenses/by/4.0/>\n'
        "dct:license again",
        # A heading that ends in a full-width colon, once.
        "受訪者登記：\n1. kiang = 江明宗\n2. isabel Hou\n3. chihao",
        # De-identification placeholders at the start of hard-wrapped lines.
        "We first met on a forum, later on\n[Online Debate Platform] we argued about it, and then\n"
        "[Online Debate Platform] moderators stepped in.",
        # A hard wrap inside a sentence.
        "So I'm trying to\ntease apart: how much of the data is really theirs?",
        "So I'm trying to\ntease apart: how much of it.\n\nAnd to\ntease apart: why.",
        # A single label hands the rest of the text to one person.
        "MODERATOR: Could you please start in task 1?\n\nOkay, I think so.\n\nThat is good.",
        "Note: the recording stopped.\n\nNote: it started again.",
        "http://example.org is the portal.\n\nhttps://example.org too.",
        "[00:01:02] a time, not a speaker\n\n[00:01:09] another",
        "The seven people who sat in the meeting room said: no.",
        "00:01:02\nA cue without a speaker.",
    ],
)
def test_text_that_is_not_a_dialogue_gets_no_labels(text):
    assert found(text) == []
    assert imported(text).labels == ()


def test_video_titles_in_a_comment_dump_are_not_speakers():
    rows = []
    for index in range(40):
        title = ["Koronavírus: újabb korlátozások jöhetnek", "Kötelező oltás: Alkotmánymódosítás is jöhet?"][
            index % 2
        ]
        rows += [
            "HhkH__mfvlk",
            title,
            "2021-10-30T08:45:00Z",
            f"@user{index}",
            f"Megjegyzés száma {index}.",
            "0",
        ]
    text = "\n".join(rows)
    assert found(text) == []
    assert imported(text).labels == ()


def test_a_hard_wrapped_line_opens_a_turn_when_the_name_is_an_established_speaker():
    text = "Interviewer: Why?\n\nR01: Because the law\nR01: is unclear.\n\nInterviewer: And?\n\nR01: All."
    assert [speaker for speaker, _ in found(text)] == ["Interviewer", "R01", "R01", "Interviewer", "R01"]


def test_speaker_names_from_label_characters():
    assert [
        speaker_name(label) for label in ("R01:", "### 問：", "[name=kiang]", "Anna Li 00:01:02", "[id1]")
    ] == [
        "R01",
        "問",
        "kiang",
        "Anna Li",
        "id1",
    ]
