"""HTML pages (.html, .htm): the visible text, block elements as paragraphs.

Scripts, styles, the head and embedded objects are dropped; entities are decoded by the parser. Source
line breaks inside a paragraph are only white space in HTML, so they are folded into spaces; `<br>` and
`<pre>` keep their lines.
"""

import re

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from cases.importing.readers import Unreadable, table_blocks

_DROPPED = ("head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "canvas")
_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main nav ol p pre section summary ul".split()
)
_WHITE_SPACE = re.compile(r"[ \t\n\r\f]+")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def read_html(source: str) -> str:
    """The page's text; raises Unreadable when lxml cannot parse it at all."""
    source = _XML_DECLARATION.sub("", source, count=1)  # lxml refuses str input that declares an encoding
    if not source.strip():
        return ""
    try:
        # A parser per call: lxml parsers must not be shared between threads.
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
        root = lxml.html.document_fromstring(source, parser=parser)
        for element in root.xpath(" | ".join(f"//{tag}" for tag in _DROPPED)):
            element.drop_tree()
        return "\n\n".join(_blocks(root))
    except Exception as error:  # lxml's ParserError and friends
        raise Unreadable(str(error)) from error


def _blocks(root: HtmlElement) -> list[str]:
    """The block texts under `root`, walked without recursion (except into tables) so deep nesting is safe."""
    blocks: list[str] = []
    parts: list[str] = []
    preformatted = 0

    def end_block() -> None:
        text = "".join(parts)
        parts.clear()
        if text.strip():
            blocks.append(text)

    def add(text: str | None) -> None:
        if text:
            parts.append(text if preformatted else _WHITE_SPACE.sub(" ", text))

    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag == "table":
                end_block()
                blocks.extend(_table(element))
                walker.skip_subtree()
            elif tag == "br":
                parts.append("\n")
            elif tag in _BLOCKS:
                end_block()
                if tag == "li":
                    parts.append("• ")
                preformatted += tag == "pre"
            if tag != "table":
                add(element.text)
        else:
            if tag in _BLOCKS:
                end_block()
                preformatted -= tag == "pre"
            if element is not root:
                add(element.tail)
    end_block()
    return blocks


def _table(table: HtmlElement) -> list[str]:
    rows = table.xpath("./tr | ./thead/tr | ./tbody/tr | ./tfoot/tr")
    return table_blocks([["\n\n".join(_blocks(cell)) for cell in row.xpath("./td | ./th")] for row in rows])
