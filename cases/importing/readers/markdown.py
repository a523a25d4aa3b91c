"""Markdown (.md): the text a reader sees, without the markup, parsed by markdown-it-py (CommonMark).

Front matter is dropped; headings keep their text (a heading "### 問：…" still opens a turn); links keep their
text, images go; emphasis, code and quote markers go; list items get a bullet. Collaborative notes written in
HackMD sign each comment at the end of a line, "… [name=kiang]" or "… -[name=Huizhong]": the signature stays
where it was written and is marked as a trailing speaker label, signing the lines since the previous signature
in its paragraph.

markdown-it-py tries every "[" as the start of a link and every "*", "_" and "~" as emphasis, at 10 to 40
microseconds each: a megabyte of "[" takes 15 to 40 seconds. A file with more than `MAX_MARKS` of them is
refused before parsing; a transcript has a few per turn at most.
"""

import html
import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from cases.importing.readers import TooMuchMarkup, mark, table_blocks

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
# A HackMD signature ends its line.
_SIGNATURE = re.compile(r"\[name=[^\]\n]{1,60}\](?=[ \t]*$)", re.MULTILINE)
_TAG = re.compile(r"<[^>]*>")
_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
MAX_MARKS = 100_000
_MARKS = "[*_~"


def read_markdown(source: str) -> str:
    """The document's text, paragraphs apart by a blank line; raises TooMuchMarkup past MAX_MARKS marks."""
    marks = sum(source.count(char) for char in _MARKS)
    if marks > MAX_MARKS:
        raise TooMuchMarkup(MAX_MARKS, marks)
    source = _FRONT_MATTER.sub("", source.replace("\r\n", "\n").replace("\r", "\n"), count=1)
    blocks: list[str] = []
    bullets: list[str | None] = []  # per open list item: its marker until the item's first block takes it
    table: list[list[str]] | None = None
    for token in _PARSER.parse(source):
        if token.type == "list_item_open":
            bullets.append(f"{token.info}{token.markup} " if token.info else "• ")
        elif token.type == "list_item_close":
            bullets.pop()
        elif token.type == "table_open":
            table = []
        elif token.type == "tr_open" and table is not None:
            table.append([])
        elif token.type == "table_close" and table is not None:
            blocks.extend(table_blocks(table))
            table = None
        elif token.type == "inline" and table is not None and table:
            table[-1].append(_inline(token.children or []))
        elif token.type in ("inline", "fence", "code_block", "html_block"):
            text = _block_text(token)
            if bullets and bullets[-1] is not None:
                text = bullets[-1] + text
                bullets[-1] = None
            if text.strip():
                blocks.append(_signed(text))
    return "\n\n".join(blocks)


def _block_text(token: Token) -> str:
    if token.type == "inline":
        return _inline(token.children or [])
    if token.type == "html_block":
        return html.unescape(_TAG.sub("", token.content))
    return token.content.rstrip("\n")


def _inline(children: list[Token]) -> str:
    """The visible text of an inline token's children: emphasis, code and link markup gone, images dropped."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak") or _is_line_break_tag(child):
            parts.append("\n")
    return "".join(parts)


def _is_line_break_tag(token: Token) -> bool:
    return token.type == "html_inline" and re.match(r"<br\b", token.content, re.IGNORECASE) is not None


def _signed(text: str) -> str:
    """`text` with each HackMD signature marked as a trailing label."""
    return _SIGNATURE.sub(lambda match: mark(match.group(), trailing=True), text)
