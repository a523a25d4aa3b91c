"""OpenDocument text (.odt): headings, paragraphs, lists and tables of the body, in document order.

Annotations, footnotes, tracked deletions, tables of contents and frames (text boxes, images) are left out:
they interrupt or repeat the interview. Bold comes from automatic and common styles, so a bold speaker name
opening a paragraph is marked as a label as it is for Word.
"""

import io
from collections.abc import Iterator

from odf.element import Element, Node
from odf.namespaces import FONS, OFFICENS, STYLENS, TABLENS, TEXTNS
from odf.opendocument import OpenDocument, load

from cases.importing.readers import Unreadable, bold_speaker, source, table_blocks

_HEADING, _PARAGRAPH = (TEXTNS, "h"), (TEXTNS, "p")
_LIST, _LIST_ITEM, _LIST_HEADER = (TEXTNS, "list"), (TEXTNS, "list-item"), (TEXTNS, "list-header")
_TABLE, _ROW, _CELL = (TABLENS, "table"), (TABLENS, "table-row"), (TABLENS, "table-cell")
# Containers whose paragraphs belong to the body as if they stood in it.
_BLOCK_WRAPPERS = {
    (TEXTNS, "section"),
    (TABLENS, "table-header-rows"),
    (TABLENS, "table-rows"),
    (TABLENS, "table-row-group"),
}
_SKIPPED_INLINE = {
    (OFFICENS, "annotation"),
    (OFFICENS, "annotation-end"),
    (TEXTNS, "note"),
    (TEXTNS, "tracked-changes"),
    (TEXTNS, "soft-page-break"),
    (TEXTNS, "bookmark-ref"),
}
_STYLE_NAME = (TEXTNS, "style-name")


def read_odt(data: bytes) -> str:
    """The document's text; raises Unreadable when odfpy cannot open it."""
    try:
        document = load(io.BytesIO(data))
        reader = _OdtBody(document)
        return "\n\n".join(reader.blocks(document.text))
    except Exception as error:  # odfpy raises anything from KeyError to SAX errors for a broken file
        raise Unreadable(str(error)) from error


class _OdtBody:
    def __init__(self, document: OpenDocument) -> None:
        self.bold = _bold_styles(document)

    def blocks(self, container: Element, *, bullet: bool = False) -> list[str]:
        blocks: list[str] = []
        for child in container.childNodes:
            if child.nodeType != Node.ELEMENT_NODE:
                continue
            if child.qname in (_HEADING, _PARAGRAPH):
                text = self.paragraph(child, is_heading=child.qname == _HEADING)
                if text.strip():
                    blocks.append(f"• {text.strip()}" if bullet and child.qname == _PARAGRAPH else text)
            elif child.qname == _LIST:
                blocks.extend(self.blocks(child, bullet=True))
            elif child.qname in (_LIST_ITEM, _LIST_HEADER):
                blocks.extend(self.blocks(child, bullet=bullet))
            elif child.qname == _TABLE:
                blocks.extend(self.table(child))
            elif child.qname in _BLOCK_WRAPPERS:
                blocks.extend(self.blocks(child, bullet=bullet))
        return blocks

    def table(self, table: Element) -> list[str]:
        rows = []
        for row in _descendants(table, _ROW, stop=_TABLE):
            cells = [child for child in row.childNodes if getattr(child, "qname", None) == _CELL]
            rows.append(["\n\n".join(self.blocks(cell)) for cell in cells])
        return table_blocks(rows)

    def paragraph(self, paragraph: Element, *, is_heading: bool) -> str:
        paragraph_bold = self.bold.get(str(paragraph.attributes.get(_STYLE_NAME, "")), False)
        segments = list(self.segments(paragraph, bold=paragraph_bold))
        text = "".join(text for text, _ in segments)
        if is_heading:
            return text
        return bold_speaker(segments) or text

    def segments(self, element: Element, *, bold: bool) -> Iterator[tuple[str, bool]]:
        """(text, is_bold) pieces of a paragraph's content, spans' styles applied."""
        for child in element.childNodes:
            if child.nodeType == Node.TEXT_NODE:
                yield source(child.data), bold
                continue
            if child.nodeType != Node.ELEMENT_NODE or child.qname in _SKIPPED_INLINE:
                continue
            namespace, name = child.qname
            if namespace == TEXTNS and name == "s":
                yield " " * int(child.attributes.get((TEXTNS, "c"), "1") or 1), bold
            elif namespace == TEXTNS and name == "tab":
                yield "\t", bold
            elif namespace == TEXTNS and name == "line-break":
                yield "\n", bold
            elif namespace in (TEXTNS, OFFICENS):  # spans, links, fields, ruby, meta: their text counts
                style = child.attributes.get(_STYLE_NAME)
                span_bold = self.bold.get(str(style), bold) if style else bold
                yield from self.segments(child, bold=span_bold)


def _descendants(element: Element, qname: tuple[str, str], *, stop: tuple[str, str]) -> Iterator[Element]:
    """Elements named `qname` under `element`, not descending into nested `stop` elements (inner tables)."""
    for child in element.childNodes:
        if child.nodeType != Node.ELEMENT_NODE:
            continue
        if child.qname == qname:
            yield child
        elif child.qname != stop:
            yield from _descendants(child, qname, stop=stop)


def _bold_styles(document: OpenDocument) -> dict[str, bool]:
    """Style name → whether its text is bold, following parent styles through common and automatic styles."""
    declared: dict[str, tuple[bool | None, str | None]] = {}
    for styles in (document.styles, document.automaticstyles):
        for style in styles.childNodes:
            if getattr(style, "qname", None) != (STYLENS, "style"):
                continue
            bold = None
            for properties in style.childNodes:
                if getattr(properties, "qname", None) == (STYLENS, "text-properties"):
                    weight = properties.attributes.get((FONS, "font-weight"))
                    if weight:
                        bold = weight == "bold" or (weight.isdigit() and int(weight) >= 600)
            name = style.attributes.get((STYLENS, "name"))
            if name:
                declared[str(name)] = (bold, style.attributes.get((STYLENS, "parent-style-name")))

    def resolve(name: str | None) -> bool:
        seen = set()
        while name in declared and name not in seen:  # parent chains can loop in damaged files
            seen.add(name)
            bold, parent = declared[name]
            if bold is not None:
                return bold
            name = str(parent) if parent else None
        return False

    return {name: resolve(name) for name in declared}
