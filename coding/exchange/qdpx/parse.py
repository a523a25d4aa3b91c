"""A REFI-QDA project file (`project.qde`, REFI-QDA 1.0 / 1.5) read into plain data; nothing is checked
against a Crosscase project here.

The XML goes through defusedxml, which refuses a DTD and with it entities and external references, as the
codebook's .qdc import does. Elements are matched by local name in any `urn:QDA-XML:project:` namespace;
elements of other namespaces (tool extensions) are ignored. What the archive holds that Crosscase cannot keep
(audio, video, pictures and their selections, PDF selections, graphs, links, sets of codes other than
levels, frameworks and core categories, sets of notes, codings of a whole source) is counted in
`Project.not_kept`, never dropped silently.
"""

import functools
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from cases.refusals import Refused
from codebook.exchange.imports import (
    Entry,
    ParsedCodebook,
    apply_sets,
    clean_name,
    clean_text,
    colour,
    parse_guid,
    split_description,
)

NAMESPACE_PREFIX = "urn:QDA-XML:project:"
FORMAT = "REFI-QDA project (.qdpx)"


@dataclass
class User:
    guid: str
    name: str


@dataclass
class CodingRef:
    code: str  # the code's GUID as written
    coder: str | None  # the creating user's GUID
    notes: list[str] = field(default_factory=list)  # GUIDs of the notes the coding references


@dataclass
class Selection:
    guid: str
    name: str
    start: int
    end: int
    coder: str | None
    description: str
    codings: list[CodingRef]


@dataclass
class Source:
    guid: str
    name: str
    plain_path: str
    rich_path: str
    inline_text: str | None  # <PlainTextContent>
    coder: str | None
    description: str
    selections: list[Selection] = field(default_factory=list)
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (variable GUID, type, value)
    via: str = ""  # "PDF" for the text representation of a PDF source


@dataclass
class Variable:
    guid: str
    name: str
    kind: str  # typeOfVariable
    description: str


@dataclass
class CaseEntry:
    guid: str
    name: str
    description: str
    sources: list[str]
    values: list[tuple[str, str, str]]


@dataclass
class Note:
    guid: str
    name: str
    text: str
    path: str  # plainTextPath, when the text is a file of the archive
    author: str | None
    targets: list[tuple[str, str]] = field(default_factory=list)  # (kind, GUID): source/selection/code/case


@dataclass
class Link:
    guid: str
    name: str
    origin: str
    target: str
    notes: list[str]


@dataclass
class SetEntry:
    """A set of sources (documents), which may become an interview set."""

    guid: str
    name: str
    description: str
    sources: list[str]  # GUIDs of its MemberSource


@dataclass
class Project:
    origin: str
    name: str
    users: list[User]
    codebook: ParsedCodebook
    code_guids: dict[str, int]  # GUID as written, upper or lower case → entry index
    sources: list[Source]
    variables: list[Variable]
    cases: list[CaseEntry]
    notes: list[Note]
    sets: int  # every set of the archive
    code_sets: int  # those read as levels, frameworks and core categories
    source_sets: list[SetEntry]
    links: list[Link]
    not_kept: Counter
    creating_user: str | None


def _local(element: Element) -> str:
    return element.tag.rpartition("}")[2]


@functools.lru_cache(maxsize=256)
def _our_name(tag) -> str | None:
    """The local name of a tag in the REFI-QDA namespace (or in none); None for another namespace's, or for
    a comment or processing instruction. A project file uses a few dozen tags a hundred thousand times."""
    if not isinstance(tag, str) or (tag.startswith("{") and not tag[1:].startswith(NAMESPACE_PREFIX)):
        return None
    return tag.rpartition("}")[2]


def _children(element: Element, name: str | None = None) -> list[Element]:
    if name is None:
        return [child for child in element if _our_name(child.tag) is not None]
    return [child for child in element if _our_name(child.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _text(element: Element | None) -> str:
    return clean_text("".join(element.itertext())) if element is not None else ""


def _guid_key(raw: str) -> str:
    """GUIDs compare case aside (MAXQDA writes them in upper case) and without braces."""
    return raw.strip().strip("{}").lower()


def _position(value: str | None, what: str, guid: str) -> int:
    if value is None or not re.fullmatch(r"\s*\d+\s*", value):
        raise Refused(f"The selection {guid} has no valid {what} (“{value or ''}”); the archive is damaged.")
    return int(value)


def read_project(data: bytes) -> Project:
    """The parts of `project.qde` (bytes) Crosscase reads; raises Refused with a sentence for the reader."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise Refused(
            "The archive's project.qde declares a DTD or entities, which a REFI-QDA project never needs; "
            "it was not read."
        ) from error
    except ParseError as error:
        line, column = error.position
        raise Refused(
            f"The archive's project.qde is not well-formed XML (line {line}, column {column + 1}); the "
            "archive may be damaged."
        ) from error
    if _local(root) != "Project" or not root.tag[1:].startswith(NAMESPACE_PREFIX):
        raise Refused(
            "The archive's project.qde is not a REFI-QDA project (its root is not <Project> in the "
            f"namespace {NAMESPACE_PREFIX}1.0)."
        )
    not_kept: Counter = Counter()
    users = [
        User(guid=_guid_key(user.get("guid", "")), name=(user.get("name") or "").strip())
        for users in _children(root, "Users")
        for user in _children(users, "User")
        if user.get("guid")
    ]
    codebook, code_guids, code_notes = _codebook(root)
    sources = []
    note_targets: list[tuple[str, str, str]] = [("code", guid, note) for guid, note in code_notes]
    for group in _children(root, "Sources"):
        for element in _children(group):
            kind = _local(element)
            if kind == "TextSource":
                sources.append(_source(element, not_kept, note_targets))
            elif kind == "PDFSource":
                not_kept["PDF selections (areas of a page)"] += len(_children(element, "PDFSelection"))
                representation = _child(element, "Representation")
                if representation is not None:
                    source = _source(representation, not_kept, note_targets)
                    source.name = source.name or (element.get("name") or "")
                    source.via = "PDF"
                    source.values += _values(element)
                    sources.append(source)
                else:
                    not_kept["PDF sources without a text representation"] += 1
            elif kind in {"PictureSource", "AudioSource", "VideoSource"}:
                label = {"PictureSource": "picture", "AudioSource": "audio", "VideoSource": "video"}[kind]
                not_kept[f"{label} sources"] += 1
                selected = sum(1 for child in _children(element) if _local(child).endswith("Selection"))
                transcripts = _children(element, "Transcript")
                selected += sum(len(_children(transcript)) for transcript in transcripts)
                if selected:
                    not_kept[f"selections in {label} sources and their transcripts"] += selected
    variables = [
        Variable(
            guid=_guid_key(variable.get("guid", "")),
            name=(variable.get("name") or "").strip(),
            kind=(variable.get("typeOfVariable") or "Text").strip(),
            description=_text(_child(variable, "Description")),
        )
        for group in _children(root, "Variables")
        for variable in _children(group, "Variable")
    ]
    cases = []
    for group in _children(root, "Cases"):
        for element in _children(group, "Case"):
            guid = _guid_key(element.get("guid", ""))
            cases.append(
                CaseEntry(
                    guid=guid,
                    name=(element.get("name") or "").strip(),
                    description=_text(_child(element, "Description")),
                    sources=[_guid_key(ref.get("targetGUID", "")) for ref in _children(element, "SourceRef")],
                    values=_values(element),
                )
            )
            if _children(element, "CodeRef") or _children(element, "SelectionRef"):
                not_kept["links from cases to codes or selections"] += len(_children(element, "CodeRef"))
                not_kept["links from cases to codes or selections"] += len(_children(element, "SelectionRef"))
            note_targets += [
                ("case", guid, ref.get("targetGUID", "")) for ref in _children(element, "NoteRef")
            ]
    note_targets += [("project", "", ref.get("targetGUID", "")) for ref in _children(root, "NoteRef")]
    notes = _notes(root, note_targets)
    sets = [element for group in _children(root, "Sets") for element in _children(group, "Set")]
    code_sets, source_sets = _sets(sets, codebook, code_guids, not_kept)
    links = [
        Link(
            guid=_guid_key(link.get("guid", "")),
            name=(link.get("name") or "").strip(),
            origin=_guid_key(link.get("originGUID", "")),
            target=_guid_key(link.get("targetGUID", "")),
            notes=[_guid_key(ref.get("targetGUID", "")) for ref in _children(link, "NoteRef")],
        )
        for group in _children(root, "Links")
        for link in _children(group, "Link")
    ]
    graphs = sum(len(_children(group)) for group in _children(root, "Graphs"))
    if graphs:
        not_kept["graphs"] += graphs
    return Project(
        origin=(root.get("origin") or "").strip(),
        name=(root.get("name") or "").strip(),
        users=users,
        codebook=codebook,
        code_guids=code_guids,
        sources=sources,
        variables=variables,
        cases=cases,
        notes=notes,
        sets=len(sets),
        code_sets=code_sets,
        source_sets=source_sets,
        links=links,
        not_kept=not_kept,
        creating_user=_guid_key(root.get("creatingUserGUID", "")) or None,
    )


def _codebook(root: Element) -> tuple[ParsedCodebook, dict[str, int], list[tuple[str, str]]]:
    entries: list[Entry] = []
    guids: dict[str, int] = {}
    notes: list[tuple[str, str]] = []

    def walk(element: Element, parent: int | None) -> None:
        for code in _children(element, "Code"):
            raw = code.get("guid", "")
            key = _guid_key(raw)
            if not key:
                raise Refused(f"A code (“{code.get('name', '')}”) has no GUID; the archive is damaged.")
            if key in guids:
                raise Refused(f"The GUID {raw} is used by two codes; the archive is damaged.")
            values: dict = {"is_codable": (code.get("isCodable") or "true").strip().lower() in {"true", "1"}}
            if (code.get("color") or "").strip():
                values["colour"] = colour(code.get("color"), 0)
            description = _text(_child(code, "Description"))
            if description:
                values.update(split_description(description))
            guid = parse_guid(key)
            guids[key] = len(entries)
            entries.append(
                Entry(
                    line=len(entries) + 1,
                    name=clean_name(code.get("name") or "", 0),
                    parent=parent,
                    guid=guid,
                )
            )
            entries[-1].values = values
            notes.extend((key, ref.get("targetGUID", "")) for ref in _children(code, "NoteRef"))
            walk(code, guids[key])

    for book in _children(root, "CodeBook"):
        for codes in _children(book, "Codes"):
            walk(codes, None)
    parsed = ParsedCodebook(format=FORMAT, entries=entries)
    parsed.remapped_guids = sum(entry.guid is None for entry in entries)
    return parsed, guids, notes


def _sets(
    found: list[Element], codebook: ParsedCodebook, code_guids: dict[str, int], not_kept: Counter
) -> tuple[int, list[SetEntry]]:
    """Reads the code sets that carry levels, frameworks and core categories (as Crosscase exports them) into
    the codebook, and returns how many there are with the sets of sources; a set with sources is one of
    those, whatever else it holds. Counts the rest, and the codes and notes in sets of sources, as not kept.
    A set with no members at all is taken as a set of sources: it is nothing else either."""
    code_sets = []
    source_sets = []
    for element in found:
        name = (element.get("name") or "").strip()
        codes = [_guid_key(ref.get("targetGUID", "")) for ref in _children(element, "MemberCode")]
        sources = [_guid_key(ref.get("targetGUID", "")) for ref in _children(element, "MemberSource")]
        notes = len(_children(element, "MemberNote"))
        if sources or not (codes or notes):
            source_sets.append(
                SetEntry(
                    guid=_guid_key(element.get("guid", "")),
                    name=name,
                    description=_text(_child(element, "Description")),
                    sources=sources,
                )
            )
            if codes:
                not_kept["codes in sets of sources (an interview set holds interviews only)"] += len(codes)
        elif codes and all(guid in code_guids for guid in codes):
            code_sets.append((name, 0, codes))
        else:
            not_kept["sets of notes, or of codes the archive does not hold"] += 1
            continue
        if notes:
            not_kept["notes in sets"] += notes
    ignored = apply_sets(codebook, code_sets, code_guids)
    if ignored:
        not_kept["sets of codes other than levels, frameworks and core categories"] += len(ignored)
    return len(code_sets) - len(ignored), source_sets


def _values(element: Element) -> list[tuple[str, str, str]]:
    values = []
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        typed = [child for child in _children(value) if _local(child).endswith("Value")]
        if ref is not None and typed:
            values.append(
                (_guid_key(ref.get("targetGUID", "")), _local(typed[0]), "".join(typed[0].itertext()))
            )
    return values


def _source(element: Element, not_kept: Counter, note_targets: list) -> Source:
    guid = _guid_key(element.get("guid", ""))
    content = _child(element, "PlainTextContent")
    source = Source(
        guid=guid,
        name=(element.get("name") or "").strip(),
        plain_path=(element.get("plainTextPath") or "").strip(),
        rich_path=(element.get("richTextPath") or "").strip(),
        inline_text="".join(content.itertext()) if content is not None else None,
        coder=_guid_key(element.get("creatingUser", "")) or None,
        description=_text(_child(element, "Description")),
        values=_values(element),
    )
    note_targets += [("source", guid, ref.get("targetGUID", "")) for ref in _children(element, "NoteRef")]
    whole = len(_children(element, "Coding"))
    if whole:
        not_kept["codings of a whole source"] += whole
    for selection in _children(element, "PlainTextSelection"):
        selection_guid = _guid_key(selection.get("guid", "")) or str(uuid.uuid4())
        coder = _guid_key(selection.get("creatingUser", "")) or None
        source.selections.append(
            Selection(
                guid=selection_guid,
                name=(selection.get("name") or "").strip(),
                start=_position(selection.get("startPosition"), "start position", selection_guid),
                end=_position(selection.get("endPosition"), "end position", selection_guid),
                coder=coder,
                description=_text(_child(selection, "Description")),
                codings=[
                    CodingRef(
                        code=_guid_key(ref.get("targetGUID", "")),
                        coder=_guid_key(coding.get("creatingUser", "")) or coder,
                        notes=[
                            _guid_key(note.get("targetGUID", "")) for note in _children(coding, "NoteRef")
                        ],
                    )
                    for coding in _children(selection, "Coding")
                    for ref in _children(coding, "CodeRef")
                ],
            )
        )
        note_targets += [
            ("selection", selection_guid, ref.get("targetGUID", ""))
            for ref in _children(selection, "NoteRef")
        ]
    return source


def _notes(root: Element, note_targets: list[tuple[str, str, str]]) -> list[Note]:
    notes = []
    for group in _children(root, "Notes"):
        for element in _children(group, "Note"):
            content = _child(element, "PlainTextContent")
            notes.append(
                Note(
                    guid=_guid_key(element.get("guid", "")),
                    name=(element.get("name") or "").strip(),
                    text=clean_text("".join(content.itertext())) if content is not None else "",
                    path=(element.get("plainTextPath") or "").strip(),
                    author=_guid_key(element.get("creatingUser", "")) or None,
                )
            )
    by_guid = {note.guid: note for note in notes}
    for kind, guid, note_guid in note_targets:
        note = by_guid.get(_guid_key(note_guid))
        if note is not None:
            note.targets.append((kind, guid))
    return notes
