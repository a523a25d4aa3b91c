"""Importing REFI-QDA projects (.qdpx): the real archives, each producer's conventions, hostile archives."""

# ruff: noqa: E501 -- the archives' XML is written out whole, as producers write it

import io
import re
import zipfile
from pathlib import Path

import pytest

from accounts.models import Identity
from cases.importing.normalise import normalise
from cases.models import Attribute, CaseAttributeValue, InterviewSet, SetKind, Transcript
from cases.refusals import Refused
from codebook.models import Code
from coding.exchange.qdpx.archive import read_archive
from coding.exchange.qdpx.importing import import_package, imported_coders, link_coder
from coding.exchange.qdpx.interview_sets import CASES_LINE, NOT_TEXT
from coding.exchange.qdpx.offsets import Unit, track
from coding.models import Coding, Memo, Segment
from tests.factories import CaseFactory, CodeFactory, SegmentFactory, TranscriptFactory

FIXTURES = Path(__file__).parent.parent / "fixtures" / "refi"
NVIVO = FIXTURES / "nvivo12-win_oltas0517.qdpx"
QC = FIXTURES / "qc-1.3.2_demo.qdpx"
NS = "urn:QDA-XML:project:1.0"


def reading(text: str) -> str:
    return " ".join(normalise(text).split())


def archive(qde: str, files: dict[str, bytes | str] | None = None, *, declaration: bool = True) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        head = '<?xml version="1.0" encoding="utf-8"?>\n' if declaration else ""
        package.writestr("project.qde", head + qde)
        for name, content in (files or {}).items():
            package.writestr(name, content.encode("utf-8") if isinstance(content, str) else content)
    return buffer.getvalue()


def project_xml(body: str, origin: str = "NVivo for Windows 12.6", extra: str = "") -> str:
    return f'<Project xmlns="{NS}" name="Study" origin="{origin}" {extra}>{body}</Project>'


USERS = '<Users><User guid="29518289-d0e3-447b-b7dd-ae1d8cd880a0" name="Gergo"/></Users>'
CODES = (
    '<CodeBook><Codes><Code guid="5067d381-1dc9-4816-81dd-ae1dbfea2ad7" name="Trust" isCodable="true" '
    'color="#FF0000"><Description>Trust between agencies</Description>'
    '<Code guid="7142c1bf-1bbe-4073-88dd-ae1dbfec9f8f" name="Distrust" isCodable="true"/></Code></Codes></CodeBook>'
)


def source(
    path: str, selections: str, guid: str = "ddbebe1b-306f-4271-acdd-ae1da7c06fcd", name: str = "Interview 1"
):
    named = f'name="{name}" ' if name else ""
    return f'<Sources><TextSource guid="{guid}" {named}plainTextPath="{path}">{selections}</TextSource></Sources>'


def selection(
    start: int, end: int, code: str = "5067d381-1dc9-4816-81dd-ae1dbfea2ad7", guid: str = ""
) -> str:
    guid = guid or f"00000000-0000-4000-8000-{start:06d}{end:06d}"
    return (
        f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}" '
        'creatingUser="29518289-d0e3-447b-b7dd-ae1d8cd880a0">'
        f'<Coding guid="{guid[:-1]}f" creatingUser="29518289-d0e3-447b-b7dd-ae1d8cd880a0">'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
    )


def utf16_span(text: str, needle: str) -> tuple[int, int]:
    index = text.index(needle)
    start = len(text[:index].encode("utf-16-le")) // 2
    return start, start + len(needle.encode("utf-16-le")) // 2


# The real archives


@pytest.mark.django_db
def test_nvivo_windows_places_every_selection_on_the_producers_text(project, owner):
    package = read_archive(NVIVO.read_bytes(), filename=NVIVO.name)
    assert (package.unit, package.selections, package.placed, package.unplaced) == (Unit.UTF16, 303, 303, [])
    result = import_package(package=package, project=project, user=owner)
    assert (result.transcripts, result.codings) == (2, 303)
    assert project.codes.count() == 152
    # Checked against the raw source: UTF-8 with a BOM, read as UTF-16 code units, CRLF as two.
    with zipfile.ZipFile(NVIVO) as raw_archive:
        qde = raw_archive.read("project.qde").decode("utf-8")
        checked = 0
        for guid, body in re.findall(r'<TextSource guid="([^"]+)".*?>(.*?)</TextSource>', qde, re.S):
            raw = raw_archive.read(f"Sources/{guid}.txt")
            assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
            units = raw[3:].decode("utf-8").encode("utf-16-le")
            transcript = Transcript.objects.get(case__project=project, original_name__endswith=f"{guid}.txt")
            quotes = set(Segment.objects.filter(transcript=transcript).values_list("start", "end", "quote"))
            spans = {(quote_start, quote_end): quote for quote_start, quote_end, quote in quotes}
            for start, end in re.findall(r'startPosition="(\d+)" endPosition="(\d+)"', body):
                producer = units[2 * int(start) : 2 * int(end)].decode("utf-16-le")
                matching = [quote for quote in spans.values() if reading(quote) == reading(producer)]
                assert matching, (start, end, producer[:60])
                checked += 1
        assert checked == 303
    # Identical spans (separate selections in NVivo) are one quotation per coder, holding both codes.
    assert Segment.objects.filter(project=project).count() < 303
    assert Coding.objects.filter(segment__project=project).count() == 303


@pytest.mark.django_db
def test_nvivo_positions_read_as_code_points_would_cut_words(project):
    package = read_archive(NVIVO.read_bytes(), filename=NVIVO.name)
    text = package.texts[1]
    as_code_points = track(text.mapped.raw, Unit.CODE_POINT)
    selections = text.source.selections
    cut = sum(not as_code_points.on_word_edges(s.start, s.end) for s in selections)
    assert sum(not text.mapped.on_word_edges(s.start, s.end) for s in selections) < cut / 2


@pytest.mark.django_db
def test_qc_demo_imports_its_codings_and_deep_tree(project, owner):
    package = read_archive(QC.read_bytes(), filename=QC.name)
    assert (package.unit, package.selections, package.placed, package.codings) == (
        Unit.CODE_POINT,
        158,
        158,
        205,
    )
    result = import_package(package=package, project=project, user=owner)
    assert (result.codings, result.coders, result.transcripts) == (205, ["cp"], 2)
    assert project.codes.count() == 262
    deepest = max(_depth(code) for code in project.codes.all())
    assert deepest >= 3
    titles = set(Transcript.objects.filter(case__project=project).values_list("title", flat=True))
    assert titles == {"board_2017", "admin-1"}  # sources without a name are named after their file
    coder = Coding.objects.filter(segment__project=project).first().coder
    assert (coder.is_active, coder.has_usable_password(), coder.profile.kind) == (
        False,
        False,
        Identity.IMPORTED,
    )


def _depth(code: Code) -> int:
    depth = 0
    while code.parent_id:
        code, depth = code.parent, depth + 1
    return depth


@pytest.mark.django_db
def test_importing_twice_matches_codes_by_guid_and_reuses_the_coder(project, owner):
    import_package(package=read_archive(QC.read_bytes(), filename=QC.name), project=project, user=owner)
    result = import_package(
        package=read_archive(QC.read_bytes(), filename=QC.name), project=project, user=owner
    )
    assert (result.codes_new, result.codes_matched) == (0, 262)
    assert project.codes.count() == 262
    assert imported_coders(project).count() == 1


# Producers' conventions


@pytest.mark.django_db
def test_crlf_and_astral_characters_before_a_selection_in_utf16_units(project, owner):
    text = "Intro 😀😀\r\n\r\nWe  share   data\r\nwith the police.\r\n"
    start, end = utf16_span(text, "share   data\r\nwith")
    data = archive(
        project_xml(
            USERS
            + CODES
            + source("internal://ddbebe1b-306f-4271-acdd-ae1da7c06fcd.txt", selection(start, end))
        ),
        {"Sources/ddbebe1b-306f-4271-acdd-ae1da7c06fcd.txt": "\ufeff" + text},
    )
    import_package(package=read_archive(data, filename="s.qdpx"), project=project, user=owner)
    segment = Segment.objects.get(project=project)
    assert segment.quote == "share data\nwith"
    assert segment.transcript.text == "Intro 😀😀\n\nWe share data\nwith the police."


@pytest.mark.django_db
def test_mac_layout_with_upper_case_guids(project, owner):
    guid = "DDBEBE1B-306F-4271-ACDD-AE1DA7C06FCD"
    body = CODES.replace("5067d381-1dc9-4816-81dd-ae1dbfea2ad7", "5067D381-1DC9-4816-81DD-AE1DBFEA2AD7")
    data = archive(
        project_xml(
            USERS + body + source(f"internal://{guid}.txt", selection(0, 2), guid=guid), origin="MAXQDA 2022"
        ),
        {"sources/.root": b"", f"sources/{guid}.txt": "We share."},
    )
    package = read_archive(data, filename="mac.qdpx")
    assert package.placed == 1
    import_package(package=package, project=project, user=owner)
    assert Coding.objects.get(segment__project=project).code.name == "Trust"


@pytest.mark.django_db
def test_qc_conventions_bare_path_no_declaration_no_name_several_codings(project, owner):
    codings = (
        '<PlainTextSelection guid="37323865-3734-6533-3337-623138653238" startPosition="3" endPosition="8">'
        '<Coding guid="66323339-6466-3364-3266-616537386633" creatingUser="29518289-d0e3-447b-b7dd-ae1d8cd880a0">'
        '<CodeRef targetGUID="5067d381-1dc9-4816-81dd-ae1dbfea2ad7"/></Coding>'
        '<Coding guid="66323339-6466-3364-3266-616537386634" creatingUser="29518289-d0e3-447b-b7dd-ae1d8cd880a0">'
        '<CodeRef targetGUID="7142c1bf-1bbe-4073-88dd-ae1dbfec9f8f"/></Coding></PlainTextSelection>'
    )
    data = archive(
        project_xml(USERS + CODES + source("notes.txt", codings, name=""), origin="qc 1.3.2"),
        {"sources/notes.txt": "We share data."},
        declaration=False,
    )
    import_package(package=read_archive(data, filename="qc.qdpx"), project=project, user=owner)
    segment = Segment.objects.get(project=project)
    assert (segment.quote, segment.codings.count(), segment.transcript.title) == ("share", 2, "notes")


@pytest.mark.django_db
def test_atlas_archive_with_only_a_project_file_no_sources_no_codebook(project, owner):
    package = read_archive(archive(project_xml(USERS, origin="ATLAS.ti 23")), filename="atlas.qdpx")
    assert "The archive holds no codebook." in package.warnings
    assert "The archive holds no text sources." in package.warnings
    result = import_package(package=package, project=project, user=owner)
    assert (result.transcripts, result.quotations, project.codes.count()) == (0, 0, 0)


@pytest.mark.django_db
def test_no_codebook_but_sources(project, owner):
    data = archive(
        project_xml(USERS + source("internal://a.txt", "")),
        {"Sources/a.txt": "Only text."},
    )
    result = import_package(package=read_archive(data, filename="a.qdpx"), project=project, user=owner)
    assert result.transcripts == 1 and project.codes.count() == 0


@pytest.mark.django_db
def test_empty_one_byte_source_is_counted_not_imported(project, owner):
    data = archive(
        project_xml(USERS + CODES + source("internal://e.txt", selection(0, 1))), {"Sources/e.txt": b"\n"}
    )
    package = read_archive(data, filename="e.qdpx")
    assert package.not_kept["empty sources"] == 1
    assert package.unplaced[0].sentence() == "Interview 1, 0–1: the source holds no text."
    result = import_package(package=package, project=project, user=owner)
    assert result.transcripts == 0


@pytest.mark.django_db
def test_duplicate_spans_become_one_quotation_with_both_codes(project, owner):
    twice = selection(3, 8, guid="00000000-0000-4000-8000-000000000001") + selection(
        3, 8, code="7142c1bf-1bbe-4073-88dd-ae1dbfec9f8f", guid="00000000-0000-4000-8000-000000000002"
    )
    data = archive(
        project_xml(USERS + CODES + source("internal://a.txt", twice)), {"Sources/a.txt": "We share data."}
    )
    result = import_package(package=read_archive(data, filename="d.qdpx"), project=project, user=owner)
    assert (result.quotations, result.codings) == (1, 2)


@pytest.mark.django_db
def test_modified_without_creation_date_and_unmeasured_producer(project, owner):
    text = "😀 We share data."
    start, end = utf16_span(text, "share")
    data = archive(
        project_xml(
            USERS + CODES + source("internal://a.txt", selection(start, end)),
            origin="SomeTool 1",
            extra='modifiedDateTime="2024-01-01T00:00:00Z"',
        ),
        {"Sources/a.txt": text},
    )
    package = read_archive(data, filename="u.qdpx")
    assert package.unit == Unit.UTF16 and package.placed == 1  # the only unit that places it
    assert any(
        "not a program whose positions Crosscase has measured" in warning for warning in package.warnings
    )


@pytest.mark.django_db
def test_selection_that_cannot_be_placed_is_reported_not_shifted(project, owner):
    text = "A 😀 b"
    data = archive(
        project_xml(USERS + CODES + source("internal://a.txt", selection(3, 4) + selection(0, 99))),
        {"Sources/a.txt": text},
    )
    package = read_archive(data, filename="x.qdpx")
    reasons = [item.sentence() for item in package.unplaced]
    assert reasons == [
        "Interview 1, 3–4: it splits a character in two (half of a UTF-16 surrogate pair).",
        "Interview 1, 0–99: it ends past the end of the text (6 UTF-16 code units).",
    ]
    result = import_package(package=package, project=project, user=owner)
    assert result.quotations == 0 and len(result.unplaced) == 2


@pytest.mark.django_db
def test_cases_variables_notes_and_sets(project, owner):
    body = (
        USERS
        + CODES
        + '<Variables><Variable guid="11111111-0000-4000-8000-000000000001" name="City" typeOfVariable="Text"/>'
        '<Variable guid="11111111-0000-4000-8000-000000000002" name="Size" typeOfVariable="Integer"/></Variables>'
        '<Cases><Case guid="22222222-0000-4000-8000-000000000001" name="City Y">'
        '<VariableValue><VariableRef targetGUID="11111111-0000-4000-8000-000000000001"/><TextValue>Ghent</TextValue></VariableValue>'
        '<VariableValue><VariableRef targetGUID="11111111-0000-4000-8000-000000000002"/><IntegerValue>12</IntegerValue></VariableValue>'
        '<SourceRef targetGUID="ddbebe1b-306f-4271-acdd-ae1da7c06fcd"/></Case></Cases>'
        + source("internal://a.txt", selection(3, 8)).replace(
            "</TextSource>", '<NoteRef targetGUID="33333333-0000-4000-8000-000000000001"/></TextSource>'
        )
        + '<Notes><Note guid="33333333-0000-4000-8000-000000000001" name="First read" creatingUser="29518289-d0e3-447b-b7dd-ae1d8cd880a0">'
        "<PlainTextContent>Police reluctant.</PlainTextContent></Note></Notes>"
        '<Sets><Set guid="44444444-0000-4000-8000-000000000001" name="Wave 1"/></Sets>'
        '<Graphs><Graph guid="55555555-0000-4000-8000-000000000001"/></Graphs>'
    )
    data = archive(project_xml(body), {"Sources/a.txt": "We share data."})
    package = read_archive(data, filename="c.qdpx")
    assert package.not_kept == {"graphs": 1}
    result = import_package(package=package, project=project, user=owner)
    transcript = Transcript.objects.get(case__project=project)
    assert transcript.case.name == "City Y"
    values = {v.attribute.name: v.display() for v in CaseAttributeValue.objects.filter(case=transcript.case)}
    assert values == {"City": "Ghent", "Size": "12"}
    assert Attribute.objects.get(project=project, name="Size").kind == "number"
    memo = Memo.objects.get(project=project)
    assert (memo.title, memo.text, memo.transcript, memo.author.profile.display_name) == (
        "First read",
        "Police reluctant.",
        transcript,
        "Gergo",
    )
    # A set with no members is a set of no interviews: nothing of it is lost.
    assert result.sets == 1 and project.interview_sets.get().name == "Wave 1"


@pytest.mark.django_db
def test_transcripts_without_a_case_go_to_the_chosen_case(project, owner, case):
    data = archive(project_xml(USERS + source("internal://a.txt", "")), {"Sources/a.txt": "Text."})
    import_package(package=read_archive(data, filename="a.qdpx"), project=project, user=owner, case=case)
    assert Transcript.objects.get(case__project=project).case == case


@pytest.mark.django_db
def test_audio_pictures_and_pdf_selections_are_counted(project, owner):
    body = USERS + (
        '<Sources><AudioSource guid="a1" name="Rec"><AudioSelection guid="a2" begin="0" end="5"/></AudioSource>'
        '<PictureSource guid="p1" name="Photo"/>'
        '<PDFSource guid="d1" name="Report"><PDFSelection guid="d2" page="1" firstX="0" firstY="0" secondX="1" secondY="1"/>'
        '<Representation guid="d3" plainTextPath="internal://d3.txt"/></PDFSource></Sources>'
    )
    package = read_archive(archive(project_xml(body), {"Sources/d3.txt": "The report."}), filename="m.qdpx")
    assert package.not_kept == {
        "audio sources": 1,
        "selections in audio sources and their transcripts": 1,
        "picture sources": 1,
        "PDF selections (areas of a page)": 1,
    }
    result = import_package(package=package, project=project, user=owner)
    assert Transcript.objects.get(case__project=project).title == "Report" and result.transcripts == 1


@pytest.mark.django_db
def test_existing_project_matches_codes_by_path_and_name(project, owner):
    existing = CodeFactory(project=project, name="trust")
    data = archive(project_xml(USERS + CODES, origin="qc"))
    result = import_package(package=read_archive(data, filename="a.qdpx"), project=project, user=owner)
    assert result.codes_matched == 1 and project.codes.filter(parent=existing).count() == 1


# Sets

FIRST, SECOND = "ddbebe1b-306f-4271-acdd-ae1da7c06fcd", "ddbebe1b-306f-4271-acdd-ae1da7c06fce"
TWO_SOURCES = (
    f'<Sources><TextSource guid="{FIRST}" name="Interview 1" plainTextPath="internal://a.txt"/>'
    f'<TextSource guid="{SECOND}" name="Interview 2" plainTextPath="internal://b.txt"/>'
    '<AudioSource guid="a1" name="Recording"/><PictureSource guid="p1" name="Photo"/>'
    '<TextSource guid="e1" name="Lost" plainTextPath="internal://missing.txt"/></Sources>'
)
TWO_TEXTS = {"Sources/a.txt": "We share data.", "Sources/b.txt": "We do not."}


def a_set(name: str, *members: str, description: str = "", codes: tuple[str, ...] = ()) -> str:
    described = f"<Description>{description}</Description>" if description else ""
    coded = "".join(f'<MemberCode targetGUID="{guid}"/>' for guid in codes)
    sourced = "".join(f'<MemberSource targetGUID="{guid}"/>' for guid in members)
    return f'<Set guid="{uuid_of(name)}" name="{name}">{described}{coded}{sourced}</Set>'


def uuid_of(name: str) -> str:
    return f"44444444-0000-4000-8000-{sum(map(ord, name)):012d}"


def with_sets(*sets: str, cases: str = "") -> bytes:
    return archive(
        project_xml(USERS + CODES + cases + TWO_SOURCES + f"<Sets>{''.join(sets)}</Sets>"), TWO_TEXTS
    )


def set_warnings(result) -> list[str]:
    return [warning for warning in result.warnings if "set" in warning]


def members(interview_set: InterviewSet) -> tuple[str, list[str], list[str], str]:
    return (
        interview_set.kind,
        sorted(interview_set.transcripts.values_list("title", flat=True)),
        sorted(interview_set.cases.values_list("name", flat=True)),
        interview_set.made_from,
    )


@pytest.mark.django_db
def test_a_set_of_documents_becomes_an_interview_set_with_its_filter(project, owner):
    data = with_sets(a_set("Planners", FIRST, SECOND, description="Made from: Role is planner"))
    package = read_archive(data, filename="s.qdpx")
    assert (package.project.sets, len(package.sets), package.project.code_sets) == (1, 1, 0)
    result = import_package(package=package, project=project, user=owner)
    assert result.sets == 1 and not set_warnings(result)
    made = project.interview_sets.get()
    assert (made.name, made.created_by) == ("Planners", owner)
    assert members(made) == (SetKind.TRANSCRIPTS, ["Interview 1", "Interview 2"], [], "Role is planner")


@pytest.mark.django_db
def test_set_members_that_are_not_text_sources_are_dropped_and_counted(project, owner):
    data = with_sets(a_set("Wave 1", FIRST, "a1", "p1", "e1", "no-such-source"), a_set("Sounds", "a1"))
    package = read_archive(data, filename="s.qdpx")
    assert package.not_kept[NOT_TEXT] == 5
    result = import_package(package=package, project=project, user=owner)
    assert result.not_kept[NOT_TEXT] == 5 and result.sets == 2
    assert members(project.interview_sets.get(name="Wave 1"))[1] == ["Interview 1"]
    assert members(project.interview_sets.get(name="Sounds"))[1] == []


@pytest.mark.django_db
def test_a_set_of_codes_and_sources_keeps_its_sources_and_counts_its_codes(project, owner):
    code = "5067d381-1dc9-4816-81dd-ae1dbfea2ad7"
    data = with_sets(
        a_set("Mixed", FIRST, codes=(code, "7142c1bf-1bbe-4073-88dd-ae1dbfec9f8f")),
        a_set("Favourite codes", codes=(code,)),
        a_set("Level: Axial", codes=(code,)),
        '<Set guid="44444444-0000-4000-8000-000000000009" name="Notes"><MemberNote targetGUID="n1"/></Set>',
    )
    package = read_archive(data, filename="s.qdpx")
    assert (package.project.sets, len(package.sets), package.project.code_sets) == (4, 1, 1)
    assert package.not_kept == {
        "codes in sets of sources (an interview set holds interviews only)": 2,
        "sets of codes other than levels, frameworks and core categories": 1,
        "sets of notes, or of codes the archive does not hold": 1,
        "audio sources": 1,
        "picture sources": 1,
        "sources without readable text": 1,
    }
    result = import_package(package=package, project=project, user=owner)
    assert [s.name for s in project.interview_sets.all()] == ["Mixed"]
    assert members(project.interview_sets.get())[1] == ["Interview 1"]
    assert project.codes.get(name="Trust").level == "axial"
    assert result.not_kept["codes in sets of sources (an interview set holds interviews only)"] == 2


@pytest.mark.django_db
def test_a_set_name_the_project_has_comes_in_numbered_with_a_warning(project, owner):
    InterviewSet.objects.create(project=project, name="wave 1")
    InterviewSet.objects.create(project=project, name="Wave 1 (2)")
    data = with_sets(a_set("Wave 1", FIRST), a_set("WAVE 1", SECOND))
    result = import_package(package=read_archive(data, filename="s.qdpx"), project=project, user=owner)
    assert list(project.interview_sets.values_list("name", flat=True)) == [
        "wave 1",
        "Wave 1 (2)",
        "Wave 1 (3)",
        "WAVE 1 (4)",
    ]
    assert set_warnings(result) == [
        "A set named “Wave 1” exists already; the archive's is imported as “Wave 1 (3)”.",
        "A set named “WAVE 1” exists already; the archive's is imported as “WAVE 1 (4)”.",
    ]
    assert members(project.interview_sets.get(name="WAVE 1 (4)"))[1] == ["Interview 2"]


CASES = (
    f'<Cases><Case guid="22222222-0000-4000-8000-000000000001" name="City Y"><SourceRef targetGUID="{FIRST}"/></Case>'
    f'<Case guid="22222222-0000-4000-8000-000000000002" name="City Z"><SourceRef targetGUID="{SECOND}"/></Case></Cases>'
)


@pytest.mark.django_db
def test_a_set_described_as_of_cases_comes_in_as_a_set_of_those_cases(project, owner):
    existing = CaseFactory(project=project, name="City Z")
    TranscriptFactory(case=existing, title="Earlier interview")
    description = f"{CASES_LINE}\nCase: City Y\nCase: City Z\nMade from: Size is large"
    data = with_sets(a_set("Large cities", FIRST, SECOND, description=description), cases=CASES)
    result = import_package(package=read_archive(data, filename="s.qdpx"), project=project, user=owner)
    assert not set_warnings(result) and result.sets == 1
    assert members(project.interview_sets.get()) == (SetKind.CASES, [], ["City Y", "City Z"], "Size is large")


@pytest.mark.django_db
def test_a_set_of_cases_the_archive_does_not_hold_comes_in_as_its_interviews(project, owner):
    description = f"{CASES_LINE}\nCase: City Y\nCase: Atlantis"
    data = with_sets(a_set("Cities", FIRST, description=description), cases=CASES)
    result = import_package(package=read_archive(data, filename="s.qdpx"), project=project, user=owner)
    assert set_warnings(result) == [
        "The set “Cities” is a set of cases the archive does not hold (Atlantis); it comes in as a set of its "
        "interviews."
    ]
    assert members(project.interview_sets.get()) == (SetKind.TRANSCRIPTS, ["Interview 1"], [], "")


@pytest.mark.django_db
def test_another_programs_set_description_is_counted_not_kept(project, owner):
    data = with_sets(a_set("Phase 1", FIRST, description="The first fieldwork phase"))
    result = import_package(package=read_archive(data, filename="s.qdpx"), project=project, user=owner)
    assert (
        result.not_kept["descriptions of sets (an interview set keeps only the filter it was made from)"] == 1
    )
    assert members(project.interview_sets.get())[3] == ""


# Hostile and broken archives


@pytest.mark.parametrize(
    ("qde", "message"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Project xmlns="'
            + NS
            + '">&b;</Project>',
            "declares a DTD or entities",
        ),
        (
            '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]><Project xmlns="'
            + NS
            + '">&x;</Project>',
            "declares a DTD or entities",
        ),
        ('<Project xmlns="' + NS + '"><Users>', "not well-formed XML"),
        ("<CodeBook/>", "is not a REFI-QDA project"),
    ],
)
def test_hostile_or_broken_project_files_are_refused(db, qde, message):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("project.qde", qde)
    with pytest.raises(Refused, match=message):
        read_archive(buffer.getvalue(), filename="bad.qdpx")


def test_zip_bomb_is_refused(db):
    # 20 MB of one letter deflates to a few kB: far past the ratio the archive's size allows.
    data = archive(
        project_xml(USERS + source("internal://big.txt", "")), {"Sources/big.txt": b"a" * 20_000_000}
    )
    with pytest.raises(Refused, match="unpacks to more than"):
        read_archive(data, filename="bomb.qdpx")


def test_too_many_members_is_refused(db, settings):
    data = archive(project_xml(USERS), {f"Sources/{n}.txt": b"x" for n in range(5_001)})
    with pytest.raises(Refused, match="holds more than 5,000 files"):
        read_archive(data, filename="many.qdpx")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "Sources/../../x.txt", "C:/x.txt"])
def test_path_traversal_names_are_refused(db, name):
    data = archive(project_xml(USERS), {name: b"x"})
    with pytest.raises(Refused, match="outside the archive"):
        read_archive(data, filename="trav.qdpx")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"not a zip at all", "not a readable .qdpx archive"),
        (archive(project_xml(USERS))[:200], "not a readable .qdpx archive|could not be read"),
    ],
)
def test_malformed_archives_get_a_sentence(db, data, message):
    with pytest.raises(Refused, match=message):
        read_archive(data, filename="broken.qdpx")


def test_archive_without_project_file(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hi")
    with pytest.raises(Refused, match=r"holds no project\.qde"):
        read_archive(buffer.getvalue(), filename="x.qdpx")


@pytest.mark.django_db
def test_a_refused_codebook_writes_nothing(project, owner):
    twins = (
        '<CodeBook><Codes><Code guid="9067d381-1dc9-4816-81dd-ae1dbfea2ad7" name="Same" isCodable="true"/>'
        '<Code guid="a067d381-1dc9-4816-81dd-ae1dbfea2ad7" name="same" isCodable="true"/></Codes></CodeBook>'
    )
    data = archive(project_xml(USERS + twins + source("internal://a.txt", "")), {"Sources/a.txt": "x"})
    with pytest.raises(Refused, match="would stand next to another code"):
        import_package(package=read_archive(data, filename="a.qdpx"), project=project, user=owner)
    assert not Transcript.objects.filter(case__project=project).exists()
    assert project.codes.count() == 0


# Linking an imported coder to a member


@pytest.mark.django_db
def test_linking_an_imported_coder_moves_codings_and_merges_spans(project, owner):
    data = archive(
        project_xml(USERS + CODES + source("internal://a.txt", selection(3, 8) + selection(9, 13))),
        {"Sources/a.txt": "We share data."},
    )
    import_package(package=read_archive(data, filename="a.qdpx"), project=project, user=owner)
    identity = imported_coders(project).get()
    transcript = Transcript.objects.get(case__project=project)
    trust = project.codes.get(name="Trust")
    mine = SegmentFactory(transcript=transcript, start=3, end=8, created_by=owner)
    Coding.objects.create(segment=mine, code=trust, coder=owner)
    moved = link_coder(project=project, identity=identity, member=owner, user=owner)
    assert moved == 1  # the same code on the same span is kept once
    assert not imported_coders(project).exists()
    assert set(Segment.objects.filter(project=project).values_list("start", "created_by")) == {
        (3, owner.pk),
        (9, owner.pk),
    }
    assert Coding.objects.filter(segment__project=project, coder=owner).count() == 2


@pytest.mark.django_db
def test_source_with_only_a_docx_is_imported_and_its_selections_reported(project, owner):
    with zipfile.ZipFile(NVIVO) as nvivo:
        docx = nvivo.read("Sources/ddbebe1b-306f-4271-acdd-ae1da7c06fcd.docx")
    body = (
        '<Sources><TextSource guid="ddbebe1b-306f-4271-acdd-ae1da7c06fcd" name="Word only" '
        f'richTextPath="internal://w.docx">{selection(0, 5)}</TextSource></Sources>'
    )
    package = read_archive(
        archive(project_xml(USERS + CODES + body), {"Sources/w.docx": docx}), filename="w.qdpx"
    )
    assert package.texts[0].text.startswith("video")
    assert package.unplaced[0].reason.startswith("the archive has no plain text for this source")
    result = import_package(package=package, project=project, user=owner)
    assert (result.transcripts, result.quotations) == (1, 0)
