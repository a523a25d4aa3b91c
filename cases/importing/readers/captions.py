"""Subtitles and captions (.vtt, .srt) as a transcript: one paragraph per run of a speaker's cues.

Each paragraph opens with a line "Speaker 00:01:02" (the run's first cue start, hours always shown), marked as
the speaker's label, then the cues' text joined by spaces. The speaker comes from a WebVTT
voice tag (`<v Anna>`) or a leading "Anna:" in the cue, as Zoom and Teams write it. A cue with no speaker
becomes its own paragraph under a bare "00:01:02" line: with no speaker changes to split on, the time is the
only way back to the recording, so it is kept for every cue.
"""

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass

from cases.importing.readers import Unreadable, mark, speaker_label

# "00:01:02.500 --> 00:01:04.000 align:start" (WebVTT) or "00:01:02,500 --> 00:01:04,000" (SubRip).
_TIMING = re.compile(
    r"^\s*(?:(?P<hours>\d+):)?(?P<minutes>\d{1,2}):(?P<seconds>\d{2})[.,]\d{1,3}\s*-->"
    r"\s*(?:\d+:)?\d{1,2}:\d{2}[.,]\d{1,3}(?:\s.*)?$"
)
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?(?:\s+([^>]*))?>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>]*>")
_STYLE_OVERRIDE = re.compile(r"\{\\[^}]*\}")  # SubRip files written from ASS carry "{\an8}" and the like
_LABEL = re.compile(r"^([^:：]{1,60})[:：]\s*(.*)$", re.DOTALL)


@dataclass
class _Piece:
    speaker: str | None
    seconds: int
    texts: list[str]


def read_captions(source: str) -> str:
    """The transcript of a WebVTT or SubRip file; raises Unreadable when it holds no cue at all."""
    pieces: list[_Piece] = []
    found_cue = False
    for seconds, payload in _cues(source):
        found_cue = True
        for speaker, text in _speeches(payload):
            previous = pieces[-1] if pieces else None
            if previous is not None and speaker is not None and previous.speaker == speaker:
                previous.texts.append(text)
            else:
                pieces.append(_Piece(speaker=speaker, seconds=seconds, texts=[text]))
    if not found_cue:
        raise Unreadable("no cue timings found")
    paragraphs = []
    for piece in pieces:
        stamp = _clock(piece.seconds)
        header = mark(f"{piece.speaker} {stamp}") if piece.speaker else stamp
        paragraphs.append(f"{header}\n{' '.join(piece.texts)}")
    return "\n\n".join(paragraphs)


def _cues(source: str) -> Iterator[tuple[int, list[str]]]:
    """(start in whole seconds, payload lines) of each cue, for WebVTT and SubRip alike.

    A cue is a timing line and the lines after it up to a blank line; identifiers, NOTE, STYLE and REGION
    blocks have no timing line and are skipped with the header.
    """
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 0
    while index < len(lines):
        match = _TIMING.match(lines[index])
        index += 1
        if not match:
            continue
        payload = []
        while index < len(lines) and lines[index].strip() and not _TIMING.match(lines[index]):
            payload.append(lines[index])
            index += 1
        if payload and index < len(lines) and _TIMING.match(lines[index]) and payload[-1].strip().isdigit():
            payload.pop()  # a SubRip counter written without the blank line before it
        hours, minutes, seconds = (int(match.group(part) or 0) for part in ("hours", "minutes", "seconds"))
        yield hours * 3600 + minutes * 60 + seconds, payload


def _speeches(payload: list[str]) -> list[tuple[str | None, str]]:
    """(speaker or None, text) for each speaker's part of one cue, tags and entities resolved."""
    speeches: list[tuple[str | None, str]] = []
    current: str | None = None
    for raw_line in payload:
        line = _STYLE_OVERRIDE.sub("", raw_line)
        # A voice tag opens a part of the cue spoken by that voice; text before it keeps the current voice.
        position = 0
        for voice in _VOICE.finditer(line):
            _add(speeches, current, line[position : voice.start()])
            current = (voice.group(1) or "").strip() or None
            position = voice.end()
        remainder = line[position:]
        if position == 0:
            label = _LABEL.match(_plain(remainder))
            name = speaker_label(label.group(1)) if label else None
            if name:
                current, remainder = name, label.group(2)
        _add(speeches, current, remainder)
    return speeches


def _add(speeches: list[tuple[str | None, str]], speaker: str | None, raw: str) -> None:
    text = _plain(raw)
    if not text:
        return
    if speeches and speeches[-1][0] == speaker:
        speeches[-1] = (speaker, f"{speeches[-1][1]} {text}")
    else:
        speeches.append((speaker, text))


def _plain(raw: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", raw)).split())


def _clock(total: int) -> str:
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"
