"""PDF: the text layer of each page, in pypdf's reading order, pages apart by a blank line.

A scanned PDF has pages but no text; it is refused rather than imported empty, so the researcher runs OCR
first. Files encrypted with an empty user password (print or copy restrictions only) open as usual.

pypdf unpacks each compressed stream up to a limit of its own, set here to `max_bytes`, and raises past it.
It parses a page's drawing instructions at a few megabytes a second, and one stream can be drawn on every
page, so the instructions are measured page by page before they are parsed: at most `MAX_PAGE_CONTENT`
bytes a page and `max_bytes` in all. Its text extraction slows down with the square of a page's text (a page
of 4 million characters takes minutes), so the characters of a page are counted as pypdf reports them and
reading stops at `MAX_PAGE_CHARS`, far more than any printed page holds, or when the whole text passes
`max_chars`.
"""

import io

from pypdf import PasswordType, PdfReader, apply_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, WrongPasswordError

from cases.importing.readers import (
    STOPS,
    Blocks,
    NoTextLayer,
    PageTooLong,
    PasswordProtected,
    TooComplex,
    TooLarge,
    TooLong,
    Unreadable,
)

# A dense page of small print holds about 10,000 characters in some 50 KB of drawing instructions.
MAX_PAGE_CHARS = 100_000
MAX_PAGE_CONTENT = 10 * 1024 * 1024
# pypdf's limits on what one stream may unpack to, one per filter.
_OUTPUT_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
)


def read_pdf(data: bytes, *, max_chars: int, max_bytes: int) -> str:
    """The text of every page; raises PasswordProtected, NoTextLayer or Unreadable.

    Raises TooLarge when the streams unpack to more than `max_bytes`, TooComplex for a page past
    `MAX_PAGE_CONTENT` or past another of pypdf's limits, PageTooLong for a page past `MAX_PAGE_CHARS`, and
    TooLong once the text passes `max_chars`.
    """
    pages = Blocks(max_chars)
    try:
        with apply_configuration(**dict.fromkeys(_OUTPUT_LIMITS, max_bytes)):
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
                raise PasswordProtected()
            drawn = 0
            for page in reader.pages:
                drawn += _content_size(page)
                if drawn > max_bytes:
                    raise TooLarge(max_bytes)
                pages.add(_page_text(page, before=pages.length, max_chars=max_chars))
    except (DependencyError, FileNotDecryptedError, WrongPasswordError) as error:
        # DependencyError: an AES-encrypted file and no crypto library to undo even an empty password.
        raise PasswordProtected() from error
    except LimitReachedError as error:  # pypdf's own limits: on unpacking (set above), tokens, objects, depth
        if "decompress" in str(error).lower():
            raise TooLarge(max_bytes) from error
        raise TooComplex() from error
    except (PasswordProtected, *STOPS):
        raise
    except Exception as error:  # pypdf raises many types for one cause: a broken file
        raise Unreadable(str(error)) from error
    text = pages.text()
    if not text.strip():
        raise NoTextLayer()
    return text


def _content_size(page) -> int:
    """The bytes of the page's drawing instructions, unpacked (pypdf keeps them for the text extraction)."""
    contents = page.get_contents()
    size = len(contents.get_data()) if contents is not None else 0
    if size > MAX_PAGE_CONTENT:
        raise TooComplex(MAX_PAGE_CONTENT)
    return size


def _page_text(page, *, before: int, max_chars: int) -> str:
    """The page's text; stops past MAX_PAGE_CHARS, or once the text so far (`before`) passes `max_chars`."""
    shown = 0

    def count(text: str, *_) -> None:
        nonlocal shown
        shown += len(text)
        _check(shown, before=before, max_chars=max_chars)

    text = page.extract_text(visitor_text=count) or ""
    # pypdf logs a visitor's exception inside a form XObject and goes on: the whole page is checked again.
    _check(len(text), before=before, max_chars=max_chars)
    return text


def _check(length: int, *, before: int, max_chars: int) -> None:
    if before + length > max_chars:
        raise TooLong(max_chars)
    if length > MAX_PAGE_CHARS:
        raise PageTooLong(MAX_PAGE_CHARS)
