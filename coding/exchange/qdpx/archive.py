"""Reading a .qdpx archive, bounded, into a `Package`: the parsed project, each text source's normalised text
and each selection placed exactly on it (or reported with its source and span), and the sets that become
interview sets (`interview_sets`). Nothing touches the database.

A .qdpx is a zip holding `project.qde` and the sources' files (`Sources/` from NVivo for Windows, `sources/`
with an empty `sources/.root` from NVivo for Mac and qc). Members are read through the counted reader of
.docx uploads (`cases.importing.readers.packages`): the bytes they unpack to are counted as read against
settings.MAX_EXTRACTED_MB and a compression ratio, whatever the zip declares. Member names that climb out of
the archive (`..`, absolute paths) are refused although nothing is ever written under them.

A source's text is its plain-text file (`plainTextPath`: `internal://<guid>.txt` in any case, or a bare
relative path), else its <PlainTextContent>, else its `.docx` or PDF representation through the upload
readers; only plain text carries the positions a producer's selections count, so the selections of a source
read from its rich text are reported, not placed. Positions are counted in the producer's unit (`UNITS`):
for a producer not listed, the unit under which more selections start and end between words (a span
counted in the wrong unit cuts words once an emoji or other astral character precedes it), code points if
neither.
"""

import io
import posixpath
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings

from cases.importing.extract import MAX_COMPRESSION_RATIO, MAX_ZIP_MEMBERS, decode_text, extract
from cases.importing.normalise import normalise
from cases.importing.readers import TooLarge, Unreadable
from cases.importing.readers.packages import Package as Zip
from cases.refusals import Refused
from coding.exchange.qdpx.interview_sets import KeptSet, keep_sets
from coding.exchange.qdpx.offsets import Mapped, Unit, track
from coding.exchange.qdpx.parse import Project, Selection, Source, read_project

PROJECT_FILE = "project.qde"
_MEGABYTE = 1024 * 1024
# The unit each producer counts positions in, by the start of its `origin` (measured on their exports).
UNITS = (
    ("nvivo", Unit.UTF16),
    ("atlas.ti", Unit.UTF16),
    ("maxqda", Unit.UTF16),
    ("qc", Unit.CODE_POINT),
    ("qualcoder", Unit.CODE_POINT),
    ("crosscase", Unit.CODE_POINT),
)
_RICH_EXTENSIONS = (".docx", ".pdf", ".odt", ".rtf")


@dataclass
class Placed:
    selection: Selection
    start: int
    end: int


@dataclass
class Unplaced:
    source: str  # the source's name
    start: int
    end: int
    reason: str

    def sentence(self) -> str:
        return f"{self.source}, {self.start}–{self.end}: {self.reason}."


@dataclass
class Text:
    """One source that becomes a transcript."""

    source: Source
    title: str
    text: str  # normalised
    read_from: str  # the member (or "the project file") the text came from
    mapped: Mapped | None  # None: read from rich text, or normalisation could not be tracked
    placed: list[Placed] = field(default_factory=list)


@dataclass
class Package:
    filename: str
    project: Project
    unit: Unit
    texts: list[Text]
    unplaced: list[Unplaced]
    warnings: list[str]
    # A plain dict, not the Counter it is tallied in: a template looking up `.items` on a Counter gets 0.
    not_kept: dict[str, int]
    sets: list[KeptSet] = field(default_factory=list)  # the sets that become interview sets

    @property
    def selections(self) -> int:
        return sum(len(source.selections) for source in self.project.sources)

    @property
    def placed(self) -> int:
        return sum(len(text.placed) for text in self.texts)

    @property
    def codings(self) -> int:
        return sum(len(placed.selection.codings) for text in self.texts for placed in text.placed)

    @property
    def title(self) -> str:
        return self.project.name or PurePath(self.filename).stem


def read_archive(file, *, filename: str | None = None, progress: Callable | None = None) -> Package:
    """`file` (bytes, or a seekable binary file, which is read member by member rather than whole) read and
    placed; raises Refused with a sentence for the reader. `progress(stage, done=…, total=…)` hears of each
    source read and placed."""
    filename = PurePath(filename or getattr(file, "name", "") or "project.qdpx").name
    if isinstance(file, bytes):
        file = io.BytesIO(file)
    size = file.seek(0, io.SEEK_END)
    file.seek(0)
    limit = settings.MAX_ARCHIVE_MB
    if size > limit * _MEGABYTE:
        raise Refused(f"“{filename}” is larger than {limit} MB, the limit for one project archive.")
    if not size:
        raise Refused(f"“{filename}” is empty.")
    try:
        archive = Zip(
            file, max_bytes=min(settings.MAX_EXTRACTED_MB * _MEGABYTE, MAX_COMPRESSION_RATIO * size)
        )
    except Unreadable as error:
        raise Refused(
            f"“{filename}” is not a readable .qdpx archive (a REFI-QDA project is a zip file); it may be "
            "damaged or another kind of file."
        ) from error
    if len(archive.members) > MAX_ZIP_MEMBERS:
        raise Refused(f"“{filename}” holds more than {MAX_ZIP_MEMBERS:,} files, more than Crosscase reads.")
    for member in archive.members:
        name = member.filename.replace("\\", "/")
        if (
            name.startswith("/")
            or ".." in name.split("/")
            or PurePath(name).drive
            or ":" in name.split("/")[0]
        ):
            raise Refused(
                f"“{filename}” holds a file named “{member.filename}”, outside the archive; it was not read."
            )
    try:
        return _read(archive, filename, progress or _silent)
    except TooLarge:
        raise Refused(
            f"“{filename}” unpacks to more than Crosscase reads from one archive "
            f"({archive.max_bytes // _MEGABYTE or 1} MB, or {MAX_COMPRESSION_RATIO} times its size); "
            "it looks like a damaged or malicious file."
        ) from None
    except Unreadable as error:
        raise Refused(f"“{filename}” could not be read; the archive may be damaged ({error}).") from None


def _silent(stage: str, *, done: int = 0, total: int = 0) -> None:
    pass


def _members(archive: Zip) -> dict[str, zipfile.ZipInfo]:
    return {
        member.filename.replace("\\", "/").lower(): member
        for member in archive.members
        if not member.is_dir()
    }


def _read(archive: Zip, filename: str, progress: Callable) -> Package:
    members = _members(archive)
    qde = members.get(PROJECT_FILE) or next(
        (member for name, member in members.items() if posixpath.basename(name) == PROJECT_FILE), None
    )
    if qde is None:
        raise Refused(f"“{filename}” holds no project.qde, so it is not a REFI-QDA project (.qdpx).")
    project = read_project(archive.open(qde).read())
    warnings: list[str] = []
    not_kept = Counter(project.not_kept)
    origin = project.origin.lower()
    known = next((unit for prefix, unit in UNITS if origin.startswith(prefix)), None)
    raws = []
    for number, source in enumerate(project.sources):
        progress("Reading the sources", done=number, total=len(project.sources))
        raws.append(_raw_text(archive, members, source, warnings))
    for note in project.notes:
        member = _find(members, note.path) if note.path and not note.text else None
        if member is not None:
            try:
                note.text = normalise(decode_text(archive.open(member).read())[0])
            except Refused:
                warnings.append(f"The note “{note.name}” ({member.filename}) is not text Crosscase can read.")
    unit = known or _measured_unit(project, raws)
    texts, unplaced = _place(project, raws, unit, not_kept=not_kept, progress=progress)
    imported = {text.source.guid for text in texts}
    sets = keep_sets(project, imported, not_kept=not_kept, warnings=warnings)
    if not known:
        warnings.append(
            f"{project.origin or 'The producer'} is not a program whose positions Crosscase has measured; "
            f"they were read as {unit}, the unit under which most selections start and end between words."
        )
    if unplaced:
        warnings.append(
            f"{len(unplaced)} selection{'s' if len(unplaced) != 1 else ''} cannot be placed exactly and "
            "will not be imported (listed below)."
        )
    if not project.codebook.entries:
        warnings.append("The archive holds no codebook.")
    if not project.sources:
        warnings.append("The archive holds no text sources.")
    return Package(
        filename=filename,
        project=project,
        unit=unit,
        texts=texts,
        unplaced=unplaced,
        warnings=warnings,
        not_kept=dict(not_kept),
        sets=sets,
    )


def _measured_unit(project: Project, raws: list) -> Unit:
    scores = dict.fromkeys((Unit.CODE_POINT, Unit.UTF16), 0)
    for unit in scores:
        for source, raw in zip(project.sources, raws, strict=True):
            if raw is None or not raw[2]:
                continue
            mapped = track(raw[0], unit)
            if mapped is not None:
                scores[unit] += sum(mapped.on_word_edges(s.start, s.end) for s in source.selections)
    return Unit.UTF16 if scores[Unit.UTF16] > scores[Unit.CODE_POINT] else Unit.CODE_POINT


def _raw_text(
    archive: Zip, members: dict, source: Source, warnings: list[str]
) -> tuple[str, str, bool] | None:
    """(text, where it came from, whether it is the plain text the positions count in), or None."""
    label = source.name or source.plain_path or source.guid
    if source.plain_path:
        member = _find(members, source.plain_path)
        if member is not None:
            try:
                text, _ = decode_text(archive.open(member).read())
            except Refused:
                warnings.append(
                    f"The plain text of “{label}” ({member.filename}) is not text Crosscase can read."
                )
            else:
                return text.lstrip("\ufeff"), member.filename, True
        else:
            warnings.append(f"The plain text of “{label}” ({source.plain_path}) is not in the archive.")
    if source.inline_text is not None:
        return source.inline_text, "the project file", True
    if source.rich_path:
        member = _find(members, source.rich_path)
        if member is not None and PurePath(member.filename).suffix.lower() in _RICH_EXTENSIONS:
            extracted = extract(filename=PurePath(member.filename).name, data=archive.open(member).read())
            return extracted.text, member.filename, False
        warnings.append(f"The text of “{label}” ({source.rich_path}) is not in the archive.")
    return None


def _find(members: dict, path: str) -> zipfile.ZipInfo | None:
    name = path.replace("\\", "/")
    if name.lower().startswith("internal://"):
        name = name[len("internal://") :]
    elif "://" in name:
        return None  # outside the archive (file:// on the producer's computer)
    name = name.lstrip("/").lower()
    for candidate in (name, f"sources/{name}"):
        if candidate in members:
            return members[candidate]
    return None


def _place(project: Project, raws: list, unit: Unit, *, not_kept: Counter, progress: Callable):
    texts: list[Text] = []
    unplaced: list[Unplaced] = []
    limit = settings.MAX_TRANSCRIPT_CHARS
    for number, (source, raw) in enumerate(zip(project.sources, raws, strict=True)):
        progress("Placing the selections on their text", done=number, total=len(project.sources))
        label = source.name or PurePath(source.plain_path or source.rich_path).stem or source.guid
        if raw is None:
            not_kept["sources without readable text"] += 1
            unplaced += [
                Unplaced(label, s.start, s.end, "the source's text is not in the archive")
                for s in source.selections
            ]
            continue
        text, where, plain = raw
        mapped = track(text, unit) if plain else None
        normalised = mapped.text if mapped else (text if not plain else normalise(text))
        if len(normalised) > limit:
            raise Refused(
                f"The source “{label}” holds {len(normalised):,} characters; the limit is {limit:,}."
            )
        if not normalised:
            not_kept["empty sources"] += 1
            unplaced += [
                Unplaced(label, s.start, s.end, "the source holds no text") for s in source.selections
            ]
            continue
        entry = Text(source=source, title=label, text=normalised, read_from=where, mapped=mapped)
        for selection in source.selections:
            if mapped is None:
                reason = (
                    "the archive has no plain text for this source, and positions count in plain text"
                    if not plain
                    else "the source's text could not be mapped through normalisation"
                )
                unplaced.append(Unplaced(label, selection.start, selection.end, reason))
                continue
            spot = mapped.place(selection.start, selection.end)
            if isinstance(spot, str):
                unplaced.append(Unplaced(label, selection.start, selection.end, spot))
            else:
                entry.placed.append(Placed(selection=selection, start=spot[0], end=spot[1]))
        texts.append(entry)
    return texts, unplaced
