"""Word documents (.docx): the body's paragraphs and tables, in the order a reader meets them.

The package is opened as python-docx opens it (the main part and its styles found through the relationships),
but read as a stream: the body's XML is parsed incrementally and each top-level paragraph or table is read and
then dropped, so a document's size in memory is one block, not the whole tree, and reading stops as soon as
the text passes its limit. The body is walked element by element, because python-docx's `paragraphs` and
`tables` lose the order between them and skip text inside content controls, tracked insertions and
hyperlinks. Deleted (tracked) text, field codes, the generated table of contents, headers, footers, comments
and text boxes are left out: they are not the interview.
"""

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from docx.oxml.ns import qn
from lxml.etree import _Element

from cases.importing.readers import STOPS, Blocks, TooLong, Unreadable, bold_speaker, source, table_blocks
from cases.importing.readers.packages import Package, drop, parse

_P, _TBL, _TR, _TC, _R, _T = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:r"), qn("w:t")
_BODY, _STYLE, _STYLES = qn("w:body"), qn("w:style"), qn("w:styles")
_PPR, _PSTYLE, _NUMPR, _NUMID = qn("w:pPr"), qn("w:pStyle"), qn("w:numPr"), qn("w:numId")
_RPR, _B, _RSTYLE, _NO_BREAK_HYPHEN = qn("w:rPr"), qn("w:b"), qn("w:rStyle"), qn("w:noBreakHyphen")
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
    _NO_BREAK_HYPHEN: "-",
}
_OFF = frozenset({"0", "false", "off", "none"})
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_DOCUMENT_PART = "word/document.xml"


def read_docx(data: bytes, *, max_chars: int, max_bytes: int) -> str:
    """The document's text; raises Unreadable for a broken package or malformed XML.

    Raises TooLong once the text passes `max_chars`, TooLarge once the parts read unpack to more than
    `max_bytes`.
    """
    try:
        package = Package(data, max_bytes=max_bytes)
        document = _related(package, "", "officeDocument") or _DOCUMENT_PART
        styles_part = _related(package, document, "styles")
        styles = _styles(package, styles_part) if styles_part else {}
        return _WordBody(styles, max_chars).read(package, document)
    except STOPS:
        raise
    except Exception as error:  # lxml and zipfile raise many types for one cause: a broken file
        raise Unreadable(str(error)) from error


def _related(package: Package, part: str, kind: str) -> str | None:
    """The part that `part` ("" for the package itself) relates to as `kind`, as python-docx resolves it."""
    folder, name = posixpath.split(part)
    relationships = posixpath.join(folder, "_rels", f"{name}.rels")
    if relationships not in package.names:
        return None
    for element in parse(package, relationships, (_RELATIONSHIP,)):
        if element.get("TargetMode") == "External":
            continue
        if (element.get("Type") or "").rsplit("/", 1)[-1] == kind:
            target = element.get("Target") or ""
            resolved = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            resolved = posixpath.normpath(resolved)
            return resolved if resolved in package.names else None
    return None


class _WordBody:
    def __init__(self, styles: dict[str, "_Style"], max_chars: int) -> None:
        self.styles = styles
        self.found = Blocks(max_chars)
        self.max_chars = max_chars

    def read(self, package: Package, part: str) -> str:
        """The text of the body in `part`, one top-level block at a time."""
        shown = 0  # characters of every w:t seen, so that one giant paragraph stops early too
        for element in parse(package, part, (_T, _P, _TBL, *_BLOCK_WRAPPERS)):
            if element.tag == _T:
                shown += len(element.text or "")
                if shown > self.max_chars:
                    raise TooLong(self.max_chars)
                continue
            parent = element.getparent()
            if parent is not None and parent.tag == _BODY:
                self.found.extend(self.block(element))
                drop(element)
        return self.found.text()

    def blocks(self, container: _Element) -> list[str]:
        """Paragraph and table texts of `container` (a table cell, a content control)."""
        return [text for child in container.iterchildren() for text in self.block(child)]

    def block(self, element: _Element) -> list[str]:
        """The texts of one block: a paragraph, a table or a wrapper of blocks; none for anything else."""
        if element.tag == _P:
            text = self.paragraph(element)
            return [text] if text.strip() else []
        if element.tag == _TBL:
            return self.table(element)
        if element.tag in _BLOCK_WRAPPERS and not _is_table_of_contents(element):
            return self.blocks(element)
        return []

    def table(self, table: _Element) -> list[str]:
        rows = [
            ["\n\n".join(self.blocks(cell)) for cell in row.iterchildren(_TC)]
            for row in table.iterchildren(_TR)
        ]
        return table_blocks(rows)

    def paragraph(self, paragraph: _Element) -> str:
        if _first(paragraph.iter(_T, _NO_BREAK_HYPHEN, _PSTYLE, _NUMPR)) is None:
            return ""  # white space at most, and no list bullet: a million empty paragraphs read quickly
        properties = _first(paragraph.iterchildren(_PPR))
        style = _PLAIN
        is_list = False
        if properties is not None:
            style_id = _first(properties.iterchildren(_PSTYLE))
            if style_id is not None:
                style = self.styles.get(style_id.get(_VAL), _PLAIN)
            numbering = _first(properties.iterchildren(_NUMPR))
            number_id = _first(numbering.iterchildren(_NUMID)) if numbering is not None else None
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
        properties = _first(run.iterchildren(_RPR))
        if properties is None:
            return paragraph_bold
        bold = _first(properties.iterchildren(_B))
        if bold is not None:
            return bold.get(_VAL, "true").lower() not in _OFF
        style_id = _first(properties.iterchildren(_RSTYLE))
        if style_id is not None and style_id.get(_VAL) in self.styles:
            return self.styles[style_id.get(_VAL)].bold
        return paragraph_bold


def _first(elements: Iterator[_Element]) -> _Element | None:
    """The first of `elements`: lxml's iterators take a tag without `find`'s path parsing, twice as fast."""
    return next(elements, None)


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


def _styles(package: Package, part: str) -> dict[str, _Style]:
    raw: dict[str, tuple[str | None, bool | None, bool, bool]] = {}
    for style in parse(package, part, (_STYLE,)):
        if style.getparent() is None or style.getparent().tag != _STYLES:
            continue
        style_id = style.get(qn("w:styleId"))
        if style_id:
            raw[style_id] = _style_entry(style)
        drop(style)

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


def _style_entry(style: _Element) -> tuple[str | None, bool | None, bool, bool]:
    """(basedOn, own bold or None, is a heading, is a list style) of one w:style element."""
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
    return parent, bold, is_heading, is_listed and not is_heading
