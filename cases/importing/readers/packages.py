"""Zip packages (.docx, .odt), read member by member with a running count of the bytes they really unpack to.

A zip's directory declares each member's size, and a hostile one lies: a member that declares 40 KB can hold
gigabytes, and `zipfile`, asked for a whole member, inflates up to a gigabyte in one call before it compares.
Here a member is only ever read as a stream, a piece at a time, with its declared size set aside, and the
bytes read from every member of the package together are counted against one budget: reading stops with
`TooLarge` the moment they pass it. Only stored and deflated members are read, the two methods Word and
LibreOffice write: `zipfile` inflates bzip2 and LZMA members a compressed piece at a time, however large the
result.
"""

import copy
import io
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree
from lxml.etree import _Element

from cases.importing.readers import TooLarge, Unreadable

_CHUNK = 64 * 1024
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# What zipfile raises for a damaged archive, a bad CRC, an unsupported method or an encrypted member.
_DAMAGED = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, ValueError, OSError)
_DAMAGED += (EOFError, KeyError, zlib.error)
# Larger than any member: `zipfile` stops a member at its declared size, and the budget must stop it first.
_UNDECLARED = 1 << 62


class Package:
    """A zip archive whose members are read through one budget of `max_bytes` unpacked bytes."""

    def __init__(self, data: bytes | BinaryIO, *, max_bytes: int) -> None:
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
            self.members = self._archive.infolist()
        except _DAMAGED as error:
            raise Unreadable(f"not a readable zip archive: {error}") from error
        self.names = frozenset(member.filename for member in self.members)
        self.max_bytes = max_bytes
        self.unpacked = 0

    def open(self, member: str | zipfile.ZipInfo) -> "Member":
        """`member` (a name or an entry of `members`) as a binary stream; raises Unreadable for a missing,
        damaged or exotic member."""
        try:
            info = member if isinstance(member, zipfile.ZipInfo) else self._archive.getinfo(member)
            if info.compress_type not in _METHODS:
                raise Unreadable(f"{info.filename} is compressed with method {info.compress_type}")
            undeclared = copy.copy(info)
            undeclared.file_size = _UNDECLARED
            return Member(self, self._archive.open(undeclared))
        except _DAMAGED as error:
            raise Unreadable(f"{member}: {error}") from error

    def chunks(self, member: str | zipfile.ZipInfo) -> Iterator[bytes]:
        """`member`, unpacked a piece at a time."""
        stream = self.open(member)
        while chunk := stream.read(_CHUNK):
            yield chunk

    def count(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > self.max_bytes:
            raise TooLarge(self.max_bytes)


class Member:
    """One member's unpacked bytes, read in pieces no larger than 64 KB, each counted by its package."""

    def __init__(self, package: Package, source: zipfile.ZipExtFile) -> None:
        self._package = package
        self._source = source

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_CHUNK), b""))
        try:
            data = self._source.read(min(size, _CHUNK))
        except _DAMAGED as error:
            raise Unreadable(str(error)) from error
        self._package.count(len(data))
        return data


def parse(package: Package, part: str, tags: tuple[str, ...] | None = None) -> Iterator[_Element]:
    """Each element of `part` (named one of `tags`, if given) as its end tag is read; entities and the
    network stay out of it."""
    stream = package.open(part)
    events = etree.iterparse(stream, events=("end",), tag=tags, resolve_entities=False, no_network=True)
    for _, element in events:
        yield element


def drop(element: _Element) -> None:
    """Frees a block that has been read, and the blocks before it, so the tree never grows past one block."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
