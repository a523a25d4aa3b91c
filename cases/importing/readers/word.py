"""Word documents (.docx): the body's paragraphs and tables, in the order a reader meets them.

python-docx opens the package; the body is then walked element by element, because `doc.paragraphs` and
`doc.tables` lose the order between them and skip text inside content controls, tracked insertions and
hyperlinks. Deleted (tracked) text, field codes, the generated table of contents, headers, footers, comments
and text boxes are left out: they are not the interview.
"""

import io
from collections.abc import Iterator
from dataclasses import dataclass

import docx
from docx.document import Document
from docx.oxml.ns import qn
from lxml.etree import _Element

from cases.importing.readers import Unreadable, bold_speaker, source, table_blocks

_P, _TBL, _TR, _TC, _R = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r")
_VAL = qn("w:val")
# Elements that wrap blocks or runs without changing what they hold.
_BLOCK_WRAPPERS = {qn("w:sdt"), qn("w:sdtContent"), qn("w:customXml")}
_RUN_WRAPPERS = {
    qn("w:hyperlink"),
    qn("w:ins"),
    qn("w:moveTo"),
    qn("w:smartTag"),
    qn("w:fldSimple"),
    qn("w:customXml"),
    qn("w:sdt"),
    qn("w:sdtContent"),
}
_RUN_TEXT = {
    qn("w:t"): None,  # its own text
    qn("w:tab"): "\t",
    qn("w:ptab"): "\t",
    qn("w:br"): "\n",
    qn("w:cr"): "\n",
    qn("w:noBreakHyphen"): "-",
}
_OFF = frozenset({"0", "false", "off", "none"})


def read_docx(data: bytes) -> str:
    """The document's text; raises Unreadable when python-docx cannot open it or its XML is malformed."""
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n\n".join(_WordBody(document).blocks(document.element.body))
    except Exception as error:  # python-docx and lxml raise many types for one cause: a broken file
        raise Unreadable(str(error)) from error


class _WordBody:
    def __init__(self, document: Document) -> None:
        self.styles = _styles(document)

    def blocks(self, container: _Element) -> list[str]:
        """Paragraph and table texts of `container` (the body, a table cell, a content control)."""
        blocks: list[str] = []
        for child in container.iterchildren():
            if child.tag == _P:
                text = self.paragraph(child)
                if text.strip():
                    blocks.append(text)
            elif child.tag == _TBL:
                blocks.extend(self.table(child))
            elif child.tag in _BLOCK_WRAPPERS and not _is_table_of_contents(child):
                blocks.extend(self.blocks(child))
        return blocks

    def table(self, table: _Element) -> list[str]:
        rows = [
            ["\n\n".join(self.blocks(cell)) for cell in row.iterchildren(_TC)]
            for row in table.iterchildren(_TR)
        ]
        return table_blocks(rows)

    def paragraph(self, paragraph: _Element) -> str:
        properties = paragraph.find(qn("w:pPr"))
        style = _PLAIN
        is_list = False
        if properties is not None:
            style_id = properties.find(qn("w:pStyle"))
            if style_id is not None:
                style = self.styles.get(style_id.get(_VAL), _PLAIN)
            numbering = properties.find(qn("w:numPr"))
            number_id = numbering.find(qn("w:numId")) if numbering is not None else None
            is_list = number_id is not None and number_id.get(_VAL) != "0"
        segments = list(self.segments(paragraph, paragraph_bold=style.bold))
        text = "".join(text for text, _ in segments)
        if style.heading:
            return text
        if is_list or style.listed:
            return f"• {text.strip()}"
        return bold_speaker(segments) or text

    def segments(self, element: _Element, *, paragraph_bold: bool) -> Iterator[tuple[str, bool]]:
        """(text, is_bold) for each run under `element`, skipping deletions and nested structures."""
        for child in element.iterchildren():
            if child.tag == _R:
                text = source("".join(_run_text(child)))
                if text:
                    yield text, self.run_bold(child, paragraph_bold)
            elif child.tag in _RUN_WRAPPERS:
                yield from self.segments(child, paragraph_bold=paragraph_bold)

    def run_bold(self, run: _Element, paragraph_bold: bool) -> bool:
        properties = run.find(qn("w:rPr"))
        if properties is None:
            return paragraph_bold
        bold = properties.find(qn("w:b"))
        if bold is not None:
            return bold.get(_VAL, "true").lower() not in _OFF
        style_id = properties.find(qn("w:rStyle"))
        if style_id is not None and style_id.get(_VAL) in self.styles:
            return self.styles[style_id.get(_VAL)].bold
        return paragraph_bold


def _is_table_of_contents(element: _Element) -> bool:
    """Whether `element` is the content control Word wraps a generated table of contents in."""
    gallery = element.find(f"{qn('w:sdtPr')}/{qn('w:docPartObj')}/{qn('w:docPartGallery')}")
    return gallery is not None and (gallery.get(_VAL) or "").startswith("Table of Contents")


def _run_text(run: _Element) -> Iterator[str]:
    for child in run.iterchildren():
        if child.tag in _RUN_TEXT:
            replacement = _RUN_TEXT[child.tag]
            yield (child.text or "") if replacement is None else replacement


@dataclass(frozen=True, slots=True)
class _Style:
    """What the reader needs of a paragraph or character style, inheritance (basedOn) resolved."""

    heading: bool = False
    listed: bool = False
    bold: bool = False


_PLAIN = _Style()


def _styles(document: Document) -> dict[str, _Style]:
    raw: dict[str, tuple[str | None, bool | None, bool, bool]] = {}
    for style in document.styles.element.iterchildren(qn("w:style")):
        style_id = style.get(qn("w:styleId"))
        if not style_id:
            continue
        name_element = style.find(qn("w:name"))
        name = (name_element.get(_VAL, "") if name_element is not None else "").casefold()
        based_on = style.find(qn("w:basedOn"))
        bold_element = style.find(f"{qn('w:rPr')}/{qn('w:b')}")
        bold = None if bold_element is None else bold_element.get(_VAL, "true").lower() not in _OFF
        outline = style.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        is_outline = outline is not None and outline.get(_VAL) != "9"  # level 9 is body text
        is_heading = name.startswith("heading") or name in ("title", "subtitle") or is_outline
        # "List Bullet" and "List Number" carry their numbering in the style rather than the paragraph.
        is_listed = style.find(f"{qn('w:pPr')}/{qn('w:numPr')}") is not None
        parent = based_on.get(_VAL) if based_on is not None else None
        raw[style_id] = (parent, bold, is_heading, is_listed and not is_heading)

    def inherited_bold(style_id: str | None) -> bool:
        seen = set()
        while style_id in raw and style_id not in seen:  # basedOn chains can loop in damaged files
            seen.add(style_id)
            parent, bold, _, _ = raw[style_id]
            if bold is not None:
                return bold
            style_id = parent
        return False

    return {
        style_id: _Style(heading=is_heading, listed=is_listed, bold=inherited_bold(style_id))
        for style_id, (_, _, is_heading, is_listed) in raw.items()
    }
