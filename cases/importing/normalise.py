"""The one canonical form of a transcript's text.

Every coding points into a transcript's text by offset, so the text must be fixed before the first coding and
must not depend on which program wrote the file: Word, a Chinese Windows editor and a caption service should
all give the same characters for the same words. `normalise` is deterministic and idempotent (normalising
normalised text changes nothing), so re-importing or re-normalising never moves an offset.

Normalisation is all that changes the characters of a source: NFC; `\n` line ends (line and page separators
too); plain spaces for the other space characters and tabs, runs of spaces as one, lines stripped; zero-width
junk and control characters removed; and paragraphs apart by exactly one blank line, which is what
`Transcript.paragraphs` and the workspace split on. A paragraph is what the source separated with a blank
line, or, in a text without any blank line, each line. Speaker labels never add or remove a character: readers
mark the labels a format declares (`MARK_OPEN` … `MARK_CLOSE`, noncharacters no text holds);
`normalise_marked` returns the text without the marks and the labels' spans in it.
"""

import re
import unicodedata

from cases.importing.recognise import speaker_name
from cases.turns import Label

# Noncharacters (U+FDD0…U+FDEF) are reserved for a program's internal use: readers mark declared speaker
# labels with three of them. Any in a source are removed by the readers before they mark anything.
MARK_OPEN, MARK_TRAILING, MARK_CLOSE = "\ufdd0", "\ufdd2", "\ufdd1"
NONCHARACTERS = dict.fromkeys(range(64976, 65008))

# Line and page separators become newlines rather than vanishing, so the words either side stay apart.
_NEWLINES = re.compile(r"\r\n|[\r\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1e]")
# Zero-width junk left by web pages, PDFs and Word: removed wherever it is. U+2060 is the word joiner.
_ALWAYS_DROPPED = "\u200b\ufeff\u00ad\u2060"
# Joiners carry meaning between letters of some scripts (Persian ZWNJ) and inside emoji sequences; they are
# kept only there, that is between two characters that are neither ASCII nor white space.
_JUNK_JOINER = re.compile(
    r"(?<![^\x00-\x7f\s\u200c\u200d])[\u200c\u200d]|[\u200c\u200d](?![^\x00-\x7f\s\u200c\u200d])"
)
# Every Unicode space separator except the plain space itself.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_TRANSLATION = {ord(char): None for char in _ALWAYS_DROPPED} | {ord(char): " " for char in _SPACES + "\t"}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
_RUN_OF_SPACES = re.compile(r" {2,}")


def normalise(text: str) -> str:
    """`text` in canonical form: NFC, plain spaces, stripped lines, paragraphs apart by one blank line."""
    return normalise_marked(text.translate(NONCHARACTERS))[0]


def normalise_marked(text: str) -> tuple[str, list[Label]]:
    """`text` (with a reader's label marks) in canonical form, and the marked labels' spans in it."""
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text)
    text = _CONTROL.sub("", text.translate(_TRANSLATION))
    text = _JUNK_JOINER.sub("", text)
    # Removals can bring a base letter and a combining mark together; compose them now, before lines are read.
    text = unicodedata.normalize("NFC", text)
    lines = [_RUN_OF_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _unmarked(_paragraphs(lines))


def _paragraphs(lines: list[str]) -> str:
    """Lines joined into paragraphs; a text without any blank line is read as one paragraph per line.

    Many exports (RTF, some transcription services, Notepad files) put each paragraph on one line with no
    blank line between them; reading such a text as one huge paragraph would make it uncodable.
    """
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    if "" not in lines:
        return "\n\n".join(lines)
    paragraphs = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", paragraphs)


def _unmarked(text: str) -> tuple[str, list[Label]]:
    """`text` without its marks, and the labels they enclosed (an unclosed or empty mark encloses none)."""
    if not any(mark in text for mark in (MARK_OPEN, MARK_TRAILING, MARK_CLOSE)):
        return text, []
    pieces: list[str] = []
    labels: list[Label] = []
    length = 0
    opened: tuple[int, bool, int] | None = None  # (offset, trailing, index in pieces) of an open mark
    for part in re.split(f"([{MARK_OPEN}{MARK_TRAILING}{MARK_CLOSE}])", text):
        if part in (MARK_OPEN, MARK_TRAILING):
            opened = (length, part == MARK_TRAILING, len(pieces))
        elif part == MARK_CLOSE:
            if opened is not None and length > opened[0]:
                label_text = "".join(pieces[opened[2] :])
                name = speaker_name(label_text)
                if name and "\n" not in label_text:
                    labels.append(Label(start=opened[0], end=length, speaker=name, trailing=opened[1]))
            opened = None
        else:
            pieces.append(part)
            length += len(part)
    return "".join(pieces), labels
