"""Rich Text Format (.rtf), through striprtf.

RTF is 7-bit text that names its code page (`\\ansicpg936` for GBK, `\\ansicpg1252` for Western); escaped
bytes (`\\'b2\\'e2`) are decoded in it. A user's encoding choice overrides the declared code page, for files
whose declaration is wrong. Each `\\par` is a paragraph (a blank line here) while `\\line` stays a line break.
"""

import codecs
import re

from striprtf.striprtf import rtf_to_text

from cases.importing.readers import Unreadable

_CODE_PAGE = re.compile(rb"\\ansicpg(\d{1,5})")
# `\line` is marked as U+2028 so that it survives striprtf (which writes "\n" for both) as a line break.
_LINE = re.compile(r"(?<!\\)\\line(?![a-zA-Z])(?: )?")
# A picture's hex digits are a token each to striprtf's scanner (a 20 MB picture took seconds) and it keeps no
# text of a picture: a picture group, and any groups one level inside it, is cut before scanning.
_PICTURE = re.compile(r"\{\\pict(?![a-zA-Z])(?>[^{}]++|\{[^{}]*+\})*+\}")
# Windows code pages Python knows under another name; GBK files are read as GB18030, its superset.
_CODE_PAGE_CODECS = {"cp65001": "utf-8", "cp936": "gb18030", "cp10000": "mac_roman", "cp54936": "gb18030"}


def declared_encoding(data: bytes) -> str:
    """The codec for the file's `\\ansicpg` declaration, or cp1252 (RTF's default) when there is none."""
    match = _CODE_PAGE.search(data[:4096])
    if not match:
        return "cp1252"
    name = f"cp{int(match.group(1))}"
    name = _CODE_PAGE_CODECS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"


def read_rtf(source: str, *, encoding: str) -> str:
    """The document's text; `encoding` decodes its escaped bytes. Raises UnicodeDecodeError or Unreadable."""
    source = re.sub(r"\\ansicpg\d+", "", source, count=1)  # so that `encoding` rules, not the declaration
    source = _PICTURE.sub("", source)
    source = _LINE.sub(r"\\u8232?", source)
    try:
        text = rtf_to_text(source, encoding=encoding, errors="strict")
    except UnicodeDecodeError:
        raise
    except Exception as error:  # striprtf is a regex scanner; malformed groups surface as assorted errors
        raise Unreadable(str(error)) from error
    # `\uN` escapes for characters beyond the BMP arrive as two halves of a surrogate pair: join them.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return text.replace("\n", "\n\n").replace("\u2028", "\n")
