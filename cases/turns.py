"""Speaker turns in a transcript's normalised text.

A turn opens at the start of a line with a speaker label and runs until the next label (or the end of the
text), so every offset inside it has a speaker: the workspace draws the label, the excerpt export names the
speaker of a quotation. Labels recognised, each at the start of a line:

- ``Name: …`` and ``NAME: …`` (a short name: at most six words, no sentence punctuation);
- full-width ``名字：…`` and Markdown headings ``### 問：…``;
- ``[id1] …`` (QualCoder's tags);
- a line holding only a name and a timestamp, ``Name 00:01`` or ``Speaker 2  1:02:03`` (transcription
  services), whose turn is the text below it.

Turns are derived from the text, never stored: the text is frozen once coded, so they cannot drift from it.
"""

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

# A name: starts with a letter (any script), then letters, digits, spaces and a few joiners; at most 40 chars.
_NAME = r"[^\W\d_][\w .'’()\-&/]{0,39}?"
_TIMESTAMP = r"\(?\[?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\]?\)?"

_LABEL = re.compile(
    r"""
    ^(?:\#{1,6}[ \t]+)?                                  # optional Markdown heading marker
    (?:
        (?P<stamped>"""
    + _NAME
    + r""")[ \t]+"""
    + _TIMESTAMP
    + r"""[ \t]*$
      | (?P<colon>"""
    + _NAME
    + r""")[ \t]*(?:"""
    + _TIMESTAMP
    + r""")?[ \t]*[:：]
      | \[(?P<tag>[^\]\n:]{1,40})\]
    )
    """,
    re.MULTILINE | re.VERBOSE,
)
_MAX_WORDS = 6
_NOT_SPEAKERS = frozenset({"http", "https", "mailto", "note", "notes", "source", "re", "subject", "date"})


@dataclass(frozen=True)
class Turn:
    start: int  # where the label starts (a line start)
    label_end: int  # end of the label, colon or bracket included
    end: int  # where the next turn starts, or the end of the text
    speaker: str


def _speaker(match: re.Match) -> str | None:
    name = (match.group("colon") or match.group("tag") or match.group("stamped") or "").strip()
    if not name or len(name.split()) > _MAX_WORDS or name.lower() in _NOT_SPEAKERS:
        return None
    if match.group("tag") and re.fullmatch(_TIMESTAMP, name):
        return None  # "[00:01:02]" is a time, not a speaker
    if name.endswith((".", ",", ";", "?", "!")):
        return None
    return name


def find_turns(text: str) -> list[Turn]:
    """The speaker turns of `text`, in order; text before the first label belongs to no turn."""
    labels = [(m.start(), m.end(), speaker) for m in _LABEL.finditer(text) if (speaker := _speaker(m))]
    turns = []
    for index, (start, label_end, speaker) in enumerate(labels):
        end = labels[index + 1][0] if index + 1 < len(labels) else len(text)
        # The label's trailing space belongs to the speech, not the label.
        turns.append(Turn(start=start, label_end=label_end, end=_rstrip(text, start, end), speaker=speaker))
    return turns


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


@lru_cache(maxsize=64)
def turns_of(text: str) -> tuple[Turn, ...]:
    """`find_turns`, remembered: a coded transcript's text never changes, and every page that shows passages
    of it (workspace, drill-downs, retrieval) asks again for the same text."""
    return tuple(find_turns(text))


def paragraph_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each paragraph, in code points; paragraphs are separated by a blank line."""
    result = []
    start = 0
    for block in text.split("\n\n"):
        end = start + len(block)
        if block.strip():
            result.append((start, end, block))
        start = end + 2
    return result


class Locator:
    """Where offsets of one text sit: the speaker of their turn and the number of their paragraph.

    Turns and paragraph starts are found once, then each offset costs two binary searches. `remember=False`
    is for exports, which go through every transcript once and must not fill the cache with their texts.
    """

    def __init__(self, text: str, *, remember: bool = True):
        self.turns = turns_of(text) if remember else tuple(find_turns(text))
        self.turn_starts = [turn.start for turn in self.turns]
        self.paragraph_starts = [start for start, _, _ in paragraph_spans(text)]

    def speaker(self, offset: int) -> str:
        """The speaker of the turn holding `offset`, or "" outside any turn."""
        index = bisect.bisect_right(self.turn_starts, offset) - 1
        if index >= 0 and offset < self.turns[index].end:
            return self.turns[index].speaker
        return ""

    def paragraph(self, offset: int) -> int:
        """The number (from 1) of the paragraph holding `offset`, as the transcript page numbers them."""
        return max(1, bisect.bisect_right(self.paragraph_starts, offset))


@dataclass(frozen=True)
class LabelledParagraph:
    number: int
    start: int
    label: str  # the speaker label that opens the paragraph, or ""
    body: str


def label_paragraphs(text: str, paragraphs: list[tuple[int, int, str]]) -> list[LabelledParagraph]:
    """Paragraphs numbered from 1, each split into its speaker label (if a turn opens there) and the rest."""
    label_ends = {turn.start: turn.label_end for turn in turns_of(text)}
    result = []
    for number, (start, end, _) in enumerate(paragraphs, start=1):
        cut = label_ends.get(start, start)
        result.append(
            LabelledParagraph(number=number, start=start, label=text[start:cut], body=text[cut:end])
        )
    return result
