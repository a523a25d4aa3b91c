"""Format readers: each turns one kind of document into plain text, paragraphs apart by a blank line.

Readers know nothing about upload limits, file names or wording for researchers. `cases.importing.extract`
vets a file before handing it to a reader (size, signature, zip bombs, DTDs) and turns the exceptions below
into one sentence naming the file. The text a reader returns is raw: `cases.importing.normalise` makes it
canonical.

The helpers here keep the formats consistent: a bold "Anna" opening a Word paragraph, a two-column table of
names and speech, a WebVTT voice tag and a Markdown `[name=anna]` all become the same "Anna: …" label, and
only when `cases.turns` will read that label back as a speaker.
"""

from cases.turns import find_turns


class Unreadable(Exception):
    """The file is damaged, or is not the format its extension promises."""


class PasswordProtected(Exception):
    """The file is encrypted and cannot be opened without a password."""


class NoTextLayer(Exception):
    """The file holds pages but no text, as a scanned PDF does."""


# Header cells that name the speech column of a speaker table: such a first row is a header, not a turn.
_SPEECH_HEADERS = frozenset(
    {"text", "transcript", "transcription", "speech", "utterance", "content", "statement", "what was said"}
)


def speaker_label(candidate: str) -> str | None:
    """`candidate` (a trailing colon allowed) as a speaker name, or None if `cases.turns` would not take it.

    Asking `find_turns` itself keeps every reader's idea of a name identical to the one the workspace uses.
    """
    name = candidate.strip().rstrip(":：").strip()
    if not name or "\n" in name:
        return None
    return name if _opens_turn(f"{name}: …", name) else None


def bold_speaker(segments: list[tuple[str, bool]]) -> str | None:
    """The paragraph as "Name: text" when it opens with a bold short name followed by plain text.

    None when it does not, or when it already reads as a label. `segments` are its runs as (text, is_bold).
    Transcribers often mark speakers by bold type alone; without a label the turn would be lost. Without a
    colon the bold must stand apart from the speech (a space follows it) and not read as an emphasised word
    ("**Yes**, I agree" stays as it is).
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
    if name is None or _opens_turn(head_text + rest, name):
        return None  # not a name, or already written as "Name: …" (kept as typed, full-width colon and all)
    has_colon = head_text.rstrip().endswith((":", "：")) or rest.lstrip().startswith((":", "："))
    if not has_colon:
        separated = (head_text[-1:].isspace() or rest[:1].isspace()) and rest.strip()[:1].isalnum()
        if not separated or name[:1].islower():
            return None
    speech = rest.lstrip()
    if speech[:1] in (":", "："):
        speech = speech[1:].lstrip()
    return f"{name}: {speech}"


def _opens_turn(text: str, name: str) -> bool:
    """Whether `cases.turns` reads `text` as opening with a turn of `name`."""
    turns = find_turns(text.lstrip())
    return bool(turns) and turns[0].start == 0 and turns[0].speaker == name


def table_blocks(rows: list[list[str]]) -> list[str]:
    """A table as paragraphs: each non-empty cell, row by row, or "Name: speech" turns for a speaker table.

    A speaker table has two columns whose first cell is a short name (or empty, continuing the previous
    speaker), the layout many transcription services and interview templates export.
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
    for name, (_, speech) in zip(names, body, strict=True):
        if name:
            blocks.append(f"{name}: {speech.strip()}")
        elif speech.strip():
            blocks.append(speech)
    return blocks
