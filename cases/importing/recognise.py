"""Which spans of a transcript's text are speaker labels: declared ones, and conservatively recognised ones.

Recognition never changes the text; it only says where labels are (see `cases.turns`). A wrong label can be
unmarked on the transcript's Speakers page, but a turn nobody sees is cheaper than one that hands an answer
to the wrong person, so a span is taken only when one of these holds:

- the file format declared it: a bold name opening a Word or OpenDocument paragraph, the name column of a
  speaker table, a caption's voice (`<v Anna>`), a HackMD signature (`[name=kiang]`), a QualCoder tag
  (`[id1]`); readers mark those, `normalise_marked` returns them;
- or it recurs as a dialogue does: the same name opens at least two lines, each as ``Name: …`` (full-width
  ``名字：…`` and Markdown headings ``### 問：…`` too), ``[Name] …`` or a line ``Name 00:01`` above the
  speech, and labelled paragraphs are at least a tenth of the text's paragraphs;
- or every paragraph opens with a label and there are at least two speakers (a short "問：… 答：…").

A recognised name is short (at most five words, 40 characters), starts with a letter, does not end a sentence
and is not a metadata key (``license:``, ``dct:license``, ``http:``). A line that continues a sentence broken
by a hard wrap ("So I'm trying to ⏎ tease apart: how…": the line above ends no sentence and opens with no
name, and the line does not open a paragraph of a text whose paragraphs mostly end sentences) does not open a
turn unless its name opened two turns elsewhere.
"""

import bisect
import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cases.turns import Label

_NAME = r"[^\W\d_][\w .'’()\-&/]{0,39}?"
_TIMESTAMP = r"\(?\[?(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?\]?\)?"
_CANDIDATE = re.compile(
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
    + r""")?[ \t]*(?::(?=[ \t]|$)|：)
      | \[(?P<tag>[^\]\n:=\[]{1,40})\](?=[ \t]+\S)
    )
    """,
    re.MULTILINE | re.VERBOSE,
)
_SIGNATURE = re.compile(r"^\[name=([^\]\n]{1,60})\]$")
_QUALCODER_TAG = re.compile(r"id\d{1,4}")
_MAX_WORDS = 5
# Keys of metadata, headers and citations that open lines the way a speaker does.
_NOT_SPEAKERS = frozenset(
    """
    http https ftp mailto file www url doi isbn issn note notes nb ps source sources re subject date time
    from to cc bcc title subtitle author authors keywords keyword tags tag category categories license licence
    copyright rights language lang abstract summary version status type format id dct dc rdf xmlns
    """.split()
)
_SENTENCE_END = tuple(".?!…。？！；;:：」』”\"')]）】》〉")
MIN_LABELLED_SHARE = 0.1


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    speaker: str
    safe: bool  # opens a paragraph, or follows a line that ended a sentence
    paragraph: int


@functools.lru_cache(maxsize=4096)  # the workspace asks again for every label drawn; labels repeat
def speaker_name(label: str) -> str:
    """The speaker's name in the characters of a label: "R01:" → "R01", "### 問：" → "問", "[name=x]" → "x",
    "Anna Li 00:01:02" → "Anna Li"."""
    label = label.strip()
    signature = _SIGNATURE.match(label)
    if signature:
        return signature.group(1).strip()
    label = re.sub(r"^#{1,6}[ \t]+", "", label).rstrip(":：").strip()
    label = re.sub(r"[ \t]*" + _TIMESTAMP + "$", "", label).strip()
    if label.startswith("[") and label.endswith("]"):
        label = label[1:-1].strip()
    return label


def is_name(name: str) -> bool:
    """Whether `name` has the shape of a speaker's name."""
    name = name.strip()
    if not name or "\n" in name or len(name) > 40 or len(name.split()) > _MAX_WORDS:
        return False
    if not name[0].isalpha() or name.endswith((".", ",", ";", "?", "!")):
        return False
    return name.casefold() not in _NOT_SPEAKERS and "://" not in name


def recognise(text: str, *, declared: Sequence[Label] = ()) -> list[Label]:
    """The labels of `text`: every declared one, then the recognised ones that overlap none of them."""
    taken = sorted(declared, key=lambda label: label.start)
    found = _recurring(text)
    result = list(taken)
    starts = [label.start for label in taken]
    for label in found:
        if not _overlaps(label, taken, starts):
            result.append(label)
    return sorted(result, key=lambda label: label.start)


def _overlaps(label: Label, taken: Sequence[Label], starts: list[int]) -> bool:
    index = bisect.bisect_right(starts, label.start)
    neighbours = taken[max(0, index - 1) : index + 1]
    return any(other.start < label.end and label.start < other.end for other in neighbours)


def _recurring(text: str) -> list[Label]:
    candidates = list(_candidates(text))
    by_name: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        by_name[candidate.speaker].append(candidate)
    paragraphs = text.count("\n\n") + 1
    opening = {c.paragraph for c in candidates if c.start == 0 or text[c.start - 2 : c.start] == "\n\n"}
    if len(by_name) >= 2 and len(opening) == paragraphs:
        # Every paragraph opens with a label and more than one speaker talks: a dialogue, even a short one.
        return [Label(start=c.start, end=c.end, speaker=c.speaker) for c in candidates]
    accepted: list[_Candidate] = []
    for name, occurrences in by_name.items():
        safe = [candidate for candidate in occurrences if candidate.safe]
        if _QUALCODER_TAG.fullmatch(name):
            accepted.extend(occurrences)  # QualCoder's own speaker tags: declared by the format
        elif len(safe) >= 2:
            accepted.extend(occurrences)
    labelled = {candidate.paragraph for candidate in accepted}
    if len(labelled) < MIN_LABELLED_SHARE * paragraphs:
        # A few recurring "Title: …" lines in a long document (video titles in a comment dump) are not a
        # dialogue; only QualCoder's tags stand on their own.
        accepted = [candidate for candidate in accepted if _QUALCODER_TAG.fullmatch(candidate.speaker)]
    return sorted(
        (Label(start=c.start, end=c.end, speaker=c.speaker) for c in accepted), key=lambda label: label.start
    )


def _candidates(text: str) -> Iterable[_Candidate]:
    paragraphs = [block.rstrip() for block in text.split("\n\n")]
    # Most paragraphs ending mid-sentence: the "paragraphs" are the lines of a hard-wrapped text without blank
    # lines, so opening one says nothing; otherwise a paragraph start is a place a turn can open.
    wrapped = sum(not block.endswith(_SENTENCE_END) for block in paragraphs) > len(paragraphs) / 2
    paragraph = 0
    scanned = 0
    for match in _CANDIDATE.finditer(text):
        name = (match.group("colon") or match.group("tag") or match.group("stamped") or "").strip()
        if not is_name(name):
            continue
        if match.group("tag") and re.fullmatch(_TIMESTAMP, name):
            continue
        start = match.start()
        paragraph += text.count("\n\n", scanned, start)
        scanned = start
        # A line starting after one that ended no sentence and named no speaker continues a hard-wrapped
        # sentence. Paragraph breaks do not tell: a text without blank lines has one paragraph per line.
        above = text.rfind("\n", 0, start - 1) if start > 1 else -1
        previous = text[above + 1 : start - 1].rstrip() if start else ""
        if not previous and above > 0:  # a blank line: the line before it
            previous = text[text.rfind("\n", 0, above) + 1 : above].rstrip()
        opens_paragraph = start == 0 or text[start - 2 : start] == "\n\n"
        safe = (
            (opens_paragraph and not wrapped)
            or not previous
            or previous.endswith(_SENTENCE_END)
            or _opens_with_name(previous)
        )
        yield _Candidate(start=start, end=match.end(), speaker=name, safe=safe, paragraph=paragraph)


def _opens_with_name(line: str) -> bool:
    match = _CANDIDATE.match(line)
    return match is not None and is_name(match.group("colon") or match.group("tag") or match.group("stamped"))
