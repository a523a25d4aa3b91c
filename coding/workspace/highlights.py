"""Server rendering of a transcript with its coded passages: one sweep over segment boundaries.

The text is cut into runs wherever a segment starts or ends, a paragraph ends or a speaker label ends; each
run knows the segments covering it. Every run carries `data-o`, its offset in code points, which the browser
uses to turn a DOM selection back into offsets (static/js/offsets.js). Events are sorted once (O(n log n)) and
each paragraph takes the events that fall inside it, so the cost grows with text length plus segments, never
their product.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape  # the standard library's: Django's lazy-aware wrapper costs more than the work

from django.utils.safestring import SafeString

from cases.importing.recognise import speaker_name
from cases.turns import LabelLike

MAX_LAYERS = 5  # underlines drawn under one run; more are listed in the tooltip and the margin


@dataclass(frozen=True)
class Layer:
    code_id: int
    name: str
    colour: str
    valence: str
    coder: str


@dataclass
class Mark:
    """A segment as drawn: its span and the codings (layers) visible under the current filters."""

    segment_id: int
    start: int
    end: int
    memo: str = ""
    layers: list[Layer] = field(default_factory=list)


@dataclass(frozen=True)
class Paragraph:
    number: int
    start: int
    end: int
    speaker: str
    html: SafeString
    margin: list[tuple[Mark, Layer]]
    segment_ids: frozenset[int] = frozenset()  # every segment drawn in this paragraph
    tooltips: str = "{}"  # JSON about those segments, for hover and focus


SIGN = {"positive": "+", "negative": "−"}


def render(
    *,
    text: str,
    paragraphs: Sequence[tuple[int, int, str]],
    marks: Iterable[Mark],
    labels: Iterable[LabelLike] = (),
    numbers: Sequence[int] | None = None,
) -> list[Paragraph]:
    """`paragraphs` are (start, end, text), numbered by `numbers` (their numbers in the whole transcript;
    1, 2, … by default); `labels` are the speaker labels drawn in them (others are skipped)."""
    marks = sorted((m for m in marks if m.layers), key=lambda m: (m.start, -m.end, m.segment_id))
    by_segment = {mark.segment_id: mark for mark in marks}
    events: list[tuple[int, int, int]] = []  # (position, 0=end/1=start, index into marks)
    for index, mark in enumerate(marks):
        events.append((mark.start, 1, index))
        events.append((mark.end, 0, index))
    events.sort()

    labels = sorted((label.start, label.end, label.speaker) for label in labels)
    next_label = 0
    active: dict[int, Mark] = {}
    announced: set[int] = set()  # marks already listed in a margin
    cursor = 0
    result = []
    numbers = numbers if numbers is not None else range(1, len(paragraphs) + 1)
    for number, (p_start, p_end, _) in zip(numbers, paragraphs, strict=True):
        # Apply every event up to this paragraph's start (segments that began earlier may still be open).
        while cursor < len(events) and events[cursor][0] <= p_start:
            _apply(events[cursor], marks, active)
            cursor += 1
        margin = []
        for index, mark in active.items():
            if index not in announced:
                announced.add(index)
                margin.extend((mark, layer) for layer in mark.layers)
        while next_label < len(labels) and labels[next_label][1] <= p_start:
            next_label += 1
        speaker = (
            labels[next_label][2] if next_label < len(labels) and labels[next_label][0] == p_start else ""
        )
        pieces = []
        drawn: set[int] = set()
        position = p_start
        while position < p_end:
            next_cut = p_end
            if cursor < len(events) and events[cursor][0] < next_cut:
                next_cut = events[cursor][0]
            label = labels[next_label] if next_label < len(labels) else None
            is_label = label is not None and label[0] <= position < label[1]
            if label is not None and position < label[0] < next_cut:
                next_cut = label[0]
            if is_label and label[1] < next_cut:
                next_cut = label[1]
            pieces.append(_run(text, position, next_cut, active, speaker=label[2] if is_label else None))
            if is_label and next_cut == label[1]:
                next_label += 1
            drawn.update(mark.segment_id for mark in active.values())
            position = next_cut
            while cursor < len(events) and events[cursor][0] == position < p_end:
                kind, index = events[cursor][1], events[cursor][2]
                if kind == 1 and index not in announced:
                    announced.add(index)
                    margin.extend((marks[index], layer) for layer in marks[index].layers)
                _apply(events[cursor], marks, active)
                cursor += 1
        result.append(
            Paragraph(
                number=number,
                start=p_start,
                end=p_end,
                speaker=speaker,
                html=SafeString("".join(pieces)),  # every piece of text went through escape()
                margin=margin,
                segment_ids=frozenset(drawn),
                tooltips=_tooltips(drawn, by_segment),
            )
        )
    return result


def _tooltips(drawn: set[int], by_segment: dict[int, Mark]) -> str:
    """JSON about every segment drawn in the paragraph (codes, coders, valence, memo) for its tooltips."""
    if not drawn:  # most paragraphs of a long interview: no encoder for them
        return "{}"
    data = {}
    for segment_id in drawn:
        mark = by_segment[segment_id]
        data[mark.segment_id] = {
            "start": mark.start,
            "end": mark.end,
            "memo": mark.memo,
            "codes": [
                {"name": layer.name, "colour": layer.colour, "valence": layer.valence, "coder": layer.coder}
                for layer in mark.layers
            ],
        }
    return json.dumps(data, ensure_ascii=False)


def _apply(event: tuple[int, int, int], marks: list[Mark], active: dict[int, Mark]) -> None:
    _, kind, index = event
    if kind == 1:
        active[index] = marks[index]
    else:
        active.pop(index, None)


def _run(text: str, start: int, end: int, active: dict[int, Mark], *, speaker: str | None) -> str:
    """One run of text; `speaker` is the name a label run shows (as a tooltip, and beside it when renamed)."""
    chunk = escape(text[start:end])
    attributes = f' data-o="{start}"'
    is_label = speaker is not None
    classes = ["speaker"] if is_label else []
    if is_label:
        attributes += f' title="{escape(speaker)}"'
        if speaker_name(text[start:end]) != speaker:
            attributes += f' data-speaker="{escape(speaker)}"'  # drawn after the label by CSS, not text
    if active:
        layers = [layer for mark in active.values() for layer in mark.layers]
        classes.append("hl")
        ids = " ".join(str(mark.segment_id) for mark in active.values())
        attributes += f' data-s="{ids}"'
        classes.extend(_underlines(layers))
    if classes:
        attributes += f' class="{" ".join(classes)}"'
    tag = "b" if is_label else "span"
    return f"<{tag}{attributes}>{chunk}</{tag}>"


def _underlines(layers: list[Layer]) -> list[str]:
    """Stacked underlines, one per visible coding, plus a faint tint of the first code's colour: classes that
    carry the colours (`u0-1f77b4`), which static/js/paint.js turns into rules; the policy forbids style
    attributes, and the classes are shorter than the gradients they stand for."""
    shown = layers[:MAX_LAYERS]
    return [f"layers-{len(shown)}", *(f"u{index}-{layer.colour[1:]}" for index, layer in enumerate(shown))]


SIGNS = {"positive": " +", "negative": " −"}


def markup(paragraph: Paragraph, *, oob: bool = False) -> SafeString:
    """The paragraph as the workspace draws it: numbered text and a margin with one chip per coding.

    Built here rather than in a template loop: a long interview has thousands of chips, and this keeps the
    page well within its time budget.
    """
    chips = "".join(
        f'<button type="button" class="chip colour-{layer.colour[1:]}" data-segment="{mark.segment_id}" '
        f'data-code="{layer.code_id}" title="{escape(layer.name)} · {escape(layer.coder)}">'
        f"{escape(layer.name)}{SIGNS.get(layer.valence, '')}</button>"
        for mark, layer in paragraph.margin
    )
    speaker = f' data-speaker="{escape(paragraph.speaker)}"' if paragraph.speaker else ""
    swap = ' hx-swap-oob="true"' if oob else ""
    return SafeString(  # text, names and JSON are escaped; colours are checked hex by the database
        f'<div class="para" id="p{paragraph.number}" data-n="{paragraph.number}" '
        f'data-start="{paragraph.start}" data-end="{paragraph.end}" '
        f'data-tips="{escape(paragraph.tooltips)}"{speaker}{swap}>'
        f'<div class="ptext">{paragraph.html}</div>'
        f'<div class="pmargin" contenteditable="false">{chips}</div></div>'
    )
