"""Positions in a producer's plain text, mapped onto Crosscase's normalised text exactly, or not at all.

A REFI-QDA selection is `startPosition`/`endPosition` in the archive's plain-text file, counted in the
producer's own unit: NVivo (a .NET program) counts UTF-16 code units over the decoded text, the byte-order
mark excluded and CRLF as two; qc (Python) counts code points. Crosscase stores code points into its
normalised text (`cases.importing.normalise`), which differs from the producer's: CRLF becomes LF, runs of
spaces collapse, lines are stripped, paragraphs are re-spaced. So every position goes through two maps:

1. `Units`: the producer's unit → a code point of the raw decoded text (a UTF-16 position inside a surrogate
   pair has no code point and is refused).
2. `track`: normalisation done step by step, keeping for every character of the result the raw code point it
   came from (`Mapped.origin`, never decreasing). A raw span maps to the normalised characters that came from
   inside it.

`Mapped.place` then checks the quotation it would make against the producer's text at the original span:
both must read the same once white space is disregarded (normalisation moves white space, never words). A
span that fails is returned as a reason, never moved to a nearby place.
"""

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from enum import StrEnum

from cases.importing.normalise import (
    _CONTROL,
    _JUNK_JOINER,
    _NEWLINES,
    _RUN_OF_SPACES,
    _TRANSLATION,
    NONCHARACTERS,
    normalise,
)


class Unit(StrEnum):
    UTF16 = "UTF-16 code units"
    CODE_POINT = "code points"


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class Units:
    """Converts positions in `unit` over `raw` to code points of `raw`."""

    def __init__(self, raw: str, unit: Unit) -> None:
        self.unit = unit
        self.length = len(raw)
        # UTF-16 position at which each astral character (two code units) starts.
        self._astral: list[int] = []
        if unit is Unit.UTF16:
            for match in _ASTRAL.finditer(raw):
                self._astral.append(match.start() + len(self._astral))
        self.size = self.length + len(self._astral)

    def code_point(self, position: int) -> int | None:
        """The code point at `position`, or None if it is past the end or splits a surrogate pair."""
        if position < 0 or position > self.size:
            return None
        before = bisect_left(self._astral, position)
        if before and self._astral[before - 1] == position - 1:
            return None
        return position - before


_NONCHARACTERS = re.compile("[" + "".join(map(chr, NONCHARACTERS)) + "]")
_TRANSLATED = re.compile("[" + re.escape("".join(chr(key) for key in _TRANSLATION)) + "]")
_LINE_EDGES = re.compile(r"^ +| +$", re.MULTILINE)
_TEXT_EDGES = re.compile(r"\A\n+|\n+\Z")
_BLANK_RUNS = re.compile(r"\n{3,}")
_LINE_BREAK = re.compile(r"\n")
# Before an ASCII character NFC can neither compose nor reorder: no ASCII character is the second of a
# composition pair and all have combining class 0. Text is composed in pieces cut there (a piece is ASCII
# followed by what is not).
_NFC_PIECE = re.compile(r"[\x00-\x7f]*[^\x00-\x7f]*")


class _Tracked:
    def __init__(self, text: str) -> None:
        self.text = text
        self.origin = list(range(len(text)))

    def sub(self, pattern: re.Pattern, replacement) -> None:
        """Like `pattern.sub`; each inserted character comes from where its match started."""
        pieces: list[str] = []
        origin: list[int] = []
        last = 0
        for match in pattern.finditer(self.text):
            start, end = match.span()
            if start == end:
                continue
            pieces.append(self.text[last:start])
            origin.extend(self.origin[last:start])
            new = replacement(match) if callable(replacement) else replacement
            pieces.append(new)
            origin.extend([self.origin[start]] * len(new))
            last = end
        if not pieces:
            return
        pieces.append(self.text[last:])
        origin.extend(self.origin[last:])
        self.text, self.origin = "".join(pieces), origin

    def nfc(self) -> None:
        if unicodedata.is_normalized("NFC", self.text):
            return
        pieces: list[str] = []
        origin: list[int] = []
        for match in _NFC_PIECE.finditer(self.text):
            start, end = match.span()
            piece = unicodedata.normalize("NFC", match.group())
            pieces.append(piece)
            if len(piece) == end - start:
                origin.extend(self.origin[start:end])
                continue
            # Composed: what precedes the first change keeps its place, the rest comes from where it began.
            same = next(
                (index for index, (a, b) in enumerate(zip(piece, match.group(), strict=False)) if a != b),
                min(len(piece), end - start),
            )
            origin.extend(self.origin[start : start + same])
            origin.extend([self.origin[min(start + same, end - 1)]] * (len(piece) - same))
        self.text, self.origin = "".join(pieces), origin


@dataclass(frozen=True)
class Mapped:
    """`text` is `normalise(raw)`; `origin[i]` is the code point of `raw` that `text[i]` came from."""

    raw: str
    text: str
    origin: list[int]
    units: Units

    def place(self, start: int, end: int) -> tuple[int, int] | str:
        """(start, end) in `text` of the producer's span `[start, end)`, or why it cannot be placed exactly"""
        if not 0 <= start < end:
            return "its start is not before its end"
        first, last = self.units.code_point(start), self.units.code_point(end)
        if first is None or last is None:
            if max(start, end) > self.units.size:
                return f"it ends past the end of the text ({self.units.size:,} {self.units.unit})"
            return "it splits a character in two (half of a UTF-16 surrogate pair)"
        if first == last:
            return "it holds no character"
        begin, finish = bisect_left(self.origin, first), bisect_left(self.origin, last)
        if begin >= finish:
            return "it holds only white space or characters Crosscase removes"
        if _reading(self.text[begin:finish]) != _reading(self.raw[first:last]):
            return "the text at that span does not survive normalisation unchanged"
        return begin, finish

    def on_word_edges(self, start: int, end: int) -> bool:
        """Whether the span starts and ends between words: a span counted in the wrong unit cuts words."""
        first, last = self.units.code_point(start), self.units.code_point(end)
        if first is None or last is None or not first < last <= len(self.raw):
            return False
        raw = self.raw
        starts = first == 0 or not (raw[first - 1].isalnum() and raw[first].isalnum())
        ends = last == len(raw) or not (raw[last - 1].isalnum() and raw[last].isalnum())
        return starts and ends

    def producer_text(self, start: int, end: int) -> str:
        first, last = self.units.code_point(start), self.units.code_point(end)
        return self.raw[first:last] if first is not None and last is not None else ""


def _reading(text: str) -> str:
    """What a passage says, white space and the characters normalisation drops aside."""
    return " ".join(normalise(text).split())


def track(raw: str, unit: Unit) -> Mapped | None:
    """`raw` normalised as `normalise` does it, with the offset map; None if the two ever disagree."""
    tracked = _Tracked(raw)
    tracked.sub(_NONCHARACTERS, "")
    tracked.nfc()
    tracked.sub(_NEWLINES, "\n")
    tracked.sub(_TRANSLATED, lambda match: match.group().translate(_TRANSLATION))
    tracked.sub(_CONTROL, "")
    tracked.sub(_JUNK_JOINER, "")
    tracked.nfc()
    tracked.sub(_RUN_OF_SPACES, " ")
    tracked.sub(_LINE_EDGES, "")
    tracked.sub(_TEXT_EDGES, "")
    if "\n\n" in tracked.text:
        tracked.sub(_BLANK_RUNS, "\n\n")
    else:  # a text without any blank line: each line is a paragraph
        tracked.sub(_LINE_BREAK, "\n\n")
    if tracked.text != normalise(raw):
        return None
    return Mapped(raw=raw, text=tracked.text, origin=tracked.origin, units=Units(raw, unit))
