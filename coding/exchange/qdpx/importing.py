"""Writing a read .qdpx `Package` into a project, all or nothing, and linking an imported coder to a member.

The code tree goes through the codebook's own import (`codebook.exchange.imports`): codes are matched by GUID,
then by name under the same parent, and that import's history event is written. Each REFI-QDA user becomes a
coder identity of the project (`Identity.IMPORTED`: no usable password, inactive, the archive's name), the
same one on every import of the project, so their codings are counted and compared like anyone's; an owner
can later link one to a member (`link_coder`). Each placed selection becomes one quotation per coder, holding
that coder's codings: identical spans, separate selections in NVivo, become one quotation as Crosscase keeps
one quotation per coder and span. The archive's sets of sources become interview sets (`interview_sets`),
renamed “Name (2)” when the project has a set of that name.
"""

import hashlib
import re
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Identity
from accounts.people import coder_identity, display_name
from cases.models import (
    Attribute,
    AttributeKind,
    AttributeTarget,
    Case,
    CaseAttributeValue,
    InterviewSet,
    Project,
    Study,
    Transcript,
    TranscriptAttributeValue,
)
from cases.refusals import Refused
from cases.speakers import store_recognised
from codebook.exchange.imports import apply_import, plan_import
from codebook.history import record
from codebook.models import Code, CodebookAction, CodeRelation, Framework, RelationKind
from coding.exchange.qdpx.archive import Package, Unplaced
from coding.exchange.qdpx.export import TRANSCRIPT_METADATA, VALENCE_NOTES, segment_memo_guid
from coding.models import Coding, Memo, Segment, Valence

KINDS = {
    "text": AttributeKind.TEXT,
    "boolean": AttributeKind.BOOLEAN,
    "integer": AttributeKind.NUMBER,
    "float": AttributeKind.NUMBER,
    "date": AttributeKind.DATE,
    "datetime": AttributeKind.DATE,
}
UNKNOWN_CODER = "unknown"
VALENCE_OF_NOTE = {str(guid): valence for valence, guid in VALENCE_NOTES.items()}
METADATA_OF_VARIABLE = {str(field.guid): field for field in TRANSCRIPT_METADATA}
RELATION_KINDS = {label.casefold(): key for key, label in RelationKind.choices}
_USERNAME_PREFIX = "~qdpx-"  # "~" is refused in usernames people choose


@dataclass
class ImportResult:
    transcripts: int = 0
    quotations: int = 0
    codings: int = 0
    codes_new: int = 0
    codes_matched: int = 0
    coders: list[str] = field(default_factory=list)
    cases: int = 0
    attributes: int = 0
    values: int = 0
    memos: int = 0
    unplaced: list[Unplaced] = field(default_factory=list)
    not_kept: Counter = field(default_factory=Counter)
    warnings: list[str] = field(default_factory=list)
    study: Study | None = None
    sets: int = 0  # interview sets made


def coder_username(project: Project, refi_guid: str) -> str:
    key = (
        refi_guid
        if re.fullmatch(r"[0-9a-z-]{1,40}", refi_guid)
        else hashlib.sha256(refi_guid.encode()).hexdigest()[:40]
    )
    return f"{_USERNAME_PREFIX}{project.pk.hex}-{key}"


def imported_coders(project: Project):
    """The coder identities imported into `project` that still hold something."""
    return (
        get_user_model()
        .objects.filter(
            username__startswith=f"{_USERNAME_PREFIX}{project.pk.hex}-", profile__kind=Identity.IMPORTED
        )
        .select_related("profile")
    )


def _coder(project: Project, refi_guid: str, name: str):
    return coder_identity(
        username=coder_username(project, refi_guid),
        display_name=name or "Imported coder",
        kind=Identity.IMPORTED,
    )


@transaction.atomic
def import_package(
    *,
    package: Package,
    project: Project,
    user,
    case: Case | None = None,
    case_name: str = "",
    study_name: str = "",
) -> ImportResult:
    """Writes `package` into `project`; transcripts that no case of the archive lists go to `case`, else to a
    case named `case_name` (made if need be), else to one named after the archive. Raises Refused, writing
    nothing, when the codebook cannot take the archive's codes.

    With `study_name`, the archive comes in as a study of a meta-analysis: its codes are kept as they were,
    under one top-level code named after the study and matched to none of the project's (the crosswalk maps
    them), and its transcripts are marked as the study's."""
    parsed = package.project
    result = ImportResult(unplaced=list(package.unplaced), not_kept=Counter(package.not_kept))
    result.warnings = list(package.warnings)
    study = result.study = _study(package, project, user, study_name) if study_name else None
    codes = (
        _study_codes(package, project, user, study, result)
        if study
        else _codes(package, project, user, result)
    )

    users = {refi.guid: refi.name for refi in parsed.users}
    coders: dict[str, object] = {}

    def coder_for(guid: str | None):
        key = guid if guid in users else (parsed.creating_user if parsed.creating_user in users else None)
        key = key or UNKNOWN_CODER
        if key not in coders:
            name = users.get(key) or f"Unknown coder of {package.filename}"
            coders[key] = _coder(project, key, name)
        return coders[key]

    cases_by_source, case_rows = _cases(package, project, result)
    fallback = case
    transcripts: dict[str, Transcript] = {}
    taken = set(Transcript.objects.filter(case__project=project).values_list("guid", flat=True))
    for text in package.texts:
        target = cases_by_source.get(text.source.guid)
        if target is None:
            if fallback is None:
                name = (case_name or package.title).strip()[: Case._meta.get_field("name").max_length]
                fallback, made = Case.objects.get_or_create(project=project, name=name or "Imported")
                result.cases += made
            target = fallback
        guid = source_guid(text.source.guid)
        transcripts[text.source.guid] = Transcript(
            guid=guid if guid and guid not in taken else uuid.uuid4(),
            case=target,
            title=text.title[: Transcript._meta.get_field("title").max_length],
            text=text.text,
            note=text.source.description,
            original_name=f"{package.filename}: {text.read_from}"[
                : Transcript._meta.get_field("original_name").max_length
            ],
            study=study,
            created_by=user,
        )
    Transcript.objects.bulk_create(transcripts.values(), batch_size=100)
    store_recognised(transcripts=transcripts.values())
    result.transcripts = len(transcripts)
    _attributes(package, project, case_rows, transcripts, result)
    _interview_sets(package, project, user, transcripts, case_rows, result)

    # One quotation per transcript, span and coder, holding that coder's codings.
    segments: dict[tuple, Segment] = {}
    codings: dict[tuple, dict] = defaultdict(dict)  # (code, coder) → valence
    of_selection: dict[str, tuple] = {}
    notes = {note.guid: note for note in parsed.notes}
    used_notes: set[str] = set(VALENCE_OF_NOTE)  # valences and quotation memos: no memos of their own
    missing_codes = 0
    for text in package.texts:
        transcript = transcripts[text.source.guid]
        for placed in text.placed:
            selection = placed.selection
            refs = selection.codings or [None]
            for ref in refs:
                coder = coder_for(ref.coder if ref else selection.coder)
                key = (transcript.pk, placed.start, placed.end, coder.pk)
                if key not in segments:
                    segments[key] = Segment(
                        transcript=transcript,
                        project=project,
                        start=placed.start,
                        end=placed.end,
                        quote=text.text[placed.start : placed.end],
                        created_by=coder,
                    )
                segment = segments[key]
                own = notes.get(_own_memo(selection.guid))
                if own is not None and ("selection", selection.guid) in own.targets:
                    used_notes.add(own.guid)
                for memo in (selection.description, own.text if own else ""):
                    if memo and memo not in segment.memo:
                        segment.memo = "\n\n".join(filter(None, [segment.memo, memo]))
                of_selection.setdefault(selection.guid, key)
                if ref is None:
                    continue
                code = codes.get(ref.code)
                if code is None:
                    missing_codes += 1
                    continue
                valences = {VALENCE_OF_NOTE[guid] for guid in ref.notes if guid in VALENCE_OF_NOTE}
                valence = valences.pop() if len(valences) == 1 else Valence.NONE
                codings[key][(code.pk, coder.pk)] = valence
    Segment.objects.bulk_create(segments.values(), batch_size=2000)
    rows = [
        Coding(segment=segments[key], code_id=code_id, coder_id=coder_id, valence=valence)
        for key, pairs in codings.items()
        for (code_id, coder_id), valence in sorted(pairs.items())
    ]
    Coding.objects.bulk_create(rows, batch_size=5000)
    result.quotations, result.codings = len(segments), len(rows)
    if missing_codes:
        result.not_kept["codings of a code the archive does not hold"] += missing_codes

    used_notes |= _relations(package, project, coder_for, codes, notes, result)
    result.memos = _memos(
        package,
        project,
        user,
        coder_for,
        transcripts,
        segments,
        of_selection,
        codes,
        case_rows,
        result,
        used_notes,
    )
    result.coders = sorted(display_name(coder) for coder in coders.values())
    record(
        project=project,
        user=user,
        action=CodebookAction.IMPORT,
        summary=f"Imported the project {package.filename}: {result.transcripts} transcripts, "
        f"{result.quotations} quotations, {result.codings} codings",
        detail={
            "file": package.filename,
            "origin": parsed.origin,
            "transcripts": result.transcripts,
            "quotations": result.quotations,
            "codings": result.codings,
            "coders": result.coders,
            "memos": result.memos,
            "sets": result.sets,
            "not placed": [item.sentence() for item in result.unplaced][:500],
            "not kept": dict(result.not_kept),
        },
    )
    return result


def source_guid(value: str) -> uuid.UUID | None:
    """The GUID of an archive's source, which its transcript keeps unless the project holds it already."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def already_imported(package: Package, project: Project) -> int:
    """How many of the archive's text sources the project holds already (imported before, or exported
    from it): importing them again adds them a second time."""
    guids = {source_guid(text.source.guid) for text in package.texts} - {None}
    return Transcript.objects.filter(case__project=project, guid__in=guids).count()


def _own_memo(selection_guid: str) -> str:
    """The GUID of the note Crosscase exports a quotation's own memo as."""
    try:
        return str(segment_memo_guid(uuid.UUID(selection_guid)))
    except ValueError:
        return ""


def _relations(package, project, coder_for, codes, notes, result: ImportResult) -> set[str]:
    """Links from code to code become code relations (named by their kind, a note as their memo), links named
    "memo" from a case to a note make the note the case's memo; other links are counted as not kept. Returns
    the GUIDs of the notes taken as relation memos. A relation's creator is its memo's author, if any (a
    link names none)."""
    case_guids = {entry.guid for entry in package.project.cases}
    taken: set[str] = set()
    relations: dict[tuple, CodeRelation] = {}
    for link in package.project.links:
        if link.name.casefold() == "memo" and link.origin in case_guids and link.target in notes:
            notes[link.target].targets.insert(0, ("case", link.origin))
            continue
        source, target = codes.get(link.origin), codes.get(link.target)
        if source is None or target is None or source == target or not link.name:
            result.not_kept["links other than between two codes or from a case to its memo"] += 1
            continue
        kind = RELATION_KINDS.get(
            link.name.casefold(), link.name[: CodeRelation._meta.get_field("kind").max_length]
        )
        memos = [notes[guid] for guid in link.notes if guid in notes]
        taken.update(note.guid for note in memos)
        relations.setdefault(
            (source.pk, target.pk, kind),
            CodeRelation(
                project=project,
                source=source,
                target=target,
                kind=kind,
                memo="\n\n".join(note.text for note in memos if note.text),
                created_by=next((coder_for(note.author) for note in memos if note.author), None),
            ),
        )
    held = set(CodeRelation.objects.filter(project=project).values_list("source_id", "target_id", "kind"))
    CodeRelation.objects.bulk_create([row for key, row in relations.items() if key not in held])
    return taken


def _study(package: Package, project: Project, user, name: str) -> Study:
    name = name.strip()[: Study._meta.get_field("name").max_length]
    if project.studies.filter(name__iexact=name).exists():
        raise Refused(f"This project already has a study called “{name}”: choose another name.")
    origin = package.project.origin
    return Study.objects.create(
        project=project, name=name, producer=origin, source_name=package.filename, created_by=user
    )


def _study_codes(
    package: Package, project: Project, user, study: Study, result: ImportResult
) -> dict[str, Code]:
    """The archive's code tree as it was, under a top-level code named after the study: no code of the
    project is matched or changed."""
    root_name = f"{study.name} (study)"[: Code._meta.get_field("name").max_length]
    if project.codes.filter(parent=None, name__iexact=root_name).exists():
        raise Refused(f"The codebook already has a top-level code “{root_name}”: rename it or the study.")
    root = Code.objects.create(
        project=project,
        name=root_name,
        study=study,
        framework=Framework.IMPORTED,
        is_codable=False,
        definition=f"The codes of the study {study.name}, imported from {package.filename}.",
        created_by=user,
    )
    created: list[Code] = []
    siblings: set[tuple[int, str]] = set()
    for entry in package.project.codebook.entries:
        parent = root if entry.parent is None else created[entry.parent]
        key = (parent.pk, entry.name.casefold())
        if key in siblings:
            raise Refused(
                f"Line {entry.line}: two codes under “{parent.name}” are both called “{entry.name}”; "
                "rename one in the program that exported the archive."
            )
        siblings.add(key)
        fields = {name: value for name, value in entry.values.items() if name in STUDY_CODE_FIELDS}
        created.append(
            Code.objects.create(
                project=project,
                parent=parent,
                name=entry.name,
                study=study,
                framework=Framework.IMPORTED,
                position=len(created),
                guid=entry.guid or uuid.uuid4(),
                created_by=user,
                **fields,
            )
        )
    result.codes_new = len(created)
    record(
        project=project,
        user=user,
        action=CodebookAction.IMPORT,
        code=root,
        summary=f"Imported the codes of the study {study.name} ({len(created)} codes, kept as they were)",
        detail={"file": package.filename, "study": study.name, "codes": len(created)},
    )
    return {guid: created[index] for guid, index in package.project.code_guids.items()}


STUDY_CODE_FIELDS = {"colour", "is_codable", "definition", "inclusion", "exclusion", "example", "level"}


def _codes(package: Package, project: Project, user, result: ImportResult) -> dict[str, Code]:
    parsed = package.project.codebook
    if not parsed.entries:
        return {}
    plan = plan_import(project=project, parsed=parsed)
    result.codes_new, result.codes_matched = plan.new, plan.changed + plan.unchanged
    parsed.format = f"REFI-QDA project {package.filename}"
    apply_import(
        project=project, parsed=parsed, fingerprint=plan.fingerprint(), filename=package.filename, user=user
    )
    rows = plan_import(project=project, parsed=parsed).rows  # now every entry matches its code
    return {guid: rows[index].code for guid, index in package.project.code_guids.items()}


def _cases(package: Package, project: Project, result: ImportResult):
    cases_by_source: dict[str, Case] = {}
    rows: dict[str, Case] = {}
    existing = {case.name.lower(): case for case in project.cases.all()}
    length = Case._meta.get_field("name").max_length
    new: list[Case] = []
    for number, entry in enumerate(package.project.cases, start=1):
        name = (entry.name or f"Case {number}")[:length]
        case = existing.get(name.lower())
        if case is None:
            case = Case(project=project, name=name, description=entry.description)
            existing[name.lower()] = case
            new.append(case)
        rows[entry.guid] = case
        for source in entry.sources:
            if source in cases_by_source and cases_by_source[source] != case:
                result.warnings.append(
                    "A source is in more than one case of the archive; it was put in "
                    f"“{cases_by_source[source].name}”."
                )
                continue
            cases_by_source[source] = case
    Case.objects.bulk_create(new, batch_size=500)
    result.cases += len(new)
    return cases_by_source, rows


def _interview_sets(package, project, user, transcripts, case_rows, result: ImportResult) -> None:
    """Each kept set as an interview set, in bulk; a name the project has already (case aside) gets the first
    free “ (2)”, “ (3)”… and a warning."""
    taken = {name.casefold() for name in project.interview_sets.values_list("name", flat=True)}
    length = InterviewSet._meta.get_field("name").max_length
    made_from_length = InterviewSet._meta.get_field("made_from").max_length
    rows, members = [], []
    for number, kept in enumerate(package.sets, start=1):
        wanted = (kept.name or f"Set {number}")[:length]
        name, copy = wanted, 1
        while name.casefold() in taken:
            copy += 1
            suffix = f" ({copy})"
            name = f"{wanted[: length - len(suffix)]}{suffix}"
        if name != wanted:
            result.warnings.append(
                f"A set named “{wanted}” exists already; the archive's is imported as “{name}”."
            )
        taken.add(name.casefold())
        rows.append(
            InterviewSet(
                project=project,
                name=name,
                kind=kept.kind,
                made_from=kept.made_from[:made_from_length],
                created_by=user,
            )
        )
        # Two cases of the archive may be one case of the project (the same name).
        cases = list(dict.fromkeys(case_rows[guid] for guid in kept.cases))
        members.append(([transcripts[guid] for guid in kept.sources], cases))
    InterviewSet.objects.bulk_create(rows)
    through_transcripts, through_cases = InterviewSet.transcripts.through, InterviewSet.cases.through
    through_transcripts.objects.bulk_create(
        [
            through_transcripts(interviewset=row, transcript=transcript)
            for row, (held, _) in zip(rows, members, strict=True)
            for transcript in held
        ],
        batch_size=1000,
    )
    through_cases.objects.bulk_create(
        [
            through_cases(interviewset=row, case=case)
            for row, (_, held) in zip(rows, members, strict=True)
            for case in held
        ],
        batch_size=1000,
    )
    result.sets = len(rows)


def _value(kind: str, raw: str):
    raw = raw.strip()
    if kind == AttributeKind.TEXT:
        return raw[:500] or None
    if kind == AttributeKind.NUMBER:
        try:
            return Decimal(raw)
        except InvalidOperation:
            return None
    if kind == AttributeKind.BOOLEAN:
        return {"true": True, "1": True, "false": False, "0": False}.get(raw.lower())
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        return None


def _attributes(package, project, case_rows, transcripts, result: ImportResult) -> None:
    variables = {variable.guid: variable for variable in package.project.variables}
    wanted: list[tuple[str, object, str, str]] = []  # (target kind, row, variable GUID, raw value)
    for entry in package.project.cases:
        wanted += [(AttributeTarget.CASE, case_rows[entry.guid], guid, raw) for guid, _, raw in entry.values]
    metadata: set[Transcript] = set()
    for source in package.project.sources:
        if source.guid in transcripts:
            transcript = transcripts[source.guid]
            for guid, _, raw in source.values:
                field = METADATA_OF_VARIABLE.get(guid)
                value = _value(field.kind, raw) if field else None
                if field is None:
                    wanted.append((AttributeTarget.TRANSCRIPT, transcript, guid, raw))
                elif value is not None:
                    if isinstance(value, str):
                        value = value[: Transcript._meta.get_field(field.field).max_length]
                    setattr(transcript, field.field, value)
                    metadata.add(transcript)
    Transcript.objects.bulk_update(metadata, [field.field for field in TRANSCRIPT_METADATA], batch_size=500)
    attributes: dict[tuple, Attribute | None] = {}
    values: dict[type, dict[tuple, object]] = defaultdict(dict)  # model → (attribute, owner) → value row
    existing = {(a.applies_to, a.name.lower()): a for a in project.attributes.all()}
    skipped = 0
    for target, row, guid, raw in wanted:
        variable = variables.get(guid)
        if variable is None:
            skipped += 1
            continue
        if (target, guid) not in attributes:
            kind = KINDS.get(variable.kind.lower(), AttributeKind.TEXT)
            name = (variable.name or "Variable")[: Attribute._meta.get_field("name").max_length]
            attribute = existing.get((target, name.lower()))
            if attribute is None:
                attribute = Attribute.objects.create(
                    project=project,
                    applies_to=target,
                    name=name,
                    kind=kind,
                    description=variable.description,
                    position=len(existing),
                )
                existing[(target, name.lower())] = attribute
                result.attributes += 1
            attributes[(target, guid)] = attribute
        attribute = attributes[(target, guid)]
        value = _value(attribute.kind, raw)
        if value is None:
            skipped += bool(raw.strip())
            continue
        model, owner = VALUE_MODELS[target]
        stored = model(attribute=attribute, **{owner: row})
        stored.set_value(value)
        values[model][(attribute.pk, row.pk)] = stored
        result.values += 1
    _store_values(values)
    if skipped:
        result.not_kept["variable values Crosscase cannot read as their attribute's kind"] += skipped


VALUE_MODELS = {
    AttributeTarget.CASE: (CaseAttributeValue, "case"),
    AttributeTarget.TRANSCRIPT: (TranscriptAttributeValue, "transcript"),
}
VALUE_FIELDS = ["value_text", "value_number", "value_date", "value_boolean"]


def _store_values(values: dict[type, dict[tuple, object]]) -> None:
    """Writes the values read, replacing those the owners already hold for the same attributes."""
    for model, rows in values.items():
        owner = "case_id" if model is CaseAttributeValue else "transcript_id"
        held = model.objects.filter(attribute_id__in={attribute for attribute, _ in rows})
        replaced = []
        for stored in held:
            row = rows.pop((stored.attribute_id, getattr(stored, owner)), None)
            if row is not None:
                for name in VALUE_FIELDS:
                    setattr(stored, name, getattr(row, name))
                replaced.append(stored)
        model.objects.bulk_update(replaced, VALUE_FIELDS, batch_size=500)
        model.objects.bulk_create(rows.values(), batch_size=500)


def _memos(
    package, project, user, coder_for, transcripts, segments, of_selection, codes, case_rows, result, used
) -> int:
    memos = []
    for note in package.project.notes:
        if note.guid in used:
            continue
        if not note.text:
            result.not_kept["empty notes"] += 1
            continue
        target: dict = {}
        for kind, guid in note.targets:
            if kind == "source" and guid in transcripts:
                target = {"transcript": transcripts[guid]}
            elif kind == "selection" and guid in of_selection:
                target = {"segment": segments[of_selection[guid]]}
            elif kind == "code" and guid in codes:
                target = {"code": codes[guid]}
            elif kind == "case" and guid in case_rows:
                target = {"case": case_rows[guid]}
            else:
                continue
            break
        if len(note.targets) > 1:
            result.not_kept["links of a note beyond its first (a memo has one target)"] += (
                len(note.targets) - 1
            )
        memos.append(
            Memo(
                project=project,
                author=coder_for(note.author) if note.author else user,
                title=note.name[: Memo._meta.get_field("title").max_length],
                text=note.text,
                **target,
            )
        )
    Memo.objects.bulk_create(memos)
    return len(memos)


@transaction.atomic
def link_coder(*, project: Project, identity, member, user) -> int:
    """Gives the codings, quotations and memos of the imported coder `identity` to `member`, and removes the
    identity. Where the member already has a quotation of the same span, the identity's codings join it (a
    code both applied is kept once). Returns how many codings moved."""
    if identity.profile.kind != Identity.IMPORTED:
        raise Refused("Only an imported coder can be linked to a member.")
    moved = 0
    theirs = Segment.objects.filter(project=project, created_by=identity).select_related(None)
    mine = {
        (segment.transcript_id, segment.start, segment.end): segment
        for segment in Segment.objects.filter(project=project, created_by=member)
    }
    for segment in theirs:
        keep = mine.get((segment.transcript_id, segment.start, segment.end))
        if keep is None:
            segment.created_by = member
            segment.save(update_fields=["created_by", "updated_at"])
            moved += Coding.objects.filter(segment=segment, coder=identity).update(coder=member)
            continue
        held = set(keep.codings.filter(coder=member).values_list("code_id", flat=True))
        for coding in Coding.objects.filter(segment=segment, coder=identity):
            if coding.code_id not in held:
                coding.segment, coding.coder = keep, member
                coding.save(update_fields=["segment", "coder", "updated_at"])
                held.add(coding.code_id)
                moved += 1
        if segment.memo and segment.memo not in keep.memo:
            keep.memo = "\n\n".join(filter(None, [keep.memo, segment.memo]))
            keep.save(update_fields=["memo", "updated_at"])
        Memo.objects.filter(segment=segment).update(segment=keep)
        segment.delete()
    moved += Coding.objects.filter(segment__project=project, coder=identity).update(coder=member)
    Memo.objects.filter(project=project, author=identity).update(author=member)
    name = display_name(identity)
    record(
        project=project,
        user=user,
        action=CodebookAction.IMPORT,
        summary=f"Linked the imported coder {name} to {display_name(member)}: {moved} codings moved",
        detail={"imported coder": name, "member": display_name(member), "codings": moved},
    )
    if not Coding.objects.filter(coder=identity).exists():
        identity.delete()
    return moved
