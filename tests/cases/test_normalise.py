"""The canonical form of transcript text: every offset points into it, so it must be stable."""

import random
import unicodedata

import pytest

from cases.importing.normalise import MARK_CLOSE, MARK_OPEN, MARK_TRAILING, normalise, normalise_marked
from cases.turns import Label


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("one\r\ntwo\rthree\u2028four\u2029five\u0085six", "one\n\ntwo\n\nthree\n\nfour\n\nfive\n\nsix"),
        ("a\x00b\x07c\x1bd\x7fe\x9ff", "abcdef"),
        ("tab\there", "tab here"),
        ("zero\u200bwidth\ufeff and soft\u00adhyphen", "zerowidth and softhyphen"),
        ("\ufeffByte-order mark at the start", "Byte-order mark at the start"),
        ("no\u00a0break\u2009thin\u3000ideographic\u202fnarrow", "no break thin ideographic narrow"),
        ("many     spaces   here", "many spaces here"),
        ("   padded line   \n\n  another  ", "padded line\n\nanother"),
        ("\n\n\nfirst\n\n\n\n\nsecond\n\n\n", "first\n\nsecond"),
        ("", ""),
        (" \n\t\n\u200b\n", ""),
    ],
)
def test_normalise_cleans_characters_and_white_space(raw, expected):
    assert normalise(raw) == expected


def test_normalise_composes_to_nfc_even_across_removed_characters():
    assert normalise("cafe\u0301") == "café"
    assert normalise("cafe\u200b\u0301") == "café"
    assert normalise("\u212b ring") == "Å ring"  # the ångström sign is a singleton decomposition


def test_page_and_line_separators_keep_words_apart():
    assert normalise("end of page\x0cstart of next") == "end of page\n\nstart of next"


def test_lines_of_a_text_without_blank_lines_become_paragraphs():
    assert (
        normalise("First point.\nSecond point.\nThird point.")
        == "First point.\n\nSecond point.\n\nThird point."
    )


def test_lines_inside_paragraphs_stay_when_the_text_has_blank_lines():
    text = "Address line one\nline two\n\nNext paragraph"
    assert normalise(text) == text


def test_speaker_lines_keep_the_source_paragraphs_no_break_is_inserted():
    text = (
        "Intro line\nwrapped here\n\nInterviewer: Who owns it?\nR01: The bureau.\n[id1] tagged\n"
        "Anna 00:01:02\nspeech"
    )
    assert normalise(text) == text


def test_chinese_full_width_labels_stay_where_the_source_has_them():
    text = "引言\n\n訪談員：資料屬於誰？\n受訪者：各機關都認為是自己的。"
    assert normalise(text) == text


def test_marked_labels_come_back_as_spans_of_the_normalised_text():
    raw = f"  {MARK_OPEN}Ms\u00a0Chen:{MARK_CLOSE}  It is\r\nours.\r\n\r\n"
    raw += f"Agreed {MARK_TRAILING}[name=kiang]{MARK_CLOSE}"
    text, labels = normalise_marked(raw)
    assert text == "Ms Chen: It is\nours.\n\nAgreed [name=kiang]"
    assert labels == [Label(0, 8, "Ms Chen"), Label(29, 41, "kiang", trailing=True)]
    assert [text[label.start : label.end] for label in labels] == ["Ms Chen:", "[name=kiang]"]


def test_noncharacters_in_a_source_are_removed_and_never_read_as_marks():
    assert normalise(f"a{MARK_OPEN}b{MARK_CLOSE}c\ufdefd") == "abcd"


def test_characters_outside_the_bmp_are_left_alone():
    text = "𠀋𠂉 rare CJK, emoji 😀 and 👩\u200d🔬 and flags 🇹🇼"
    assert normalise(text) == text


def test_joiners_survive_between_letters_of_other_scripts_but_not_as_junk():
    assert normalise("می\u200cخواهم") == "می\u200cخواهم"  # Persian needs its ZWNJ
    assert normalise("ab\u200dcd \u200c word\u200d") == "abcd word"


def test_full_width_and_compatibility_characters_are_not_folded():
    # NFC, not NFKC: full-width punctuation and ligatures are the author's, and offsets must not shift.
    text = "（注：ﬁ ①）"
    assert normalise(text) == text
    assert unicodedata.is_normalized("NFC", normalise(text))


# Pieces the random texts are built from: every character class normalise treats specially, and labels.
_ALPHABET = (
    *"abc XYZ:：.\n\r\t",
    *("\r\n", "\u2028", "\u2029", "\u0085", "\x0b", "\x0c", "\x00", "\x1f", "\x9f"),
    *("\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad", "\u2060", "\u00a0", "\u3000", "\u202f", "\u2009"),
    *("e\u0301", "\u0301", "\u0327", "\u212b", "\u212a", "資", "料", "😀", "𠀋", "ﬁ", "é", "م", "ی"),
    *("Interviewer: ", "R01: ", "[id2] ", "Anna 00:01:02\n", "受訪者：", "### 問：", "\n\n", "   "),
)


def _random_text(generator: random.Random) -> str:
    return "".join(generator.choice(_ALPHABET) for _ in range(generator.randrange(0, 60)))


def test_normalise_is_idempotent_over_many_inputs():
    generator = random.Random(20240531)
    for _ in range(5000):
        once = normalise(_random_text(generator))
        assert normalise(once) == once, repr(once)


def test_normalised_text_has_the_promised_shape():
    generator = random.Random(7)
    for _ in range(2000):
        text = normalise(_random_text(generator))
        assert unicodedata.is_normalized("NFC", text)
        assert "\n\n\n" not in text
        assert text == text.strip()
        assert "\r" not in text and "\t" not in text and "  " not in text
        assert all(line == line.strip() for line in text.split("\n"))
        assert not any(char in text for char in "\u200b\ufeff\u00ad\u00a0\u3000\x00")
