"""OpenDocument text (.odt): headings, paragraphs, lists and tables of the body, in document order.

Annotations, footnotes, tracked deletions, tables of contents and frames (text boxes, images) are left out:
they interrupt or repeat the interview. Bold comes from common and automatic styles, so a bold speaker name
opening a paragraph is marked as a label as it is for Word.

content.xml is parsed incrementally, like a Word body: each top-level block of the text is read and then
dropped, and reading stops as soon as the text passes its limit. Styles come first: the common styles of
styles.xml, then the automatic styles of content.xml, which are the ones its paragraphs and spans name.
"""

from collections.abc import Iterator

from lxml.etree import _Element

from cases.importing.readers import STOPS, Blocks, TooLong, Unreadable, bold_speaker, source, table_blocks
from cases.importing.readers.packages import Package, drop, parse

OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"

_HEADING, _PARAGRAPH = f"{{{TEXT}}}h", f"{{{TEXT}}}p"
_LIST, _LIST_ITEM, _LIST_HEADER = f"{{{TEXT}}}list", f"{{{TEXT}}}list-item", f"{{{TEXT}}}list-header"
_TABLE, _ROW, _CELL = f"{{{TABLE}}}table", f"{{{TABLE}}}table-row", f"{{{TABLE}}}table-cell"
_OFFICE_TEXT = f"{{{OFFICE}}}text"
_STYLE_ELEMENT = f"{{{STYLE}}}style"
_STYLE_CONTAINERS = {f"{{{OFFICE}}}styles", f"{{{OFFICE}}}automatic-styles"}
# Containers whose paragraphs belong to the body as if they stood in it.
_BLOCK_WRAPPERS = {
    f"{{{TEXT}}}section",
    f"{{{TABLE}}}table-header-rows",
    f"{{{TABLE}}}table-rows",
    f"{{{TABLE}}}table-row-group",
}
_SKIPPED_INLINE = {
    f"{{{OFFICE}}}annotation",
    f"{{{OFFICE}}}annotation-end",
    f"{{{TEXT}}}note",
    f"{{{TEXT}}}tracked-changes",
    f"{{{TEXT}}}soft-page-break",
    f"{{{TEXT}}}bookmark-ref",
}
_SPACE, _TAB, _LINE_BREAK = f"{{{TEXT}}}s", f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break"
_INLINE_NAMESPACES = (f"{{{TEXT}}}", f"{{{OFFICE}}}")  # spans, links, fields, ruby, meta: their text counts
_STYLE_NAME = f"{{{TEXT}}}style-name"
# `<text:s text:c="…"/>` is that many spaces; normalisation makes any run of spaces one, so a hostile count of
# a billion costs nothing.
_MAX_SPACES = 16


def read_odt(data: bytes, *, max_chars: int, max_bytes: int) -> str:
    """The document's text; raises Unreadable for a broken package or malformed XML.

    Raises TooLong once the text passes `max_chars`, TooLarge once the parts read unpack to more than
    `max_bytes`.
    """
    try:
        package = Package(data, max_bytes=max_bytes)
        declared: dict[str, tuple[bool | None, str | None]] = {}
        if "styles.xml" in package.names:
            for style in _styles_in(parse(package, "styles.xml")):
                declared[style[0]] = style[1:]
        return _OdtBody(declared, max_chars).read(package)
    except STOPS:
        raise
    except Exception as error:  # lxml and zipfile raise many types for one cause: a broken file
        raise Unreadable(str(error)) from error


def _styles_in(elements: Iterator[_Element]) -> Iterator[tuple[str, bool | None, str | None]]:
    """(name, own boldness or None, parent style) of each style among `elements`; others pass through."""
    for element in elements:
        parent = element.getparent()
        if element.tag != _STYLE_ELEMENT or parent is None or parent.tag not in _STYLE_CONTAINERS:
            continue
        bold = None
        for properties in element.iterchildren(f"{{{STYLE}}}text-properties"):
            weight = properties.get(f"{{{FO}}}font-weight")
            if weight:
                bold = weight == "bold" or (weight.isdigit() and int(weight) >= 600)
        name = element.get(f"{{{STYLE}}}name")
        if name:
            yield name, bold, element.get(f"{{{STYLE}}}parent-style-name")
        drop(element)


class _OdtBody:
    def __init__(self, declared: dict[str, tuple[bool | None, str | None]], max_chars: int) -> None:
        self.declared = declared
        self.bold: dict[str, bool] = {}
        self.found = Blocks(max_chars)
        self.max_chars = max_chars

    def read(self, package: Package) -> str:
        shown = 0  # characters met anywhere, so that one giant paragraph stops early too
        for element in parse(package, "content.xml"):
            shown += len(element.text or "") + len(element.tail or "")
            if shown > self.max_chars:
                raise TooLong(self.max_chars)
            parent = element.getparent()
            if parent is None:
                continue
            if element.tag == _STYLE_ELEMENT and parent.tag in _STYLE_CONTAINERS:
                for name, bold, parent_style in _styles_in(iter([element])):
                    self.declared[name] = (bold, parent_style)
                self.bold = {}  # resolved again when the body needs it
            elif parent.tag == _OFFICE_TEXT:
                if not self.bold:
                    self.bold = _resolved(self.declared)
                self.found.extend(self.blocks_of(element))
                drop(element)
        return self.found.text()

    def blocks(self, container: _Element, *, bullet: bool = False) -> list[str]:
        return [text for child in container.iterchildren() for text in self.blocks_of(child, bullet=bullet)]

    def blocks_of(self, child: _Element, *, bullet: bool = False) -> list[str]:
        """The texts of one block: a heading, paragraph, list, table or section; none for anything else."""
        if child.tag in (_HEADING, _PARAGRAPH):
            text = self.paragraph(child, is_heading=child.tag == _HEADING)
            if not text.strip():
                return []
            return [f"• {text.strip()}" if bullet and child.tag == _PARAGRAPH else text]
        if child.tag == _LIST:
            return self.blocks(child, bullet=True)
        if child.tag in (_LIST_ITEM, _LIST_HEADER) or child.tag in _BLOCK_WRAPPERS:
            return self.blocks(child, bullet=bullet)
        if child.tag == _TABLE:
            return self.table(child)
        return []

    def table(self, table: _Element) -> list[str]:
        rows = []
        for row in _descendants(table, _ROW, stop=_TABLE):
            rows.append(["\n\n".join(self.blocks(cell)) for cell in row.iterchildren(_CELL)])
        return table_blocks(rows)

    def paragraph(self, paragraph: _Element, *, is_heading: bool) -> str:
        paragraph_bold = self.bold.get(paragraph.get(_STYLE_NAME, ""), False)
        segments = list(self.segments(paragraph, bold=paragraph_bold))
        text = "".join(text for text, _ in segments)
        if is_heading:
            return text
        return bold_speaker(segments) or text

    def segments(self, element: _Element, *, bold: bool) -> Iterator[tuple[str, bool]]:
        """(text, is_bold) pieces of a paragraph's content, spans' styles applied."""
        if element.text:
            yield source(element.text), bold
        for child in element.iterchildren():
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag and tag not in _SKIPPED_INLINE:
                if tag == _SPACE:
                    count = child.get(f"{{{TEXT}}}c", "1") or "1"
                    yield " " * min(int(count) if count.isdigit() else 1, _MAX_SPACES), bold
                elif tag == _TAB:
                    yield "\t", bold
                elif tag == _LINE_BREAK:
                    yield "\n", bold
                elif tag.startswith(_INLINE_NAMESPACES):
                    style = child.get(_STYLE_NAME)
                    span_bold = self.bold.get(style, bold) if style else bold
                    yield from self.segments(child, bold=span_bold)
            if child.tail:  # the text after a child belongs to this element, whatever the child was
                yield source(child.tail), bold


def _descendants(element: _Element, tag: str, *, stop: str) -> Iterator[_Element]:
    """Elements named `tag` under `element`, not descending into nested `stop` elements (inner tables)."""
    for child in element.iterchildren():
        if child.tag == tag:
            yield child
        elif child.tag != stop:
            yield from _descendants(child, tag, stop=stop)


def _resolved(declared: dict[str, tuple[bool | None, str | None]]) -> dict[str, bool]:
    """Style name → whether its text is bold, following parent styles."""

    def resolve(name: str | None) -> bool:
        seen = set()
        while name in declared and name not in seen:  # parent chains can loop in damaged files
            seen.add(name)
            bold, parent = declared[name]
            if bold is not None:
                return bold
            name = parent or None
        return False

    return {name: resolve(name) for name in declared}
