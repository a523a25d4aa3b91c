"""Hostile uploads for the extraction limits: small to build and to store, huge or slow to read.

Each is generated in well under a second. A deflate stream of a chunk repeated many times is built by
compressing the chunk once: a full flush makes the compressed piece self-contained (byte-aligned, no
back-references), so the piece repeated is a valid stream of the chunk repeated. The zip writer is by hand so
that a member's declared size can lie about what it holds, and so that a member can use another compression
method.

The functions at the end are run by the sandbox tests in a child process, which imports them by name.
"""

import bz2
import io
import os
import random
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass

import docx

MEGABYTE = 1024 * 1024
_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_WORDS = (
    "we the data agency shared bureau city trust leader meeting platform standard budget responsibility "
    "security report system privacy department cooperation approval"
).split()
_STORED, _DEFLATED, _BZIP2 = 0, 8, 12


@dataclass(frozen=True)
class Member:
    name: str
    stream: bytes  # as stored in the archive: compressed, or the bytes themselves
    crc: int
    size: int  # the real unpacked size
    method: int = _DEFLATED
    declared_size: int | None = None  # what the directory claims, when it lies


def deflated(name: str, data: bytes) -> Member:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return Member(name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data))


def bzipped(name: str, data: bytes) -> Member:
    return Member(name, bz2.compress(data), zlib.crc32(data), len(data), method=_BZIP2)


def repeated_deflate(head: bytes, chunk: bytes, times: int, tail: bytes) -> bytes:
    """Raw deflate data of `head`, `chunk` `times` times, then `tail`, without deflating it all."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    piece = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    return start + piece * times + compressor.compress(tail) + compressor.flush()


def repeated(name: str, head: bytes, chunk: bytes, times: int, tail: bytes, *, declared: int | None = None):
    """A member of `head`, `chunk` `times` times and `tail`; a lying one (`declared`) gets no true CRC."""
    crc = zlib.crc32(head)
    if declared is None:
        for _ in range(times):
            crc = zlib.crc32(chunk, crc)
        crc = zlib.crc32(tail, crc)
    size = len(head) + len(chunk) * times + len(tail)
    stream = repeated_deflate(head, chunk, times, tail)
    return Member(name, stream, crc, size, declared_size=declared)


def zip_archive(members: list[Member]) -> bytes:
    """A zip of `members`, each declaring `declared_size` (when set) instead of its real size."""
    out = bytearray()
    directory = bytearray()
    for member in members:
        name = member.name.encode()
        declared = member.size if member.declared_size is None else member.declared_size
        fields = (20, 0, member.method, 0, 0x21, member.crc, len(member.stream), declared, len(name), 0)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields) + name + member.stream
        directory += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHH", *fields)
        directory += struct.pack("<HHHII", 0, 0, 0, 0, offset) + name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(out), 0)
    return bytes(out + directory + end)


def word_package(body: Member | None = None, **more: Member) -> bytes:
    """An empty Word document (as python-docx writes it) with `body` as its word/document.xml."""
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    source = zipfile.ZipFile(buffer)
    members = [deflated(name, source.read(name)) for name in source.namelist() if name != "word/document.xml"]
    return zip_archive([*members, body or deflated("word/document.xml", source.read("word/document.xml"))])


def word_body(chunk: bytes, times: int, *, declared: int | None = None) -> Member:
    head = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document {_W}><w:body>'.encode()
    tail = b"</w:body></w:document>"
    return repeated("word/document.xml", head, chunk, times, tail, declared=declared)


def paragraphs_chunk(*, text: bool = True) -> bytes:
    """About 1 MB of Word paragraphs: interview-like speech, or formatted paragraphs holding no text."""
    rng = random.Random(1)
    chunk = bytearray()
    while len(chunk) < MEGABYTE:
        if text:
            said = f"the city data bureau shared the platform with us, {rng.choice(_WORDS)}."
            chunk += f"<w:p><w:r><w:t>Respondent: {said}</w:t></w:r></w:p>".encode()
        else:
            spacing = f'<w:pPr><w:spacing w:after="{rng.randrange(16, 40)}"/></w:pPr>'
            chunk += f"<w:p>{spacing}<w:r><w:rPr><w:b/></w:rPr></w:r></w:p>".encode()
    return bytes(chunk)


def paragraph_xml_docx(megabytes: int = 190, *, text: bool = True, declared: int | None = None) -> bytes:
    """A .docx whose body is `megabytes` MB of paragraphs, compressed about 60:1 (190 MB of XML in 3.3 MB).

    Its directory tells the truth unless `declared` is given; 190 MB and 60:1 were within the old limits
    (200 MB unpacked, 100:1).
    """
    return word_package(word_body(paragraphs_chunk(text=text), megabytes, declared=declared))


def lying_docx(megabytes: int = 2048) -> bytes:
    """A .docx whose body unpacks to `megabytes` MB while its directory says 40 KB: 2 GB in 3.2 MB."""
    return word_package(word_body(b"<w:p/>" * (MEGABYTE // 6), megabytes, declared=40_000))


def bracket_flood(size: int = 1_000_000, *, line: int = 0) -> bytes:
    """Markdown of nothing but opening square brackets, each of which may start a link; lines of `line`."""
    if not line:
        return b"[" * size
    return (b"[" * (line - 1) + b"\n") * (size // line)


def high_bytes(size: int = 20 * MEGABYTE, *, low: int = 0x80) -> bytes:
    """Random bytes from `low` to 0xFF: no ASCII at all, so no space, line or word in any encoding."""
    span = 0x100 - low
    return random.Random(7).randbytes(size).translate(bytes(low + byte % span for byte in range(256)))


def pdf(content: bytes, *, pages: int = 1, filtered: bool = True) -> bytes:
    """A PDF whose `pages` pages all draw one content stream, `content` (raw deflate data if `filtered`)."""
    if filtered:
        # A zlib header before the raw deflate data; the checksum is left out, as PDF readers allow.
        stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n\x78\x9c%s\nendstream" % (
            len(content) + 2,
            content,
        )
    else:
        stream = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content)
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        4: stream,
    }
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
    for index in range(pages):
        objects[5 + index] = page + b"/Contents 4 0 R >>"
    kids = " ".join(f"{5 + index} 0 R" for index in range(pages))
    objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()
    return write_pdf(objects)


def flate_bomb_pdf(megabytes: int = 1024, *, pages: int = 1) -> bytes:
    """A PDF whose pages draw one FlateDecode stream of `megabytes` MB of text: 1 GB in 3 MB, by default."""
    chunk = b"(Respondent: we shared the data.) Tj T* " * (MEGABYTE // 40)
    return pdf(repeated_deflate(b"BT /F1 12 Tf 14 TL 72 720 Td ", chunk, megabytes, b"ET"), pages=pages)


# Run in the sandbox's child process.


def echo(value):
    return value


def spin(duration: float) -> None:
    end = time.monotonic() + duration
    while time.monotonic() < end:
        pass


def hog(megabytes: int) -> int:
    return len(bytearray(megabytes * MEGABYTE))


def crash() -> None:
    os._exit(70)  # as a parser's C code dying would: no result, no exception


class Unpicklable(Exception):
    def __init__(self, first, second):
        super().__init__(f"{first} and {second}")


def refuse_unpicklably() -> None:
    raise Unpicklable("one", "two")


def write_pdf(objects: dict[int, bytes]) -> bytes:
    """A PDF file of numbered objects (1 is the catalogue), with its cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[number] for number in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
