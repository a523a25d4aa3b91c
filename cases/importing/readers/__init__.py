"""Format readers: each turns one kind of document into plain text, paragraphs apart by a blank line.

Readers know nothing about settings, file names or wording for researchers. `cases.importing.extract` vets a
file before handing it to a reader (size, signature, zip bombs, DTDs), gives it its limits as numbers (the
characters it may return, the bytes its compressed parts may unpack to) and turns the exceptions below into
one sentence naming the file. A reader stops as soon as a limit is passed, rather than reading the whole file
and measuring afterwards. The text a reader returns is raw: `cases.importing.normalise` makes it canonical.

The helpers here keep the formats consistent: a bold "Anna" opening a Word paragraph, the name column of a
two-column speaker table, a WebVTT voice tag and a Markdown `[name=anna]` are all marked as declared speaker
labels (see `cases.importing.normalise`), without adding a character to the text.
"""

from cases.importing.normalise import MARK_CLOSE, MARK_OPEN, MARK_TRAILING, NONCHARACTERS
from cases.importing.recognise import is_name


class Unreadable(Exception):
    """The file is damaged, or is not the format its extension promises."""


class PasswordProtected(Exception):
    """The file is encrypted and cannot be opened without a password."""


class NoTextLayer(Exception):
    """The file holds pages but no text, as a scanned PDF does."""


class LimitReached(Exception):
    """Reading stopped at one of the limits the reader was given, or at one of its library's own."""

    def __init__(self, limit: int = 0) -> None:
        super().__init__(limit)
        self.limit = limit


class TooLong(LimitReached):
    """The text grew past `limit` characters."""


class TooLarge(LimitReached):
    """Compressed parts unpacked to more than `limit` bytes, counted as read, whatever the file declares."""


class PageTooLong(LimitReached):
    """One page of a PDF showed more than `limit` characters, far more than fit on a page anyone can read."""


class TooComplex(LimitReached):
    """The file holds more objects, nesting or drawing instructions than the reader (or its library) reads."""


class TooMuchMarkup(LimitReached):
    """A Markdown file holds more than `limit` link and emphasis marks, each of which the parser must try."""

    def __init__(self, limit: int, count: int) -> None:
        super().__init__(limit)
        self.count = count


# What a reader's catch-all for a damaged file must let through.
STOPS = (LimitReached, MemoryError)


class Blocks:
    """The paragraphs a reader has found, in order; one that takes the text past `max_chars` stops it."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.length = 0
        self._blocks: list[str] = []

    def add(self, block: str) -> None:
        self.length += len(block) + 2  # and the blank line that will follow it
        if self.length > self.max_chars:
            raise TooLong(self.max_chars)
        self._blocks.append(block)

    def extend(self, blocks: list[str]) -> None:
        for block in blocks:
            self.add(block)

    def text(self) -> str:
        return "\n\n".join(self._blocks)


# Header cells that name the speech column of a speaker table: such a first row is a header, not a turn.
_SPEECH_HEADERS = frozenset(
    {"text", "transcript", "transcription", "speech", "utterance", "content", "statement", "what was said"}
)


def source(text: str) -> str:
    """Text from a source, without the noncharacters that mark labels (so no source can forge a mark)."""
    return text.translate(NONCHARACTERS)


def mark(label: str, *, trailing: bool = False) -> str:
    """`label` marked as a declared speaker label; a trailing one (a signature) signs the speech before it."""
    return f"{MARK_TRAILING if trailing else MARK_OPEN}{label}{MARK_CLOSE}"


def speaker_label(candidate: str) -> str | None:
    """`candidate` (a trailing colon allowed) as a speaker name, or None if it does not look like one."""
    name = candidate.strip().rstrip(":：").strip()
    return name if is_name(name) else None


def bold_speaker(segments: list[tuple[str, bool]]) -> str | None:
    """The paragraph with its bold opening name marked as a label, or None when it does not open with one.

    `segments` are its runs as (text, is_bold). Transcribers often mark speakers by bold type alone. The label
    is the name and the colon after it, if there is one; nothing is added. Without a colon the bold must stand
    apart from the speech (a space follows it) and not read as an emphasised word ("**Yes**, I agree" stays
    as it is).
    """
    head: list[str] = []
    rest_from = len(segments)
    for index, (text, bold) in enumerate(segments):
        if bold or not text.strip():
            head.append(text)
        else:
            rest_from = index
            break
    rest = "".join(text for text, _ in segments[rest_from:])
    head_text = "".join(head)
    if not rest.strip() or not head_text.strip():
        return None
    name = speaker_label(head_text)
    if name is None:
        return None
    has_colon = head_text.rstrip().endswith((":", "：")) or rest.lstrip().startswith((":", "："))
    if not has_colon:
        separated = (head_text[-1:].isspace() or rest[:1].isspace()) and rest.strip()[:1].isalnum()
        if not separated or name[:1].islower():
            return None
    whole = head_text + rest
    label_start = len(whole) - len(whole.lstrip())
    label_end = len(head_text.rstrip())
    if not head_text.rstrip().endswith((":", "：")) and has_colon:
        label_end = len(head_text) + (len(rest) - len(rest.lstrip())) + 1  # the colon typed after the bold
    return whole[:label_start] + mark(whole[label_start:label_end]) + whole[label_end:]


def table_blocks(rows: list[list[str]]) -> list[str]:
    """A table as paragraphs: each non-empty cell, row by row, or a row per turn for a speaker table.

    A speaker table has two columns whose first cell is a short name (or empty, continuing the previous
    speaker), the layout many transcription services and interview templates export. Its rows become
    paragraphs of the name (marked as a label) and the speech, apart by a tab as Word's own "table to text"
    writes them (normalised to a space).
    """
    if rows and len(rows[0]) == 2 and rows[0][1].strip().casefold() in _SPEECH_HEADERS:
        body = rows[1:]
    else:
        body = rows
    names = [speaker_label(row[0]) if row[0].strip() else "" for row in body if len(row) == 2]
    is_speaker_table = (
        bool(body)
        and len(names) == len(body)
        and None not in names
        and any(names)
        and all(row[1].strip() for row in body if row[0].strip())
    )
    if not is_speaker_table:
        return [cell for row in rows for cell in row if cell.strip()]
    blocks = []
    for name, (name_cell, speech) in zip(names, body, strict=True):
        if name:
            blocks.append(f"{mark(name_cell.strip())}\t{speech.strip()}")
        elif speech.strip():
            blocks.append(speech)
    return blocks
