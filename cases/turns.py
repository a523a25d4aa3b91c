"""Speaker turns over a transcript's text, from its stored speaker labels.

A label is an annotation: the span of characters in `Transcript.text` that names a speaker ("R01:", a bold
"Anna", "[name=kiang]") and the speaker's name as shown. Labels never change the text. A leading label opens a
turn that runs to the next label, to a bare timestamp line ("21:06", a cue whose speaker nobody wrote down) or
to the end of the text; a trailing label (a HackMD signature written after the comment) closes a turn that
began after the previous label in its paragraph, or at the paragraph's start. Every offset inside a turn has a
speaker: the workspace draws the labels, the excerpt export names the speaker of a quotation.

Which spans are labels is decided at import (`cases.importing.recognise`) and reviewed per transcript
(`cases.speakers`); this module only reads them.
"""

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol


class LabelLike(Protocol):
    start: int
    end: int
    speaker: str
    trailing: bool


@dataclass(frozen=True)
class Label:
    start: int  # the label's first character in the text, in code points
    end: int  # end of the label, exclusive
    speaker: str  # the speaker's name as shown
    trailing: bool = False  # a signature after the speech it signs


@dataclass(frozen=True)
class Turn:
    start: int  # where the turn's speech starts (a leading label's own start)
    end: int  # where the turn ends, trailing white space left out
    speaker: str
    label_start: int
    label_end: int


# A line holding only a time, "21:06" or "[00:01:02]": a new, unnamed turn starts there.
_BARE_TIME = re.compile(r"^[\[(]?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?[\])]?[ \t]*$", re.MULTILINE)


def turns_from(text: str, labels: Iterable[LabelLike]) -> tuple[Turn, ...]:
    """The turns of `text` given its labels (in any order), in text order."""
    ordered = sorted(labels, key=lambda label: label.start)
    if not ordered:
        return ()
    breaks = _bare_times(text)
    paragraph_starts = _paragraph_starts(text)

    def next_break(after: int, before: int) -> int | None:
        index = bisect.bisect_right(breaks, after)
        return breaks[index] if index < len(breaks) and breaks[index] < before else None

    def floor(offset: int) -> int:
        return paragraph_starts[bisect.bisect_right(paragraph_starts, offset) - 1]

    turns = []
    for index, label in enumerate(ordered):
        if label.trailing:
            start = _trailing_start(text, ordered, index, floor)
            turns.append(Turn(start, label.end, label.speaker, label.start, label.end))
        else:
            end = _leading_end(text, ordered, index, next_break, floor)
            turns.append(Turn(label.start, end, label.speaker, label.start, label.end))
    return tuple(turns)


def _trailing_start(text: str, ordered: Sequence[LabelLike], index: int, floor) -> int:
    """Where the turn a trailing label signs begins: after the previous label, within its own paragraph."""
    label = ordered[index]
    previous = ordered[index - 1].end if index else 0
    return _lstrip(text, max(floor(label.start), previous), label.start)


def _leading_end(text: str, ordered: Sequence[LabelLike], index: int, next_break, floor) -> int:
    """Where the turn a leading label opens ends: at the next label, at a bare timestamp line, or where the
    paragraph of a following signature starts; trailing white space left out."""
    label = ordered[index]
    end = ordered[index + 1].start if index + 1 < len(ordered) else len(text)
    cue = next_break(label.end, end)
    if cue is not None:
        end = cue
    if index + 1 < len(ordered) and ordered[index + 1].trailing:
        # the next signature signs its own paragraph's text: this turn stops where that paragraph starts
        paragraph = floor(ordered[index + 1].start)
        end = max(label.end, min(end, paragraph)) if paragraph > label.start else label.end
    return _rstrip(text, label.start, end)


@lru_cache(maxsize=64)
def _bare_times(text: str) -> list[int]:
    return [match.start() for match in _BARE_TIME.finditer(text)]


def _paragraph_starts(text: str) -> list[int]:
    return [0, *(match.end() for match in re.finditer(r"\n\n", text))]


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _lstrip(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


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


def speaker_at(text: str, offset: int, before: LabelLike | None, after: LabelLike | None) -> str:
    """The speaker of the turn holding `offset`, or "" outside any turn, from the label at or before it and
    the label after it (None where there is none): no other label decides it, and the answer is the one
    `turns_from` gives over every label of the text, provided labels do not overlap (recognition keeps them
    apart). Only the text between the two labels is read."""
    labels = [label for label in (before, after) if label is not None]
    index = 0 if before is not None else -1
    floor = functools.partial(_paragraph_floor, text)
    # A trailing label after `offset` signs a turn that may have begun at or before it.
    if after is not None and after.trailing and _trailing_start(text, labels, index + 1, floor) <= offset:
        return after.speaker
    if before is None:
        return ""
    next_break = functools.partial(_next_break, text)
    end = before.end if before.trailing else _leading_end(text, labels, index, next_break, floor)
    return before.speaker if offset < end else ""


def _next_break(text: str, after: int, before: int) -> int | None:
    """The first bare timestamp line starting after `after` and before `before`, as `_bare_times` finds them:
    the search stops at the end of the line holding `before`, which ends every line begun earlier."""
    stop = text.find("\n", before) if before < len(text) else -1
    found = _BARE_TIME.search(text, after + 1, stop if stop >= 0 else len(text))
    return found.start() if found is not None and found.start() < before else None


def _paragraph_floor(text: str, offset: int) -> int:
    """The start of the paragraph holding `offset` as `_paragraph_starts` finds them: after the last blank
    line ending at or before it, blank lines paired from the start of each run of line breaks."""
    found = text.rfind("\n\n", 0, offset)
    if found < 0:
        return 0
    run = found
    while run > 0 and text[run - 1] == "\n":
        run -= 1
    return found - (found - run) % 2 + 2


class Locator:
    """Where offsets of one text sit: the speaker of their turn and the number of their paragraph.

    `labels` need hold only the labels around the offsets asked about (`cases.speakers.labels_around`), as
    `speaker_at` explains, not every label of the transcript. Paragraph starts are found once; then each
    offset costs a binary search for its paragraph, and one for its labels and, the first time a turn is
    asked about, a look at the text between them for its speaker. Given labels that overlap, every turn is
    worked out as `turns_from` does.
    """

    def __init__(self, text: str, labels: Iterable[LabelLike] = ()):
        self.text = text
        self.labels = sorted(labels, key=lambda label: label.start)
        self.label_starts = [label.start for label in self.labels]
        self.turns = None
        if any(label.end > after.start for label, after in itertools.pairwise(self.labels)):
            self.turns = turns_from(text, self.labels)
            self.turn_starts = [turn.start for turn in self.turns]
        self.paragraph_starts = [start for start, _, _ in paragraph_spans(text)]
        self._floor = functools.partial(_paragraph_floor, text)
        self._next_break = functools.partial(_next_break, text)
        self._bounds: dict[int, int] = {}  # label index → where its turn ends (leading) or starts (trailing)

    def speaker(self, offset: int) -> str:
        """The speaker of the turn holding `offset`, or "" outside any turn."""
        if self.turns is not None:
            index = bisect.bisect_right(self.turn_starts, offset) - 1
            if index >= 0 and offset < self.turns[index].end:
                return self.turns[index].speaker
            return ""
        labels = self.labels
        index = bisect.bisect_right(self.label_starts, offset) - 1
        # As `speaker_at` does, with each turn's bound worked out once however many offsets it holds.
        if index + 1 < len(labels) and labels[index + 1].trailing and self._bound(index + 1) <= offset:
            return labels[index + 1].speaker
        if index < 0:
            return ""
        label = labels[index]
        end = label.end if label.trailing else self._bound(index)
        return label.speaker if offset < end else ""

    def _bound(self, index: int) -> int:
        found = self._bounds.get(index)
        if found is None:
            if self.labels[index].trailing:
                found = _trailing_start(self.text, self.labels, index, self._floor)
            else:
                found = _leading_end(self.text, self.labels, index, self._next_break, self._floor)
            self._bounds[index] = found
        return found

    def paragraph(self, offset: int) -> int:
        """The number (from 1) of the paragraph holding `offset`, as the transcript page numbers them."""
        return max(1, bisect.bisect_right(self.paragraph_starts, offset))


@dataclass(frozen=True)
class Piece:
    text: str
    speaker: str = ""  # the speaker a label piece names; "" for speech


@dataclass(frozen=True)
class LabelledParagraph:
    number: int
    start: int
    pieces: tuple[Piece, ...]  # the paragraph's text cut at its labels, in order


def label_paragraphs(
    text: str, paragraphs: list[tuple[int, int, str]], labels: Iterable[LabelLike]
) -> list[LabelledParagraph]:
    """Paragraphs numbered from 1, each cut into labels and the speech between them."""
    spans = sorted((label.start, label.end, label.speaker) for label in labels)
    starts = [start for start, _, _ in spans]
    result = []
    for number, (start, end, _) in enumerate(paragraphs, start=1):
        pieces = []
        position = start
        for label_start, label_end, speaker in spans[bisect.bisect_left(starts, start) :]:
            if label_start >= end:
                break
            if label_start > position:
                pieces.append(Piece(text[position:label_start]))
            pieces.append(Piece(text[label_start:label_end], speaker=speaker))
            position = label_end
        if position < end:
            pieces.append(Piece(text[position:end]))
        result.append(LabelledParagraph(number=number, start=start, pieces=tuple(pieces)))
    return result


# Sentences: a CJK full stop, exclamation or question mark (。！？) always ends one; an ASCII one (. ! ?) when
# white space or the paragraph's end follows it (after any run of further marks and closing quotes or
# brackets), so "3.5" and "U.S.A" do not. A sentence never crosses a paragraph.
CJK_ENDS = "。！？"
ASCII_ENDS = ".!?"
CLOSERS = "\"'”’」』）)]】》"


def sentence_ends(text: str, lo: int, hi: int) -> list[int]:
    """The (exclusive) ends of the sentences within `text[lo:hi]`, a paragraph."""
    ends = []
    i = lo
    while i < hi:
        char = text[i]
        if char in CJK_ENDS or char in ASCII_ENDS:
            j = i + 1
            while j < hi and (text[j] in CJK_ENDS or text[j] in ASCII_ENDS or text[j] in CLOSERS):
                j += 1
            if char in CJK_ENDS or j == hi or text[j].isspace():
                ends.append(j)
            i = j
        else:
            i += 1
    return ends


def paragraph_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraphs holding `text[start:end]`, from the start of the first to the end of the last."""
    spans = paragraph_spans(text)
    lo = next((s for s, e, _ in spans if s <= start < e), start)
    hi = next((e for s, e, _ in spans if s < end <= e), end)
    return min(lo, start), max(hi, end)


def sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentences holding `text[start:end]`: from the start of the first to the end of the last,
    without the white space around them."""
    lo, hi = paragraph_around(text, start, end)
    ends = sentence_ends(text, lo, hi)
    begin = max((e for e in ends if e <= start), default=lo)
    finish = min((e for e in ends if e >= end), default=hi)
    while begin < start and text[begin].isspace():
        begin += 1
    while finish > end and text[finish - 1].isspace():
        finish -= 1
    return begin, finish
