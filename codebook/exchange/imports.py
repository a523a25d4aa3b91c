"""Importing a codebook from a file: REFI-QDA `.qdc`, Crosscase CSV, Taguette CSV, QualCoder plain text.

Three steps, so nothing is written before the owner has seen what will change:

1. `read_codebook` parses the file into entries (no database). Anything malformed is refused with the line at
   fault. XML goes through defusedxml's SAX parser, which refuses DTDs, entities and external references, and
   whose locator gives each element's line. GUIDs that are not UUIDs (some tools number their codes) are
   accepted: such codes get new UUIDs and are matched by name and place instead.
2. `plan_import` compares the entries with the project's codebook (read only): each entry is a new, changed or
   unchanged code. An entry matches the code with its GUID, else the code of the same name (in any case) under
   the same parent. The plan is refused if it would leave two codes of one name side by side. Codes the file
   does not mention are left alone: importing never deletes.
3. `apply_import` writes the plan in one transaction with its history event, after checking under the
   project lock that the plan is still the one previewed (its fingerprint): if the codebook changed in
   between, nothing is written and the owner sees a fresh preview.

Between preview and confirmation the uploaded bytes travel in a signed form field (`sign_upload`): nothing is
stored on the server, the signature binds them to the project and the user and expires after an hour, and the
size limit keeps the field small. Re-reading the signed bytes at confirmation means the confirmed import is
exactly the previewed file, never a re-uploaded one.
"""

import base64
import csv
import hashlib
import io
import json
import re
import textwrap
import unicodedata
import uuid
import xml.sax.handler
from dataclasses import dataclass, field
from pathlib import PurePath

from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser
from django.core import signing
from django.db import transaction

from cases.importing.readers.encodings import detect_legacy, unmarked_utf16
from cases.models import Project
from cases.refusals import Refused
from codebook.changes import lock_codebook, next_position
from codebook.exchange.exports import CORE_SET, QDC_NAMESPACE, SECTIONS
from codebook.exchange.spreadsheets import unguard_csv
from codebook.history import record
from codebook.models import Code, CodebookAction, Framework, Level, normalise_colour

MAX_BYTES = 1_000_000
MAX_CODES = 5_000
NAME_LENGTH = Code._meta.get_field("name").max_length
SIGNING_SALT = "codebook.import"
PREVIEW_MAX_AGE = 60 * 60

# Fields a file may set, in the order the preview lists changes.
FIELDS = (
    "definition",
    "inclusion",
    "exclusion",
    "example",
    "colour",
    "is_codable",
    "level",
    "framework",
    "is_core",
)
FIELD_LABELS = {
    "name": "name",
    "parent": "place",
    "definition": "definition",
    "inclusion": "inclusion criteria",
    "exclusion": "exclusion criteria",
    "example": "example",
    "colour": "colour",
    "is_codable": "codable",
    "level": "level",
    "framework": "framework",
    "is_core": "core category",
}
DEFAULT_COLOUR = Code._meta.get_field("colour").default


@dataclass
class Entry:
    line: int
    name: str
    parent: int | None  # index of the parent entry
    guid: uuid.UUID | None  # None: match by name and place, and give a new code a fresh GUID
    values: dict = field(default_factory=dict)  # only the fields the file sets


@dataclass
class ParsedCodebook:
    format: str
    entries: list[Entry]  # parents before their children
    remapped_guids: int = 0
    notes: list[str] = field(default_factory=list)


# Reading


def colour(value: str, line: int) -> str:
    normalised = normalise_colour(value)
    if normalised is None:
        raise Refused(f"Line {line}: “{value.strip()}” is not a colour (expected #rrggbb).")
    return normalised


def clean_name(value: str, line: int) -> str:
    # Line breaks and tabs cannot be typed into a name; other spacing is kept so names round-trip exactly.
    name = re.sub(r"[\r\n\t]+", " ", unicodedata.normalize("NFC", value)).strip()
    if not name:
        raise Refused(f"Line {line}: a code has no name.")
    if len(name) > NAME_LENGTH:
        raise Refused(f"Line {line}: the name “{name[:40]}…” is longer than {NAME_LENGTH} characters.")
    return name


def clean_text(value: str) -> str:
    return unicodedata.normalize("NFC", textwrap.dedent(value.replace("\r\n", "\n")).strip())


def split_description(text: str) -> dict:
    """A REFI-QDA description as definition, criteria and example (the layout of `exports.description`):
    paragraphs starting with a section heading go to that field, the others to the definition."""
    prefixes = {f"{label}: ": name for name, label in SECTIONS}
    headings = "|".join(re.escape(label) for _, label in SECTIONS)
    values = {"definition": "", **{name: "" for name, _ in SECTIONS}}
    definition = []
    for part in re.split(rf"\n\n(?=(?:{headings}): )", text):
        for prefix, name in prefixes.items():
            if part.startswith(prefix) and not values[name]:
                values[name] = part[len(prefix) :].strip()
                break
        else:
            definition.append(part)
    values["definition"] = "\n\n".join(definition)
    return values


def parse_guid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        return None


def _choice(enum, value: str, line: int, what: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    for key, label in enum.choices:
        if value.lower() in (key, label.lower()):
            return key
    names = ", ".join(label for _, label in enum.choices)
    raise Refused(f"Line {line}: unknown {what} “{value}”: use one of {names}.")


def _yes_no(value: str, line: int, what: str) -> bool | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in {"yes", "true", "1", "y"}:
        return True
    if value in {"no", "false", "0", "n"}:
        return False
    raise Refused(f"Line {line}: “{value}” is not yes or no ({what}).")


def decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = unmarked_utf16(data)
    if codec:
        return data.decode(codec)
    legacy = detect_legacy(data)
    if legacy is None:
        raise Refused("The file is not text in a known encoding: save it as UTF-8 and try again.")
    return legacy[0]


def read_codebook(*, filename: str, data: bytes) -> ParsedCodebook:
    """The entries of a codebook file, in one of the four formats (told apart by content and extension)."""
    if not data.strip():
        raise Refused("The file is empty.")
    if len(data) > MAX_BYTES:
        raise Refused(f"The file is larger than {MAX_BYTES // 1_000_000} MB; codebooks are much smaller.")
    extension = PurePath(filename).suffix.lower()
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if extension in {".qdc", ".xml"} or head.startswith(b"<"):
        parsed = read_qdc(data)
    else:
        try:
            text = decode(data)
        except UnicodeDecodeError as error:
            raise Refused("The file is not valid UTF-8 or UTF-16 text.") from error
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        first = next((line for line in text.split("\n") if line.strip()), "")
        header = [cell.strip().lower() for cell in next(csv.reader([first]))] if first else []
        if "path" in header:
            parsed = read_csv(text)
        elif header[:1] == ["tag"]:
            parsed = read_taguette(text)
        elif extension == ".csv":
            raise Refused(
                "Line 1: a codebook CSV needs a “path” column (Crosscase) or starts with “tag” (Taguette)."
            )
        else:
            parsed = read_qualcoder(text)
    if not parsed.entries:
        raise Refused("The file holds no codes.")
    if len(parsed.entries) > MAX_CODES:
        raise Refused(f"The file holds more than {MAX_CODES:,} codes.")
    return parsed


class _QdcReader(xml.sax.handler.ContentHandler):
    def __init__(self) -> None:
        super().__init__()
        self.locator = None
        self.entries: list[Entry] = []
        self.raw_guids: dict[str, int] = {}  # GUID as written → entry index
        self.remapped = 0
        self.path: list[str] = []  # element names from the root
        self.codes: list[int] = []  # open <Code> entries
        self.text: list[str] | None = None
        self.sets: list[tuple[str, int, list[str]]] = []  # (name, line, member GUIDs as written)
        self.skipping = 0  # depth inside elements of other namespaces (tool extensions)

    def setDocumentLocator(self, locator) -> None:
        self.locator = locator

    @property
    def line(self) -> int:
        return self.locator.getLineNumber() if self.locator else 0

    def startElementNS(self, name, qname, attrs) -> None:
        uri, local = name
        if not self.path and (uri, local) != (QDC_NAMESPACE, "CodeBook"):
            raise Refused(
                f"Line {self.line}: this is not a REFI-QDA codebook (its root is <{local}>, not "
                f"<CodeBook> in the namespace {QDC_NAMESPACE})."
            )
        if self.skipping or uri != QDC_NAMESPACE:
            self.skipping += 1
            return
        parent = self.path[-1] if self.path else None
        self.path.append(local)
        values = {key[1]: value for key, value in attrs.items() if key[0] is None}
        allowed = {
            "Codes": {"CodeBook"},
            "Code": {"Codes", "Code"},
            "Description": {"Code", "Set"},
            "Sets": {"CodeBook"},
            "Set": {"Sets"},
            "MemberCode": {"Set"},
        }
        if local in allowed and parent not in allowed[local]:
            raise Refused(f"Line {self.line}: <{local}> cannot appear inside <{parent}>.")
        if local == "Code":
            self._code(values)
        elif local == "Description":
            self.text = []
        elif local == "Set":
            self.sets.append((self._required(values, "name", "Set"), self.line, []))
        elif local == "MemberCode":
            self.sets[-1][2].append(self._required(values, "guid", "MemberCode"))

    def _required(self, values: dict, attribute: str, element: str) -> str:
        if attribute not in values:
            raise Refused(f"Line {self.line}: <{element}> has no {attribute} attribute.")
        return values[attribute]

    def _code(self, values: dict) -> None:
        line = self.line
        raw_guid = self._required(values, "guid", "Code").strip()
        if raw_guid in self.raw_guids:
            raise Refused(f"Line {line}: the GUID {raw_guid} is used by another code too.")
        guid = parse_guid(raw_guid)
        if guid is None:
            self.remapped += 1
        codable = self._required(values, "isCodable", "Code").strip().lower()
        if codable not in {"true", "false", "1", "0"}:
            raise Refused(f"Line {line}: isCodable must be true or false, not “{codable}”.")
        entry_values = {"is_codable": codable in {"true", "1"}}
        if values.get("color", "").strip():
            entry_values["colour"] = colour(values["color"], line)
        entry = Entry(
            line=line,
            name=clean_name(self._required(values, "name", "Code"), line),
            parent=self.codes[-1] if self.codes else None,
            guid=guid,
            values=entry_values,
        )
        self.raw_guids[raw_guid] = len(self.entries)
        self.codes.append(len(self.entries))
        self.entries.append(entry)

    def characters(self, content: str) -> None:
        if self.text is not None and not self.skipping:
            self.text.append(content)

    def endElementNS(self, name, qname) -> None:
        if self.skipping:
            self.skipping -= 1
            return
        local = self.path.pop()
        if local == "Code":
            self.codes.pop()
        elif local == "Description":
            text = clean_text("".join(self.text or []))
            self.text = None
            if self.path[-1] == "Code":
                self.entries[self.codes[-1]].values.update(split_description(text))


def read_qdc(data: bytes) -> ParsedCodebook:
    reader = _QdcReader()
    parser = DefusedExpatParser(forbid_dtd=True)
    parser.setFeature(xml.sax.handler.feature_namespaces, True)
    parser.setContentHandler(reader)
    try:
        parser.parse(io.BytesIO(data))
    except xml.sax.SAXParseException as error:
        raise Refused(
            f"Line {error.getLineNumber()}, column {error.getColumnNumber() + 1}: the file is not "
            f"well-formed XML ({error.getMessage()})."
        ) from error
    except DefusedXmlException as error:
        raise Refused(
            f"Line {reader.line}: the file declares a DTD or entities, which a codebook never needs; "
            "it was not read."
        ) from error
    parsed = ParsedCodebook(format="REFI-QDA codebook (.qdc)", entries=reader.entries)
    parsed.remapped_guids = reader.remapped
    ignored = apply_sets(parsed, reader.sets, reader.raw_guids)
    if ignored:
        parsed.notes.append(
            "Code sets other than levels, frameworks and core categories are not imported: "
            + ", ".join(f"“{name}”" for name in ignored)
            + "."
        )
    return parsed


def apply_sets(
    parsed: ParsedCodebook, sets: list[tuple[str, int, list[str]]], guids: dict[str, int]
) -> list[str]:
    """Levels, frameworks and core categories from the code sets Crosscase exports (see `exports`): `sets`
    as (name, line, member GUIDs as written), `guids` each code's GUID as written → its entry's index.
    Returns the names of the other sets, which are not read."""
    levels = {f"level: {label.lower()}": key for key, label in Level.choices}
    frameworks = {f"framework: {label.lower()}": key for key, label in Framework.choices}
    ignored = []
    for name, line, members in sets:
        key = " ".join(name.split()).lower()
        if key in levels:
            setting = ("level", levels[key])
        elif key in frameworks:
            setting = ("framework", frameworks[key])
        elif key == CORE_SET.lower():
            setting = ("is_core", True)
        else:
            ignored.append(name)
            continue
        for guid in members:
            if guid.strip() not in guids:
                raise Refused(f"Line {line}: the set “{name}” names a code ({guid}) the file does not hold.")
            parsed.entries[guids[guid.strip()]].values[setting[0]] = setting[1]
    return ignored


def _csv_records(text: str):
    """(first line, row) for each CSV record; a quoted field may span lines."""
    reader = csv.reader(io.StringIO(text), strict=True)
    previous = 0
    try:
        for row in reader:
            yield previous + 1, row
            previous = reader.line_num
    except csv.Error as error:
        raise Refused(f"Line {reader.line_num}: the CSV is malformed ({error}).") from error


def _from_paths(
    rows: list[tuple[int, list[str], dict, uuid.UUID | None]], implicit: dict, format: str
) -> ParsedCodebook:
    """Entries from (line, path, values, guid) rows; ancestors without a row of their own get `implicit`."""
    explicit: dict[tuple[str, ...], tuple[int, list[str], dict, uuid.UUID | None]] = {}
    for row in rows:
        key = tuple(name.lower() for name in row[1])
        if key in explicit:
            raise Refused(
                f"Line {row[0]}: “{' > '.join(row[1])}” appears twice (also on line {explicit[key][0]})."
            )
        explicit[key] = row
    parsed = ParsedCodebook(format=format, entries=[])
    index: dict[tuple[str, ...], int] = {}
    for line, path, _, _ in rows:
        for depth in range(1, len(path) + 1):
            key = tuple(name.lower() for name in path[:depth])
            if key in index:
                continue
            own = explicit.get(key)
            parent = index[key[:-1]] if depth > 1 else None
            entry = Entry(
                line=own[0] if own else line,
                name=path[depth - 1],
                parent=parent,
                guid=own[3] if own else None,
                values=dict(own[2]) if own else dict(implicit),
            )
            index[key] = len(parsed.entries)
            parsed.entries.append(entry)
    return parsed


def split_path(value: str, line: int) -> list[str]:
    """`A > B > C`, where a name's own `>` is written `\\>` and its backslash `\\\\` (see `exports`)."""
    names, current, escaped = [], [], False
    for character in value:
        if escaped:
            current.append(character)
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == ">":
            names.append("".join(current))
            current = []
        else:
            current.append(character)
    names.append("".join(current))
    return [clean_name(name, line) for name in names]


CSV_ALIASES = {
    "inclusion criteria": "inclusion",
    "exclusion criteria": "exclusion",
    "color": "colour",
    "is_codable": "codable",
    "core category": "core",
    "description": "definition",
}


def read_csv(text: str) -> ParsedCodebook:
    records = _csv_records(text)
    _, header = next(records)
    columns = [CSV_ALIASES.get(cell.strip().lower(), cell.strip().lower()) for cell in header]
    known = {"path", "level", "framework", "definition", "inclusion", "exclusion", "example", "colour"}
    known |= {"codable", "core", "guid"}
    rows, remapped = [], 0
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        cells = [unguard_csv(cell) for cell in cells]  # the export's quote before a formula character
        if len(cells) > len(columns):
            raise Refused(f"Line {line}: {len(cells)} fields, but the header names {len(columns)}.")
        cell = dict(zip(columns, cells + [""] * (len(columns) - len(cells)), strict=True))
        texts = ("definition", "inclusion", "exclusion", "example")
        values = {name: clean_text(cell[name]) for name in texts if name in cell}
        if cell.get("colour", "").strip():
            values["colour"] = colour(cell["colour"], line)
        for name, enum, what in (("level", Level, "level"), ("framework", Framework, "framework")):
            choice = _choice(enum, cell.get(name, ""), line, what)
            if choice:
                values[name] = choice
        for column, name in (("codable", "is_codable"), ("core", "is_core")):
            flag = _yes_no(cell.get(column, ""), line, column)
            if flag is not None:
                values[name] = flag
        guid = None
        if cell.get("guid", "").strip():
            guid = parse_guid(cell["guid"])
            remapped += guid is None
        rows.append((line, split_path(cell["path"], line), values, guid))
    parsed = _from_paths(rows, {}, "Crosscase CSV")
    parsed.remapped_guids = remapped
    ignored = [name for name in columns if name not in known and name]
    if ignored:
        parsed.notes.append(f"Columns not imported: {', '.join(ignored)}.")
    return parsed


def read_taguette(text: str) -> ParsedCodebook:
    """Taguette's codebook export: `tag,description,number of highlights`; tags are flat."""
    records = _csv_records(text)
    _, header = next(records)
    columns = [cell.strip().lower() for cell in header]
    rows = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        cell = dict(zip(columns, cells + [""] * max(0, len(columns) - len(cells)), strict=False))
        values = {"definition": clean_text(cell.get("description", ""))}
        rows.append((line, [clean_name(cell["tag"], line)], values, None))
    return _from_paths(rows, {}, "Taguette codebook (CSV)")


def read_qualcoder(text: str) -> ParsedCodebook:
    """QualCoder's plain codebook: `category>>sub-category>>code<TAB>memo` per line. Categories cannot be
    applied in QualCoder, so the categories a line names become non-codable codes."""
    rows = []
    for line, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        path_text, _, memo = raw.partition("\t")
        names = path_text.split(">>")
        path = [clean_name(name, line) for name in names]
        values = {"is_codable": True}
        if memo.strip():
            values["definition"] = clean_text(memo)
        rows.append((line, path, values, None))
    return _from_paths(rows, {"is_codable": False}, "QualCoder codebook (plain text)")


# Planning


@dataclass
class PlannedCode:
    entry: Entry
    status: str  # "new", "changed" or "unchanged"
    code: Code | None
    place: str  # where the code ends up, as a path
    changes: dict[str, tuple] = field(default_factory=dict)

    def change_list(self) -> list[tuple[str, str, str]]:
        def show(value) -> str:
            if isinstance(value, bool):
                return "yes" if value else "no"
            text = str(value) if value not in (None, "") else "—"
            return text if len(text) <= 80 else text[:79] + "…"

        return [(FIELD_LABELS[name], show(old), show(new)) for name, (old, new) in self.changes.items()]


@dataclass
class ImportPlan:
    parsed: ParsedCodebook
    rows: list[PlannedCode]

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def new(self) -> int:
        return self.count("new")

    @property
    def changed(self) -> int:
        return self.count("changed")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    def fingerprint(self) -> str:
        """Identifies what the import would write: equal fingerprints, equal writes."""
        summary = [
            [row.status, row.code.pk if row.code else None, row.place, sorted(row.changes.items())]
            for row in self.rows
        ]
        return hashlib.sha256(json.dumps(summary, default=str).encode()).hexdigest()


def plan_import(*, project: Project, parsed: ParsedCodebook) -> ImportPlan:
    """What importing `parsed` would do to the project's codebook; reads only (one query)."""
    codes = list(project.codes.all())
    by_guid = {code.guid: code for code in codes}
    by_place = {(code.parent_id, code.name.lower()): code for code in codes}
    entries = parsed.entries
    matches: list[Code | None] = [None] * len(entries)
    used: set[int] = set()
    for index, entry in enumerate(entries):
        code = by_guid.get(entry.guid) if entry.guid else None
        if code is not None:
            matches[index] = code
            used.add(code.pk)
    for index, entry in enumerate(entries):  # parents come first, so their match is known
        if matches[index] is not None:
            continue
        if entry.parent is None:
            parent_id = None
        elif matches[entry.parent] is not None:
            parent_id = matches[entry.parent].pk
        else:
            continue  # under a new code: new as well
        code = by_place.get((parent_id, entry.name.lower()))
        if code is not None and code.pk not in used:
            matches[index] = code
            used.add(code.pk)

    def parent_key(index: int):
        parent = entries[index].parent
        if parent is None:
            return None
        return ("code", matches[parent].pk) if matches[parent] else ("new", parent)

    # Names side by side once imported: unmatched codes stay where they are, the file's go where it puts them.
    taken: dict[tuple, tuple[str, Entry | None]] = {}
    for code in codes:
        if code.pk not in used:
            place = ("code", code.parent_id) if code.parent_id else None
            taken[(place, code.name.lower())] = (code.name, None)
    names = {code.pk: code.name for code in codes}
    rows = []
    for index, entry in enumerate(entries):
        key = (parent_key(index), entry.name.lower())
        if key in taken:
            other_name, other = taken[key]
            parent = key[0]
            if parent is None:
                at = "at the top level"
            else:
                at = f"under “{names[parent[1]] if parent[0] == 'code' else entries[parent[1]].name}”"
            also = f" (line {other.line})" if other else ""
            raise Refused(
                f"Line {entry.line}: “{entry.name}” would stand next to another code named "
                f"“{other_name}”{also} {at}."
            )
        taken[key] = (entry.name, entry)
        rows.append(_planned(entry, matches[index], parent_key(index), entries, names))
    return ImportPlan(parsed=parsed, rows=rows)


def _planned(entry: Entry, code: Code | None, parent, entries: list[Entry], names: dict) -> PlannedCode:
    path, index = [entry.name], entry.parent
    while index is not None:
        path.append(entries[index].name)
        index = entries[index].parent
    place = " › ".join(reversed(path))
    values = dict(entry.values)
    level = values.get("level", code.level if code else Level.OPEN)
    if values.get("is_core") and level != Level.SELECTIVE:
        raise Refused(f"Line {entry.line}: “{entry.name}” is marked as a core category but is not selective.")
    if code is not None and code.is_core and level != Level.SELECTIVE and "is_core" not in values:
        values["is_core"] = False  # the database allows only selective core categories
    if code is None:
        return PlannedCode(entry=entry, status="new", code=None, place=place)
    changes = {}
    if code.name != entry.name:
        changes["name"] = (code.name, entry.name)
    wanted_parent = None if parent is None else parent[1] if parent[0] == "code" else "new"
    if wanted_parent != code.parent_id:
        old = names[code.parent_id] if code.parent_id else "top level"
        changes["parent"] = (old, " › ".join(reversed(path[1:])) or "top level")
    for name in FIELDS:
        if name in values and getattr(code, name) != values[name]:
            changes[name] = (getattr(code, name), values[name])
    return PlannedCode(
        entry=entry, status="changed" if changes else "unchanged", code=code, place=place, changes=changes
    )


# Applying


@dataclass
class ImportResult:
    created: int
    changed: int
    unchanged: int


@transaction.atomic
def apply_import(
    *, project: Project, parsed: ParsedCodebook, fingerprint: str, filename: str, user
) -> ImportResult:
    """Writes the previewed import; refused (nothing written) if the codebook changed since the preview."""
    lock_codebook(project)
    try:
        plan = plan_import(project=project, parsed=parsed)
    except Refused as error:
        raise Refused(error.message) from error
    if plan.fingerprint() != fingerprint:
        raise Refused("The codebook changed since the preview: check the new preview and confirm again.")
    created: list[Code | None] = [None] * len(parsed.entries)
    # Codes that change name or place first get a name no sibling can hold, so that swaps and renames among
    # siblings never meet the unique-name constraint half done.
    for row in plan.rows:
        if row.status == "changed" and {"name", "parent"} & set(row.changes):
            Code.objects.filter(pk=row.code.pk).update(name=f"{row.code.guid} (importing)")
    positions: dict[int | None, int] = {}

    def position(parent: Code | None) -> int:
        key = parent.pk if parent else None
        if key not in positions:
            positions[key] = next_position(project, parent)
        positions[key] += 1
        return positions[key] - 1

    def resolved(index: int | None) -> Code | None:
        if index is None:
            return None
        return plan.rows[index].code or created[index]

    for index, row in enumerate(plan.rows):
        entry = row.entry
        if row.status == "new":
            parent = resolved(entry.parent)
            values = {"level": Level.OPEN, "framework": Framework.IMPORTED, "colour": DEFAULT_COLOUR}
            values.update(entry.values)
            created[index] = Code.objects.create(
                project=project,
                parent=parent,
                name=entry.name,
                guid=entry.guid or uuid.uuid4(),
                position=position(parent),
                created_by=user if user.is_authenticated else None,
                **values,
            )
        elif row.status == "changed":
            code = row.code
            code.name = entry.name
            if "parent" in row.changes:
                code.parent = resolved(entry.parent)
                code.position = position(code.parent)
            for name in FIELDS:
                if name in row.changes:
                    setattr(code, name, row.changes[name][1])
            code.save()
    result = ImportResult(created=plan.new, changed=plan.changed, unchanged=plan.unchanged)
    record(
        project=project,
        user=user,
        action=CodebookAction.IMPORT,
        summary=f"Imported {filename} ({plan.parsed.format}): {result.created} new, "
        f"{result.changed} changed, {result.unchanged} unchanged",
        detail={
            "file": filename,
            "format": plan.parsed.format,
            "new": [row.place for row in plan.rows if row.status == "new"][:500],
            "changed": {
                row.place: {name: [str(old), str(new)] for name, (old, new) in row.changes.items()}
                for row in plan.rows
                if row.status == "changed"
            },
            "unchanged": result.unchanged,
        },
    )
    return result


# Carrying the upload from preview to confirmation


def sign_upload(*, project: Project, user, filename: str, data: bytes, fingerprint: str) -> str:
    payload = {
        "project": str(project.pk),
        "user": user.pk,
        "name": filename,
        "data": base64.b64encode(data).decode("ascii"),
        "fingerprint": fingerprint,
    }
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


def unsign_upload(*, token: str, project: Project, user) -> tuple[str, bytes, str]:
    """(file name, bytes, fingerprint) of a previewed upload, if signed here for this project and user."""
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired as error:
        raise Refused("The preview is more than an hour old: upload the file again.") from error
    except signing.BadSignature as error:
        raise Refused("The preview could not be verified: upload the file again.") from error
    if payload.get("project") != str(project.pk) or payload.get("user") != user.pk:
        raise Refused("The preview could not be verified: upload the file again.")
    return payload["name"], base64.b64decode(payload["data"]), payload["fingerprint"]
