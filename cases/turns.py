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


def speaker_at(turns: list[Turn], offset: int) -> str:
    """The speaker of the turn holding `offset`, or "" outside any turn."""
    index = bisect.bisect_right([turn.start for turn in turns], offset) - 1
    if index >= 0 and offset < turns[index].end:
        return turns[index].speaker
    return ""


@dataclass(frozen=True)
class LabelledParagraph:
    number: int
    start: int
    label: str  # the speaker label that opens the paragraph, or ""
    body: str


def label_paragraphs(text: str, paragraphs: list[tuple[int, int, str]]) -> list[LabelledParagraph]:
    """Paragraphs numbered from 1, each split into its speaker label (if a turn opens there) and the rest."""
    label_ends = {turn.start: turn.label_end for turn in find_turns(text)}
    result = []
    for number, (start, end, _) in enumerate(paragraphs, start=1):
        cut = label_ends.get(start, start)
        result.append(
            LabelledParagraph(number=number, start=start, label=text[start:cut], body=text[cut:end])
        )
    return result
