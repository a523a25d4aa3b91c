"""Export → validate → re-import → export: the project that comes back is the one that went out.

The second archive is compared with the first modulo GUIDs: the re-imported objects are new rows (a memo's
GUID is unique across projects, coders come back as imported identities with GUIDs of their own), so each
reference is compared by what it names. Times are left out of the comparison: an import records when it
wrote each row, not when the producer did.

What does not travel (asserted below where it can be seen):
- a coder's login account: coders come back as imported identities, with the same display names;
- speaker labels (recognised again from the text), assignments, history, roles, original files;
- quotation numbers (Q12 becomes the next free number of the importing project);
- a transcript without a creator comes back created by whoever imported it; a code relation's creator
  travels only as the author of its memo;
- the project's own name and description (an import writes into a project that exists).
- the creation and modification times of transcripts, quotations, codings and memos.
"""

import io
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from accounts.people import display_name
from cases.models import (
    Attribute,
    CaseAttributeValue,
    InterviewSet,
    Project,
    SetKind,
    Transcript,
    TranscriptAttributeValue,
)
from codebook.models import CodeRelation
from coding.demo.seed import ensure_demo
from coding.exchange.qdpx.archive import read_archive
from coding.exchange.qdpx.export import write_qdpx
from coding.exchange.qdpx.importing import import_package
from coding.models import Coding, Memo, Segment
from coding.perf.corpus import make_corpus
from tests.factories import UserFactory

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "fixtures" / "refi" / "Project.xsd")))
ASTRAL = "𠮷野家 😀 said: data ownership is the barrier.\n\n𠮷 again: budgets 😀😀 matter."
REFERENCES = ("targetGUID", "originGUID", "creatingUser", "creatingUserGUID")
TIMES = ("creationDateTime", "modifiedDateTime")
NUMBER = re.compile(r"^Q\d+\b")  # a quotation's number, as it names its selection and its memo's note


def unnumbered(name: str | None) -> str | None:
    return NUMBER.sub("Q#", name) if name else name


def export(project) -> bytes:
    buffer = io.BytesIO()
    write_qdpx(project=project, file=buffer)
    return buffer.getvalue()


def reimport(data: bytes, project: Project) -> Project:
    """Into a fresh project of the same name and description: an import writes into a project that exists,
    and leaves its name and description as they are."""
    user = project.created_by
    fresh = Project.objects.create(name=project.name, description=project.description, created_by=user)
    package = read_archive(io.BytesIO(data), filename="round.qdpx")
    result = import_package(package=package, project=fresh, user=user)
    assert not result.unplaced and not result.warnings
    return fresh


@pytest.fixture
def project(db):
    """The demo project with an astral interview, two coders' quotations with valences, memos on every target
    and quotation memos, a code relation, attribute values of every kind, and a set of interviews, a set of
    cases and an empty set."""
    project = ensure_demo().project
    owner = project.created_by
    other = UserFactory()
    case = project.cases.order_by("name").first()
    transcript = Transcript.objects.create(
        case=case,
        title="Astral interview",
        text=ASTRAL,
        respondent="R99",
        respondent_role="Planner",
        interview_date=date(2021, 5, 4),
        language="zh-Hant",
        note="Recorded in the city hall",
        created_by=owner,  # one with no creator comes back created by whoever imported it
    )
    codes = list(project.codes.filter(is_codable=True).order_by("pk")[:3])
    for coder, needle, valences in (
        (owner, "data ownership", ["negative", "positive", "none"]),
        (other, "data ownership", ["positive", "none"]),
        (other, "budgets 😀😀", ["negative"]),
    ):
        start = ASTRAL.index(needle)
        segment = Segment.objects.create(
            transcript=transcript, start=start, end=start + len(needle), created_by=coder, memo=f"By {coder}"
        )
        for code, valence in zip(codes, valences, strict=False):
            Coding.objects.create(segment=segment, code=code, coder=coder, valence=valence)
    segment = Segment.objects.filter(transcript=transcript).first()
    Memo.objects.create(project=project, author=owner, title="Project memo", text="Across the cities…")
    Memo.objects.create(project=project, author=owner, title="City", text="About this city", case=case)
    Memo.objects.create(project=project, author=other, text="About this interview", transcript=transcript)
    Memo.objects.create(project=project, author=owner, text="About this code", code=codes[0])
    Memo.objects.create(project=project, author=owner, text="About this quotation", segment=segment)
    CodeRelation.objects.create(project=project, source=codes[0], target=codes[1], kind="weakens", memo="Why")
    for kind, value in (("number", Decimal("12.5")), ("date", date(2020, 1, 2)), ("boolean", True)):
        for target, owner_row, model in (
            ("case", case, CaseAttributeValue),
            ("transcript", transcript, TranscriptAttributeValue),
        ):
            attribute = Attribute.objects.create(
                project=project, applies_to=target, name=f"{target} {kind}", kind=kind
            )
            row = model(attribute=attribute, **{target: owner_row})
            row.set_value(value)
            row.save()
    picked = InterviewSet.objects.create(project=project, name="Planners", made_from="Role is Planner")
    picked.transcripts.add(transcript, *project.transcripts.exclude(pk=transcript.pk)[:1])
    cases = InterviewSet.objects.create(
        project=project, name="Two cities", kind=SetKind.CASES, made_from="case number is 12.5"
    )
    cases.cases.add(*project.cases.order_by("name")[:2])
    InterviewSet.objects.create(project=project, name="To fill")
    return project


def snapshot(project: Project) -> dict:
    """Every field that travels, keyed by what names it rather than by ids or GUIDs."""
    codes = {code.pk: code for code in project.codes.all()}

    def path(code_id):
        names, code = [], codes[code_id]
        while code is not None:
            names.append(code.name)
            code = codes.get(code.parent_id)
        return " > ".join(reversed(names))

    transcripts = project.transcripts.select_related("case")
    return {
        "transcripts": sorted(
            (
                t.case.name,
                t.title,
                t.text,
                t.note,
                t.respondent,
                t.respondent_role,
                t.interview_date,
                t.language,
            )
            for t in transcripts
        ),
        "cases": sorted((case.name, case.description) for case in project.cases.all()),
        "attributes": sorted(
            (a.applies_to, a.name, a.kind, a.description) for a in Attribute.objects.filter(project=project)
        ),
        "case values": sorted(
            (v.case.name, v.attribute.name, str(v.value))
            for v in CaseAttributeValue.objects.filter(case__project=project).select_related(
                "case", "attribute"
            )
        ),
        "transcript values": sorted(
            (v.transcript.title, v.attribute.name, str(v.value))
            for v in TranscriptAttributeValue.objects.filter(
                transcript__case__project=project
            ).select_related("transcript", "attribute")
        ),
        "codes": sorted(
            (
                path(code.pk),
                code.colour,
                code.is_codable,
                code.definition,
                code.inclusion,
                code.exclusion,
                code.example,
                code.level,
                code.framework,
                code.is_core,
            )
            for code in codes.values()
        ),
        "quotations": sorted(
            (s.transcript.title, s.start, s.end, s.quote, display_name(s.created_by), s.memo)
            for s in Segment.objects.filter(project=project).select_related(
                "transcript", "created_by__profile"
            )
        ),
        "codings": sorted(
            (
                c.segment.transcript.title,
                c.segment.start,
                c.segment.end,
                path(c.code_id),
                display_name(c.coder),
                c.valence,
            )
            for c in Coding.objects.filter(segment__project=project).select_related(
                "segment__transcript", "coder__profile"
            )
        ),
        "memos": sorted(
            (
                m.title,
                m.text,
                display_name(m.author),
                m.case.name if m.case else "",
                m.transcript.title if m.transcript else "",
                path(m.code_id) if m.code_id else "",
                (m.segment.transcript.title, m.segment.start, m.segment.end) if m.segment else (),
            )
            for m in Memo.objects.filter(project=project).select_related(
                "case", "transcript", "segment__transcript", "author__profile"
            )
        ),
        "relations": sorted(
            (path(r.source_id), r.kind, path(r.target_id), r.memo) for r in project.code_relations.all()
        ),
        "sets": sorted(
            (
                s.name,
                s.kind,
                s.made_from,
                sorted(s.transcripts.values_list("title", flat=True)),
                sorted(s.cases.values_list("name", flat=True)),
            )
            for s in project.interview_sets.all()
        ),
    }


def canonical(data: bytes):
    """The archive's XML with each GUID replaced by the name of what it identifies, times left out, and
    siblings in a fixed order; and each source file by its source's name."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(archive.read("project.qde"))
    names = {
        element.get("guid").lower(): f"{etree.QName(element).localname}:{unnumbered(element.get('name'))}"
        for element in root.iter()
        if element.get("guid")
    }

    def walk(element):
        attributes = []
        for key, value in sorted(element.attrib.items()):
            if key in TIMES or key == "guid":
                continue
            if key == "name":
                value = unnumbered(value)
            if key in REFERENCES:
                value = names.get(value.lower(), "?")
            if key == "plainTextPath":
                guid = value.removeprefix("internal://").removesuffix(".txt")
                value = (names[guid], archive.read(f"sources/{guid}.txt").decode("utf-8"))
            attributes.append((key, value))
        children = sorted(walk(child) for child in element)
        return (
            etree.QName(element).localname,
            tuple(attributes),
            (element.text or "").strip(),
            tuple(children),
        )

    return walk(root)


def test_export_validate_import_export_gives_the_same_project(project):
    first = export(project)
    assert SCHEMA.validate(etree.fromstring(zipfile.ZipFile(io.BytesIO(first)).read("project.qde")))
    fresh = reimport(first, project)
    before, after = snapshot(project), snapshot(fresh)
    for key in before:
        assert after[key] == before[key], key
    assert ("Astral interview", ASTRAL) in {(t.title, t.text) for t in fresh.transcripts.all()}
    assert [(kind, len(held) + len(cases)) for _, kind, _, held, cases in after["sets"]] == [
        ("transcripts", 2),
        ("transcripts", 0),
        ("cases", 2),
    ]
    second = export(fresh)
    assert SCHEMA.validate(etree.fromstring(zipfile.ZipFile(io.BytesIO(second)).read("project.qde")))
    one, two = canonical(first), canonical(second)
    assert one[1:3] == two[1:3]
    for part_one, part_two in zip(one[3], two[3], strict=True):
        if part_one[0] == "Users":
            # The importing account is a user of the new project beside the coders, who come back as
            # imported identities of the same names: the same names, one of them twice.
            assert set(part_one[3]) == set(part_two[3])
            continue
        assert part_one == part_two, part_one[0]


def test_importing_costs_the_same_queries_for_twice_the_interviews(db):
    """The transcripts, cases, values, quotations, codings and memos are written in bulk: the queries grow
    with the codebook and the variables (each new code is written on its own by the codebook's import), not
    with the interviews."""
    user = UserFactory()
    counts = []
    for transcripts in (2, 4):
        corpus = make_corpus(
            name=f"Import {transcripts}",
            transcripts_per_scale=transcripts,
            words=300,
            segments_per_transcript=6,
        )
        data = export(corpus.project)
        fresh = Project.objects.create(name=f"Fresh {transcripts}", created_by=user)
        with CaptureQueriesContext(connection) as captured:
            result = import_package(
                package=read_archive(io.BytesIO(data), filename="x.qdpx"), project=fresh, user=user
            )
        assert result.transcripts == corpus.project.transcripts.count()
        assert result.codings == Coding.objects.filter(segment__project=corpus.project).count() > 0
        counts.append(len(captured))
    assert counts[0] == counts[1]
