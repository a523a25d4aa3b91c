"""From an uploaded file's bytes to a transcript's text, or a refusal a researcher can act on.

`extract` vets the file before any parser sees it (size, that the content is what the extension says, zip
bombs, DTDs in Office XML), decodes byte-text formats, hands the document to its reader in
`cases.importing.readers`, normalises the result and finds its speaker labels (`cases.importing.recognise`),
which annotate the text without changing it. Every failure is a `Refused` whose message is
one sentence naming the file; nothing here touches the database or the file system.

Reading is bounded, because one hostile upload must not hold a web worker for minutes or gigabytes: the
readers stop at MAX_TRANSCRIPT_CHARS characters (four times that before normalisation) and at MAX_EXTRACTED_MB
of unpacked data however large the file says it is, and all of the reading runs in a child process
(`cases.importing.sandbox`) limited to EXTRACT_SECONDS and EXTRACT_MEMORY_MB. The refusal names the limit hit.
Text that decodes but is not text (mostly control, private-use, unassigned or replacement characters, or
tens of thousands of characters without a space or a line break) is refused as such.

Encodings, in order: the researcher's choice (strictly), a byte-order mark, UTF-16 without one (either byte
order, CJK text included), strict UTF-8, an HTML page's declared charset, then the legacy encodings Chinese
and Western transcripts still arrive in (GBK/GB18030 simplified or traditional, Big5, Windows-1252), chosen by
`cases.importing.readers.encodings`. Japanese and Korean legacy encodings are chosen, not detected: their
bytes overlap GBK's and Big5's.
"""

import codecs
import functools
import logging
import math
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from cases.importing import sandbox
from cases.importing.normalise import normalise_marked
from cases.importing.readers import (
    NoTextLayer,
    PageTooLong,
    PasswordProtected,
    TooComplex,
    TooLarge,
    TooLong,
    TooMuchMarkup,
    Unreadable,
    source,
)
from cases.importing.readers.captions import read_captions
from cases.importing.readers.encodings import detect_legacy, unmarked_utf16
from cases.importing.readers.html import read_html
from cases.importing.readers.markdown import read_markdown
from cases.importing.readers.packages import Package
from cases.importing.readers.rtf import declared_encoding, read_rtf
from cases.importing.recognise import recognise
from cases.refusals import Refused
from cases.turns import Label

logger = logging.getLogger(__name__)

ACCEPTED_EXTENSIONS = (".txt", ".md", ".docx", ".odt", ".pdf", ".rtf", ".html", ".htm", ".vtt", ".srt")
_FORMATS = {extension: extension.lstrip(".") for extension in ACCEPTED_EXTENSIONS} | {".htm": "html"}
_KINDS = {
    "docx": "a Word document (.docx)",
    "odt": "an OpenDocument text (.odt)",
    "pdf": "a PDF",
    "rtf": "an RTF document",
}
_TEXT_KIND = "a text file"

# Zip archives (.docx, .odt): far beyond any real transcript, well below what would exhaust the server. What
# they unpack to is bounded by settings.MAX_EXTRACTED_MB and by this ratio to the file's size, as read.
MAX_ZIP_MEMBERS = 5_000
MAX_COMPRESSION_RATIO = 100
# Office XML never declares a DTD; one in an upload can only be an entity-expansion or XXE attempt.
_DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_DTD_OVERLAP = max(len(marker) for marker in _DTD_MARKERS) - 1  # a marker may straddle two pieces read
# The members of a package that are ever unpacked (images and the like never are).
_READ_PARTS = (".xml", ".rels")
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose mark it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# How researchers know the encodings; any other is shown as typed.
_ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-16-le": "UTF-16"}
_ENCODING_NAMES |= {"utf-16-be": "UTF-16", "utf-32": "UTF-32", "gb18030": "GB18030", "gbk": "GBK"}
_ENCODING_NAMES |= {"big5": "Big5", "cp950": "Big5", "cp1252": "Windows-1252", "cp1251": "Windows-1251"}
_ENCODING_NAMES |= {"shift_jis": "Shift JIS", "cp932": "Shift JIS", "euc_kr": "EUC-KR", "cp949": "EUC-KR"}
_ENCODING_NAMES |= {"euc_jp": "EUC-JP"}
# HTML pages declare their charset; WHATWG reads these labels as the Windows supersets.
_HTML_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_HTML_CHARSET_ALIASES = {"iso-8859-1": "cp1252", "latin1": "cp1252", "ascii": "cp1252", "us-ascii": "cp1252"}
_HTML_CHARSET_ALIASES |= {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}
# Bytes no text file holds (C0 controls other than tab, newlines, form feed and escape).
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x1B)) + bytes(range(0x1C, 0x20)) + b"\x7f"
_BINARY_SHARE = 0.05
_SNIFF_SAMPLE = 65_536
# Decoded text with more than this share of characters no text is made of (private-use, unassigned,
# surrogates, U+FFFD left by an earlier bad conversion, control characters) is not text in that encoding.
_JUNK_CATEGORIES = ("Co", "Cn", "Cs")
# The control characters of ASCII (category Cc) but the whitespace and escape that text holds.
_ASCII_CONTROL = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_JUNK_SHARE = 0.3
# Spaces and line breaks every script's text has; a no-break space alone does not make text (U+00A0 is a
# letter-like Windows-1252 byte in a run of high bytes).
_ANY_SPACE = re.compile("[ \t\n\r\f\v\u3000\u2028\u2029]")
_MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Extracted:
    text: str  # normalised: what the transcript stores and every offset points into
    format: str  # "txt", "md", "docx", "odt", "pdf", "rtf", "html", "vtt" or "srt"
    encoding: str | None  # the codec used for byte-text formats (a name `codecs.lookup` accepts), else None
    title: str  # from the file name, e.g. "City X interview 03"
    labels: tuple[Label, ...] = ()  # speaker labels: declared by the format or recognised, in text order


@dataclass(frozen=True)
class _Limits:
    """What one file may cost, handed to the child process that reads it (which has no settings)."""

    chars: int  # settings.MAX_TRANSCRIPT_CHARS
    unpacked: int  # bytes: settings.MAX_EXTRACTED_MB

    @property
    def raw_chars(self) -> int:
        """Characters a reader may return: normalising only shrinks white space, never by this much."""
        return 4 * self.chars


def extract(*, filename: str, data: bytes, encoding: str | None = None) -> Extracted:
    """The normalised text of the uploaded file `filename` holding `data`; raises Refused.

    `encoding` is the researcher's choice when detection garbled a byte-text file; it is used strictly, so a
    wrong choice is refused rather than imported as mojibake. Binary formats ignore it. The file is read in a
    child process limited to settings.EXTRACT_SECONDS and settings.EXTRACT_MEMORY_MB.
    """
    name = _display_name(filename)
    extension = _extension(name)
    if extension not in _FORMATS:
        accepted = ", ".join(ACCEPTED_EXTENSIONS)
        raise Refused(f"“{name}” is not a kind of file Crosscase can import; upload one of: {accepted}.")
    check_size(filename=name, size=len(data))
    if not data:
        raise Refused(f"“{name}” is empty.")
    limits = _Limits(chars=settings.MAX_TRANSCRIPT_CHARS, unpacked=settings.MAX_EXTRACTED_MB * _MEGABYTE)
    seconds, megabytes = settings.EXTRACT_SECONDS, settings.EXTRACT_MEMORY_MB
    try:
        return sandbox.run(
            _extract,
            seconds=seconds,
            memory_mb=megabytes,
            name=name,
            data=data,
            encoding=(encoding or "").strip() or None,
            limits=limits,
        )
    except Refused:
        raise
    except (sandbox.OutOfTime, sandbox.OutOfMemory) as stopped:
        if isinstance(stopped, sandbox.OutOfTime):
            limit = f"took longer than {seconds} second{'s' if seconds != 1 else ''} to read"
        else:
            limit = f"needed more than {megabytes} MB of memory to read"
        logger.warning("Reading %r stopped: it %s", name, limit)
        raise Refused(
            f"“{name}” {limit}, the limit for one file; it may be damaged, or too large to read at once "
            "(split it into parts)."
        ) from None
    except Exception as error:  # a reader bug or an exotic file must still end in a sentence, not a traceback
        logger.warning("Unexpected failure reading %r", name, exc_info=True)
        raise Refused(f"“{name}” could not be read; it may be damaged.") from error


def _extract(*, name: str, data: bytes, encoding: str | None, limits: _Limits) -> Extracted:
    """`extract` in the child process: everything but the cheap checks, within `limits`."""
    file_format = _FORMATS[_extension(name)]
    try:
        raw, used = _READERS[file_format](name=name, data=data, encoding=encoding, limits=limits)
    except TooLong:
        raise _longer_than(name, limits.chars) from None
    except TooLarge:
        raise _bomb(name, f"more than {_limit_megabytes(limits.unpacked)} MB") from None
    except PageTooLong as error:
        raise Refused(
            f"“{name}” has a page showing more than {error.limit:,} characters, far more than a page holds; "
            "it looks like a damaged or malicious file."
        ) from None
    except TooComplex:
        raise Refused(
            f"“{name}” holds more objects or drawing instructions than Crosscase reads from one file; "
            "it looks like a damaged or malicious file."
        ) from None
    except TooMuchMarkup as error:
        raise Refused(
            f"“{name}” holds {error.count:,} Markdown link and emphasis marks ([, *, _ and ~), more than the "
            f"{error.limit:,} Crosscase reads in one file; save it as plain text (.txt) to import it."
        ) from None
    # Normalising only shrinks white space; text many times the limit cannot get under it and is not worth it.
    if len(raw) > limits.raw_chars:
        raise _too_long(name, len(raw), limits.chars)
    text, declared = normalise_marked(raw)
    if not text:
        raise Refused(f"“{name}” holds no text.")
    if len(text) > limits.chars:
        raise _too_long(name, len(text), limits.chars)
    labels = tuple(recognise(text, declared=declared))
    return Extracted(text=text, format=file_format, encoding=used, title=_title(name), labels=labels)


def decode_text(data: bytes, *, encoding: str | None = None) -> tuple[str, str]:
    """`data` as text and the codec used: `encoding` strictly if given, else detected; may refuse."""
    return _decode(data, encoding=encoding, subject="This file")


def check_size(*, filename: str, size: int) -> None:
    """Refuses a file over settings.MAX_UPLOAD_MB; callers can check an upload's size before reading it."""
    limit = settings.MAX_UPLOAD_MB
    if size > limit * 1024 * 1024:
        raise Refused(
            f"“{_display_name(filename)}” is {_megabytes(size, limit)} MB; the limit is {limit} MB."
        )


# Byte-text formats


def _read_text_format(
    *, name: str, data: bytes, encoding: str | None, limits: _Limits, file_format: str
) -> tuple[str, str]:
    declared = _html_charset(data) if file_format == "html" else None
    text, used = _decode(data, encoding=encoding, subject=f"“{name}”", declared=declared)
    if len(text) > limits.raw_chars:  # before any parser: their markup only ever shrinks the text
        raise _too_long(name, len(text), limits.chars)
    text = source(text)
    try:
        if file_format == "md":
            return read_markdown(text), used
        if file_format == "html":
            return read_html(text), used
        if file_format in ("vtt", "srt"):
            return read_captions(text), used
    except Unreadable as error:
        kind = {"html": "a web page", "vtt": "a WebVTT subtitle file", "srt": "a SubRip subtitle file"}[
            file_format
        ]
        raise Refused(f"“{name}” does not look like {kind}; it may be damaged.") from error
    return text, used


def _decode(
    data: bytes, *, encoding: str | None, subject: str, declared: str | None = None
) -> tuple[str, str]:
    if encoding:
        return _decode_as(data, encoding=encoding, subject=subject)
    for mark, codec in _BOMS:
        if data.startswith(mark):
            return _strictly(data, codec, subject=subject), codec
    utf16 = unmarked_utf16(data)
    if utf16:
        return _strictly(data, utf16, subject=subject), utf16
    _refuse_binary(data, subject=subject)
    try:
        return _checked(data.decode("utf-8"), subject=subject), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return _checked(data.decode(declared), subject=subject), declared
        except UnicodeDecodeError:
            pass  # a wrong declaration is common; fall back to detection
    detected = detect_legacy(data)
    if detected is None:
        raise Refused(
            f"{subject} does not look like a text file; if it is one, choose its encoding and try again."
        )
    text, codec = detected
    return _checked(text, subject=subject), codec


def _decode_as(data: bytes, *, encoding: str, subject: str) -> tuple[str, str]:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError:
        raise Refused(f"Crosscase does not know the encoding “{encoding}”; choose another one.") from None
    if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    if not codec.startswith(("utf-16", "utf-32")):
        _refuse_binary(data, subject=subject)
    label = _ENCODING_NAMES.get(codec, encoding.upper())
    return _strictly(data, codec, subject=subject, label=label), codec


def _strictly(data: bytes, codec: str, *, subject: str, label: str | None = None) -> str:
    label = label or _ENCODING_NAMES.get(codec, codec)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as error:
        raise Refused(
            f"{subject} is not valid {label} text: the bytes at position {error.start:,} are not {label}."
        ) from None
    return _checked(text, subject=subject)


def _checked(text: str, *, subject: str) -> str:
    """`text`, unless its start shows it is not text but binary data that happened to decode.

    That is: thick with control characters; mostly characters no text is made of (private-use, unassigned,
    replacement); or a long stretch without a single space or line break, which every transcript in every
    script has (20 MB of high bytes decodes as Windows-1252 letters, but holds neither).
    """
    sample = text[:_SNIFF_SAMPLE]
    if not sample:
        return text
    if sample.isascii():  # no private-use, unassigned or replacement characters: only controls to count
        control = junk = len(_ASCII_CONTROL.findall(sample))
    else:
        categories = Counter(unicodedata.category(char) for char in sample)
        control = categories["Cc"] - sum(sample.count(char) for char in "\t\n\r\f\v\x1b")
        junk = control + sum(categories[category] for category in _JUNK_CATEGORIES) + sample.count("\ufffd")
    if control / len(sample) > _BINARY_SHARE:
        raise Refused(f"{subject} does not look like a text file.")
    if junk / len(sample) > _JUNK_SHARE:
        raise Refused(
            f"{subject} does not look like text in any encoding Crosscase knows: most of its characters are "
            "control, private-use, unassigned or replacement characters."
        )
    if len(sample) == _SNIFF_SAMPLE and not _ANY_SPACE.search(sample):
        raise Refused(
            f"{subject} does not look like text in any encoding Crosscase knows: its first "
            f"{_SNIFF_SAMPLE:,} characters hold no space or line break."
        )
    return text


def _refuse_binary(data: bytes, *, subject: str) -> None:
    """Refuses bytes that are a known binary format, hold NUL bytes or are thick with control bytes."""
    actual = _sniff(data)
    if actual:
        raise Refused(f"{subject} does not look like a text file; it looks like {actual}.")
    sample = data[:_SNIFF_SAMPLE]
    if b"\x00" in data or (sample and _count_control_bytes(sample) / len(sample) > _BINARY_SHARE):
        raise Refused(f"{subject} does not look like a text file.")


def _count_control_bytes(sample: bytes) -> int:
    return len(sample) - len(sample.translate(None, _CONTROL_BYTES))


def _html_charset(data: bytes) -> str | None:
    match = _HTML_CHARSET.search(data[:4096])
    if not match:
        return None
    label = match.group(1).decode("ascii").lower()
    try:
        codec = codecs.lookup(_HTML_CHARSET_ALIASES.get(label, label)).name
    except LookupError:
        return None
    return None if codec.startswith(("utf-16", "utf-32")) else codec


# Rich text


def _read_rtf(*, name: str, data: bytes, encoding: str | None, limits: _Limits) -> tuple[str, str]:
    if not data.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"{\\rtf"):
        raise _mismatch(name, data, "rtf")
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise Refused(f"Crosscase does not know the encoding “{encoding}”; choose another one.") from None
    else:
        codec = declared_encoding(data)
    label = _ENCODING_NAMES.get(codec, (encoding or codec).upper())
    document = _strictly(data, codec, subject=f"“{name}”", label=label)
    try:
        return source(read_rtf(document, encoding=codec)), codec
    except UnicodeDecodeError as error:
        raise Refused(
            f"“{name}” is not valid {label} text: it holds characters {label} cannot express."
        ) from error
    except Unreadable as error:
        raise Refused(f"“{name}” could not be read as an RTF document; it may be damaged.") from error


# Office documents


def _read_docx(*, name: str, data: bytes, encoding: str | None, limits: _Limits) -> tuple[str, None]:
    from cases.importing.readers.word import read_docx  # loaded where files are read: see sandbox

    _vet_package(name, data, "docx", limits)
    try:
        return read_docx(data, max_chars=limits.raw_chars, max_bytes=limits.unpacked), None
    except Unreadable as error:
        raise Refused(f"“{name}” could not be read as a Word document; it may be damaged.") from error


def _read_odt(*, name: str, data: bytes, encoding: str | None, limits: _Limits) -> tuple[str, None]:
    from cases.importing.readers.opendocument import read_odt  # loaded where files are read: see sandbox

    _vet_package(name, data, "odt", limits)
    try:
        return read_odt(data, max_chars=limits.raw_chars, max_bytes=limits.unpacked), None
    except Unreadable as error:
        raise Refused(f"“{name}” could not be read as an OpenDocument text; it may be damaged.") from error


def _vet_package(name: str, data: bytes, file_format: str, limits: _Limits) -> None:
    """Refuses a zip that is not the expected document, unpacks to too much, or declares a DTD.

    What the directory declares for the XML parts is checked first, to refuse an honest bomb without
    unpacking it; then every XML part is unpacked piece by piece, counting what it really holds, to look for a
    DTD. Other members (images) are never unpacked.
    """
    if not data.startswith(b"PK\x03\x04"):
        raise _mismatch(name, data, file_format)
    damaged = Refused(f"“{name}” could not be read as {_KINDS[file_format]}; it may be damaged.")
    budget = min(limits.unpacked, MAX_COMPRESSION_RATIO * len(data))
    try:
        package = Package(data, max_bytes=budget)
    except Unreadable:
        raise damaged from None
    members = package.members
    parts = [member for member in members if member.filename.endswith(_READ_PARTS)]
    declared = sum(member.file_size for member in parts)
    if len(members) > MAX_ZIP_MEMBERS:
        raise _bomb(name, f"{len(members):,} files")
    if declared > budget:
        raise _bomb(name, f"{_megabytes(declared, 0)} MB")
    if file_format == "docx" and "word/document.xml" not in package.names:
        raise _mismatch(name, data, file_format)
    try:
        if file_format == "odt" and (
            "mimetype" not in package.names or package.open("mimetype").read(256).strip() != _ODT_MIMETYPE
        ):
            raise _mismatch(name, data, file_format)
        for member in parts:
            if _declares_dtd(package, member):
                raise Refused(
                    f"“{name}” declares a document type (DTD), which {_KINDS[file_format]} never does; "
                    "it looks like a damaged or malicious file."
                )
    except TooLarge:
        raise _bomb(name, f"more than {_limit_megabytes(budget)} MB") from None
    except Unreadable:  # bad CRCs, unsupported compression methods and encrypted members
        raise damaged from None


def _declares_dtd(package: Package, member: zipfile.ZipInfo) -> bool:
    tail = b""
    for chunk in package.chunks(member):
        window = tail + chunk
        if any(marker in window for marker in _DTD_MARKERS):
            return True
        tail = window[-_DTD_OVERLAP:]
    return False


def _bomb(name: str, size: str) -> Refused:
    return Refused(f"“{name}” expands to {size} when unpacked; it looks like a damaged or malicious file.")


# PDF


def _read_pdf(*, name: str, data: bytes, encoding: str | None, limits: _Limits) -> tuple[str, None]:
    from cases.importing.readers.pdf import read_pdf  # loaded where files are read: see sandbox

    if b"%PDF-" not in data[:1024]:  # readers accept a little junk before the header, as Acrobat does
        raise _mismatch(name, data, "pdf")
    try:
        return source(read_pdf(data, max_chars=limits.raw_chars, max_bytes=limits.unpacked)), None
    except PasswordProtected:
        raise Refused(
            f"“{name}” is password-protected; save a copy without the password and upload that."
        ) from None
    except NoTextLayer:
        raise Refused(f"“{name}” has no text layer — run OCR first.") from None
    except Unreadable as error:
        raise Refused(f"“{name}” could not be read as a PDF; it may be damaged.") from error


# Each takes name=, data=, encoding= and limits= and returns (raw text, codec used or None).
_READERS: dict[str, Callable[..., tuple[str, str | None]]] = {
    **{
        file_format: functools.partial(_read_text_format, file_format=file_format)
        for file_format in ("txt", "md", "html", "vtt", "srt")
    },
    "rtf": _read_rtf,
    "docx": _read_docx,
    "odt": _read_odt,
    "pdf": _read_pdf,
}


# Names, kinds and sizes


def _mismatch(name: str, data: bytes, file_format: str) -> Refused:
    actual = _sniff(data)
    looks_like = f"; it looks like {actual}" if actual else ""
    return Refused(f"“{name}” does not look like {_KINDS.get(file_format, _TEXT_KIND)}{looks_like}.")


def _sniff(data: bytes) -> str | None:
    """What the bytes are, for formats a researcher might upload under the wrong extension."""
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    signatures = (
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
            "an old-format Word file (.doc) — save it as .docx and upload that",
        ),
        (b"%PDF-", "a PDF"),
        (b"{\\rtf", "an RTF document"),
        (b"\x89PNG", "an image"),
        (b"\xff\xd8\xff", "an image"),
        (b"GIF8", "an image"),
        (b"\x1f\x8b", "a compressed archive"),
        (b"7z\xbc\xaf", "a compressed archive"),
        (b"Rar!", "a compressed archive"),
    )
    return next((description for signature, description in signatures if data.startswith(signature)), None)


def _sniff_zip(data: bytes) -> str:
    try:
        package = Package(data, max_bytes=256)
        names = package.names
        mimetype = package.open("mimetype").read(256).strip() if "mimetype" in names else b""
    except (Unreadable, TooLarge):
        return "a damaged ZIP archive"
    if "word/document.xml" in names:
        return _KINDS["docx"]
    if mimetype == _ODT_MIMETYPE:
        return _KINDS["odt"]
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names or mimetype:
        return "a spreadsheet or presentation"
    return "a ZIP archive"


def _display_name(filename: str) -> str:
    """The file's own name, without any client-side path ("C:\\fakepath\\x.docx") or control characters."""
    base = re.split(r"[\\/]", filename)[-1]
    return "".join(char for char in base if char.isprintable()).strip() or "the file"


def _extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return f".{extension.lower()}" if dot and stem else ""


def _title(name: str) -> str:
    stem = name.rpartition(".")[0] or name
    # Underscores stand for spaces in file names; hyphens stay, as in pseudonyms like "Y-R01".
    title = " ".join(re.sub(r"_+", " ", unicodedata.normalize("NFC", stem)).split())
    return title or "Untitled transcript"


def _megabytes(size: int, limit: int) -> str:
    """`size` in MB, never rounded down to look within `limit` (1.1 MB, not 1 MB, against a 1 MB limit)."""
    megabytes = size / 1024 / 1024
    if megabytes >= 10 and round(megabytes) > limit:
        return f"{megabytes:.0f}"
    return f"{math.ceil(megabytes * 10) / 10:.1f}"


def _limit_megabytes(size: int) -> str:
    """A limit in MB: whole as set (100), or to a tenth when derived from a file's size (7.9)."""
    return f"{size // _MEGABYTE}" if size % _MEGABYTE == 0 else _megabytes(size, 0)


def _too_long(name: str, length: int, limit: int) -> Refused:
    return Refused(
        f"“{name}” holds {length:,} characters of text; the limit is {limit:,}, so split it into parts."
    )


def _longer_than(name: str, limit: int) -> Refused:
    """The refusal of a file whose reading stopped at the limit, before its length was known."""
    return Refused(
        f"“{name}” holds more than the {limit:,} characters of text Crosscase imports from one file, "
        "so split it into parts."
    )
