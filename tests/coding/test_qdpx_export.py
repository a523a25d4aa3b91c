"""The whole project as a REFI-QDA archive: valid against Project.xsd, every object in it, spans exact."""

import io
import uuid
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from accounts.people import consensus_coder, display_name, user_guid
from cases.models import (
    AccessAction,
    AccessEvent,
    Attribute,
    CaseAttributeValue,
    InterviewSet,
    Job,
    JobStatus,
    Role,
    Transcript,
    TranscriptAttributeValue,
)
from codebook.exchange.exports import description
from codebook.models import CodeRelation
from coding.demo.seed import ensure_demo
from coding.exchange.qdpx.export import (
    NAMESPACE,
    TRANSCRIPT_METADATA,
    VALENCE_NOTES,
    coding_guid,
    segment_memo_guid,
    write_qdpx,
)
from coding.exchange.qdpx.interview_sets import CASES_LINE
from coding.models import Coding, Memo, Segment
from tests.factories import CaseFactory, CodeFactory, MembershipFactory, ProjectFactory, TranscriptFactory

SCHEMA = etree.XMLSchema(etree.parse(str(Path(__file__).parents[1] / "fixtures" / "refi" / "Project.xsd")))
NS = {"q": NAMESPACE}
ASTRAL = "𠮷野家 😀 said: data ownership is the barrier.\n\n𠮷 again: budgets 😀😀 matter."


def export(project) -> tuple[zipfile.ZipFile, etree._Element, bytes]:
    buffer = io.BytesIO()
    write_qdpx(project=project, file=buffer)
    data = buffer.getvalue()
    archive = zipfile.ZipFile(io.BytesIO(data))
    root = etree.fromstring(archive.read("project.qde"))
    return archive, root, data


def valid(root: etree._Element) -> bool:
    if SCHEMA.validate(root):
        return True
    raise AssertionError(SCHEMA.error_log)


def source_text(archive: zipfile.ZipFile, source: etree._Element) -> str:
    path = source.get("plainTextPath")
    assert path.startswith("internal://")
    return archive.read(f"sources/{path.removeprefix('internal://')}").decode("utf-8")


@pytest.fixture
def demo(db):
    """The demo project, plus an interview with characters outside the BMP, memos on every target, a code
    relation with a memo, consensus codings and attribute values of every kind."""
    project = ensure_demo().project
    owner = project.created_by
    case = project.cases.order_by("name").first()
    transcript = Transcript.objects.create(
        case=case, title="Astral interview", text=ASTRAL, respondent="R99", interview_date=date(2021, 5, 4)
    )
    codes = list(project.codes.filter(is_codable=True).order_by("pk")[:2])
    start = ASTRAL.index("data ownership")
    segment = Segment.objects.create(
        transcript=transcript,
        start=start,
        end=start + len("data ownership"),
        created_by=owner,
        memo="Key line",
    )
    Coding.objects.create(segment=segment, code=codes[0], coder=owner, valence="negative")
    consensus = consensus_coder()
    later = ASTRAL.index("budgets 😀😀")
    agreed = Segment.objects.create(
        transcript=transcript, start=later, end=later + len("budgets 😀😀"), created_by=consensus
    )
    Coding.objects.create(segment=agreed, code=codes[1], coder=consensus, valence="positive")
    Memo.objects.create(project=project, author=owner, title="Project memo", text="Across the cities…")
    Memo.objects.create(project=project, author=owner, text="About this city", case=case)
    Memo.objects.create(project=project, author=owner, text="About this interview", transcript=transcript)
    Memo.objects.create(project=project, author=owner, text="About this code", code=codes[0])
    Memo.objects.create(project=project, author=owner, text="About this quotation", segment=segment)
    CodeRelation.objects.create(project=project, source=codes[0], target=codes[1], kind="weakens", memo="Why")
    for kind, value in (("number", Decimal("12.5")), ("date", date(2020, 1, 2)), ("boolean", True)):
        attribute = Attribute.objects.create(
            project=project, applies_to="case", name=f"case {kind}", kind=kind
        )
        row = CaseAttributeValue(case=case, attribute=attribute)
        row.set_value(value)
        row.save()
        attribute = Attribute.objects.create(
            project=project, applies_to="transcript", name=f"interview {kind}", kind=kind
        )
        row = TranscriptAttributeValue(transcript=transcript, attribute=attribute)
        row.set_value(value)
        row.save()
    return project


def test_demo_export_is_valid_against_the_schema(demo):
    _, root, _ = export(demo)
    assert valid(root)
    assert root.get("name") == demo.name and root.get("origin") == "Crosscase"
    assert root.findtext("q:Description", namespaces=NS) == demo.description
    # Every element in the default namespace, none under an invented prefix.
    assert {element.prefix for element in root.iter()} == {None}


def test_empty_project_export_is_valid(db):
    project = ProjectFactory(name="Nothing yet")
    archive, root, _ = export(project)
    assert valid(root)
    assert archive.namelist() == ["project.qde"]
    assert root.find("q:Sources", NS) is None and root.find("q:CodeBook", NS) is None


def test_every_source_is_its_transcripts_text_in_utf8(demo):
    archive, root, _ = export(demo)
    sources = root.findall("q:Sources/q:TextSource", NS)
    transcripts = {str(t.guid): t for t in Transcript.objects.filter(case__project=demo)}
    assert sorted(source.get("guid") for source in sources) == sorted(transcripts)
    for source in sources:
        transcript = transcripts[source.get("guid")]
        assert source.get("name") == transcript.title
        raw = archive.read(f"sources/{transcript.guid}.txt")
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert raw.decode("utf-8") == transcript.text
        assert source.get("plainTextPath") == f"internal://{transcript.guid}.txt"
    assert len(archive.namelist()) == len(transcripts) + 1


def test_every_selection_spans_its_quotation_in_the_source_file(demo):
    archive, root, _ = export(demo)
    segments = {str(s.guid): s for s in Segment.objects.filter(project=demo)}
    seen = 0
    for source in root.iterfind("q:Sources/q:TextSource", NS):
        text = source_text(archive, source)
        for selection in source.iterfind("q:PlainTextSelection", NS):
            segment = segments[selection.get("guid")]
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert (start, end) == (segment.start, segment.end)
            assert text[start:end] == segment.quote
            assert selection.get("name") == segment.citable_id
            assert selection.get("creatingUser") == str(user_guid(segment.created_by))
            assert selection.get("creationDateTime") == segment.created_at.isoformat(
                timespec="seconds"
            ).replace("+00:00", "Z")
            seen += 1
    assert seen == len(segments) > 0


def test_positions_count_code_points_so_astral_characters_count_one(demo):
    archive, root, _ = export(demo)
    source = root.find("q:Sources/q:TextSource[@name='Astral interview']", NS)
    spans = [
        (int(s.get("startPosition")), int(s.get("endPosition")))
        for s in source.iterfind("q:PlainTextSelection", NS)
    ]
    # "𠮷野家 😀 said: " is 12 code points (14 UTF-16 units); the second passage holds two emoji itself.
    assert spans == [(12, 26), (53, 63)]
    text = source_text(archive, source)
    assert [text[a:b] for a, b in spans] == ["data ownership", "budgets 😀😀"]


def test_codebook_carries_every_code_with_its_tree_colour_description_and_codability(demo):
    _, root, _ = export(demo)
    elements = {e.get("guid"): e for e in root.iterfind(".//q:CodeBook//q:Code", NS)}
    codes = list(demo.codes.all())
    assert len(elements) == len(codes)
    by_pk = {code.pk: code for code in codes}
    for code in codes:
        element = elements[str(code.guid)]
        assert element.get("name") == code.name
        assert element.get("color") == code.colour
        assert element.get("isCodable") == ("true" if code.is_codable else "false")
        assert (element.findtext("q:Description", namespaces=NS) or "") == description(code)
        parent = element.getparent()
        if code.parent_id:
            assert parent.get("guid") == str(by_pk[code.parent_id].guid)
        else:
            assert parent.tag == f"{{{NAMESPACE}}}Codes"
    sets = {s.get("name"): s for s in root.iterfind("q:Sets/q:Set", NS)}
    assert {"Level: Axial", "Level: Open", "Framework: IOR", "Framework: ICAF"} <= set(sets)
    axial = {m.get("targetGUID") for m in sets["Level: Axial"].iterfind("q:MemberCode", NS)}
    assert axial == {str(code.guid) for code in codes if code.level == "axial"}


def test_codings_name_their_code_coder_and_valence(demo):
    _, root, _ = export(demo)
    exported = {}
    for selection in root.iterfind(".//q:PlainTextSelection", NS):
        for coding in selection.iterfind("q:Coding", NS):
            notes = [n.get("targetGUID") for n in coding.iterfind("q:NoteRef", NS)]
            exported[coding.get("guid")] = (
                selection.get("guid"),
                coding.find("q:CodeRef", NS).get("targetGUID"),
                coding.get("creatingUser"),
                notes,
            )
    codings = Coding.objects.filter(segment__project=demo).select_related("segment", "code", "coder__profile")
    assert len(exported) == codings.count() > 0
    valence_notes = {guid: str(note) for guid, note in VALENCE_NOTES.items()}
    for coding in codings:
        coder = user_guid(coding.coder)
        guid = coding_guid(segment=coding.segment.guid, code=coding.code.guid, coder=coder)
        expected_notes = [valence_notes[coding.valence]] if coding.valence in valence_notes else []
        assert exported[str(guid)] == (
            str(coding.segment.guid),
            str(coding.code.guid),
            str(coder),
            expected_notes,
        )


def test_users_are_every_coder_by_display_name_the_consensus_layer_included(demo):
    _, root, _ = export(demo)
    users = {u.get("guid"): u.get("name") for u in root.iterfind("q:Users/q:User", NS)}
    consensus = consensus_coder()
    assert users[str(user_guid(consensus))] == "Consensus"
    referenced = {e.get("creatingUser") for e in root.iterfind(".//*[@creatingUser]")}
    assert referenced <= set(users)
    for coding in Coding.objects.filter(segment__project=demo).select_related("coder__profile"):
        assert users[str(user_guid(coding.coder))] == display_name(coding.coder)


def test_memos_are_notes_referenced_from_what_they_are_about(demo):
    _, root, _ = export(demo)
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", NS)}
    for memo in Memo.objects.filter(project=demo):
        note = notes[str(memo.guid)]
        assert note.findtext("q:PlainTextContent", namespaces=NS) == memo.text
        assert note.get("creatingUser") == str(user_guid(memo.author))
        assert note.get("name") == (memo.title or None)
        guid = str(memo.guid)
        if memo.code_id:
            holder = root.find(f".//q:Code[@guid='{memo.code.guid}']", NS)
        elif memo.transcript_id:
            holder = root.find(f".//q:TextSource[@guid='{memo.transcript.guid}']", NS)
        elif memo.segment_id:
            holder = root.find(f".//q:PlainTextSelection[@guid='{memo.segment.guid}']", NS)
        elif memo.case_id:
            link = root.find(f"q:Links/q:Link[@targetGUID='{guid}']", NS)
            assert link.get("originGUID") == str(memo.case.guid) and link.get("name") == "memo"
            continue
        else:
            holder = root
        assert guid in [ref.get("targetGUID") for ref in holder.findall("q:NoteRef", NS)]
    segment = Segment.objects.get(project=demo, memo="Key line")
    note = notes[str(segment_memo_guid(segment.guid))]
    assert note.findtext("q:PlainTextContent", namespaces=NS) == "Key line"
    selection = root.find(f".//q:PlainTextSelection[@guid='{segment.guid}']", NS)
    assert str(segment_memo_guid(segment.guid)) in [
        r.get("targetGUID") for r in selection.findall("q:NoteRef", NS)
    ]
    relation = CodeRelation.objects.get(project=demo, memo="Why")
    link = root.find(f"q:Links/q:Link[@guid='{relation.guid}']", NS)
    assert link.get("originGUID") == str(relation.source.guid) and link.get("targetGUID") == str(
        relation.target.guid
    )
    assert link.get("name") == "weakens"
    assert (
        notes[link.find("q:NoteRef", NS).get("targetGUID")].findtext("q:PlainTextContent", namespaces=NS)
        == "Why"
    )
    expected = (
        Memo.objects.filter(project=demo).count()
        + 1
        + CodeRelation.objects.filter(project=demo).exclude(memo="").count()
        + Segment.objects.filter(project=demo).exclude(memo="").count()
        - 1
    )
    valence_notes = len({c.valence for c in Coding.objects.filter(segment__project=demo)} - {"none"})
    assert len(notes) == expected + valence_notes


def test_cases_and_attributes_are_cases_and_variables_with_their_values(demo):
    _, root, _ = export(demo)
    variables = {v.get("guid"): v for v in root.iterfind("q:Variables/q:Variable", NS)}
    attributes = list(Attribute.objects.filter(project=demo))
    assert len(variables) == len(attributes) + len(TRANSCRIPT_METADATA)
    types = {"text": "Text", "number": "Float", "date": "Date", "boolean": "Boolean"}
    for attribute in attributes:
        variable = variables[str(attribute.guid)]
        assert (variable.get("name"), variable.get("typeOfVariable")) == (
            attribute.name,
            types[attribute.kind],
        )
    cases = {c.get("guid"): c for c in root.iterfind("q:Cases/q:Case", NS)}
    assert len(cases) == demo.cases.count()
    elements = {"text": "TextValue", "number": "FloatValue", "date": "DateValue", "boolean": "BooleanValue"}

    def values_of(element):
        return {
            v.find("q:VariableRef", NS).get("targetGUID"): v[1]
            for v in element.iterfind("q:VariableValue", NS)
        }

    for case in demo.cases.all():
        element = cases[str(case.guid)]
        assert element.get("name") == case.name
        sources = {ref.get("targetGUID") for ref in element.iterfind("q:SourceRef", NS)}
        assert sources == {str(t.guid) for t in case.transcripts.all()}
        values = values_of(element)
        assert len(values) == case.attribute_values.count()
        for row in case.attribute_values.select_related("attribute"):
            value = values[str(row.attribute.guid)]
            assert value.tag == f"{{{NAMESPACE}}}{elements[row.attribute.kind]}"
            if row.attribute.kind == "boolean":
                assert value.text == ("true" if row.value else "false")
            else:
                assert value.text == row.display()
    astral = Transcript.objects.get(case__project=demo, title="Astral interview")
    values = values_of(root.find(f".//q:TextSource[@guid='{astral.guid}']", NS))
    respondent, _, interview_date, _ = TRANSCRIPT_METADATA
    assert values[str(respondent.guid)].text == "R99"
    assert values[str(interview_date.guid)].text == "2021-05-04"
    number = Attribute.objects.get(project=demo, name="interview number")
    assert values[str(number.guid)].text == "12.5"


def test_exporting_twice_gives_the_same_bytes(demo):
    assert export(demo)[2] == export(demo)[2]


def test_exporting_reads_a_fixed_number_of_queries(db, django_assert_num_queries):
    project = ProjectFactory()
    case = CaseFactory(project=project)
    code = CodeFactory(project=project)

    def add_transcripts(count: int) -> None:
        for _ in range(count):
            transcript = TranscriptFactory(case=case)
            segment = Segment.objects.create(
                transcript=transcript, start=0, end=5, created_by=project.created_by
            )
            Coding.objects.create(segment=segment, code=code, coder=MembershipFactory(project=project).user)
            made = InterviewSet.objects.create(project=project, name=f"Set {transcript.pk}")
            made.transcripts.add(transcript)
            InterviewSet.objects.create(
                project=project, name=f"Cases {transcript.pk}", kind="cases"
            ).cases.add(case)

    add_transcripts(1)
    # codes, attributes, cases, transcripts, case and transcript values, segments, codings, memos, relations,
    # sets and their interviews and cases, members, users, texts
    with django_assert_num_queries(16):
        write_qdpx(project=project, file=io.BytesIO())
    add_transcripts(4)
    with django_assert_num_queries(16):
        write_qdpx(project=project, file=io.BytesIO())


def test_interview_sets_are_sets_of_sources_a_set_of_cases_named_in_its_description(db):
    project = ProjectFactory()
    north, south = CaseFactory(project=project, name="North"), CaseFactory(project=project, name="South")
    one, two = TranscriptFactory(case=north, title="N1"), TranscriptFactory(case=north, title="N2")
    three = TranscriptFactory(case=south, title="S1")
    picked = InterviewSet.objects.create(project=project, name="Picked", made_from="Role is planner")
    picked.transcripts.add(one, three)
    whole = InterviewSet.objects.create(
        project=project, name="Whole cases", kind="cases", made_from="Size > 3"
    )
    whole.cases.add(north, south)
    InterviewSet.objects.create(project=project, name="Empty")
    CodeFactory(project=project, level="axial")
    _, root, _ = export(project)
    assert valid(root)
    sets = {s.get("name"): s for s in root.iterfind("q:Sets/q:Set", NS)}
    names = [s.get("name") for s in root.iterfind("q:Sets/q:Set", NS)]
    assert names[-3:] == ["Empty", "Picked", "Whole cases"] and "Level: Axial" in names[:-3]

    def sources(name: str) -> list[str]:
        return [m.get("targetGUID") for m in sets[name].iterfind("q:MemberSource", NS)]

    assert sources("Picked") == [str(one.guid), str(three.guid)]
    assert sets["Picked"].findtext("q:Description", namespaces=NS) == "Made from: Role is planner"
    assert sources("Whole cases") == [str(one.guid), str(two.guid), str(three.guid)]
    assert sets["Whole cases"].findtext("q:Description", namespaces=NS) == (
        f"{CASES_LINE}\nCase: North\nCase: South\nMade from: Size > 3"
    )
    assert sources("Empty") == [] and sets["Empty"].find("q:Description", NS) is None
    assert len({s.get("guid") for s in sets.values()}) == len(sets)


def test_characters_xml_cannot_hold_are_left_out_of_names(db):
    project = ProjectFactory(name="Data\x0bsharing")
    TranscriptFactory(case=CaseFactory(project=project), title="Interview\x01 one")
    _, root, _ = export(project)
    assert valid(root)
    assert root.get("name") == "Datasharing"
    assert root.find("q:Sources/q:TextSource", NS).get("name") == "Interview one"


# The export job -------------------------------------------------------------------------------------------


def work() -> None:
    # As in tests/cases/test_jobs.py: the worker must not close the test transaction's connection.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        quiet = {"stdout": io.StringIO(), "stderr": io.StringIO()}
        call_command("db_worker", batch=True, no_startup_delay=True, **quiet)


def start_export(client, project, capture):
    with capture(execute=True):
        response = client.post(reverse("coding:qdpx_export", args=[project.pk]))
    job = Job.objects.get(project=project)
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    return job


def test_a_member_starts_the_export_sees_it_run_and_downloads_the_archive(
    client_for, project, viewer, transcript, django_capture_on_commit_callbacks
):
    client = client_for(viewer)
    job = start_export(client, project, django_capture_on_commit_callbacks)
    assert job.kind == "qdpx-export" and job.created_by == viewer and job.status == JobStatus.QUEUED
    assert b"Waiting to start" in client.get(job.get_absolute_url()).content

    work()

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and (job.done, job.total) == (1, 1)
    assert ["Sources", 1] in job.result["summary"]
    page = client.get(job.get_absolute_url())
    download = reverse("cases:job_output", args=[project.pk, job.pk])
    assert download.encode() in page.content and job.output_name.encode() in page.content
    assert job.output_name.endswith(".qdpx")
    response = client.get(download)
    assert response.status_code == 200
    assert ".qdpx" in response["Content-Disposition"] and "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert valid(etree.fromstring(archive.read("project.qde")))
    assert archive.read(f"sources/{transcript.guid}.txt").decode() == transcript.text
    event = AccessEvent.objects.get(action=AccessAction.EXPORTED, project_ref=project.pk)
    assert event.detail == job.output_name and event.user_ref == viewer.pk


def test_the_export_reports_each_source_as_it_is_written(project, transcript):
    for _ in range(2):
        TranscriptFactory(case=transcript.case)
    steps = []
    write_qdpx(
        project=project,
        file=io.BytesIO(),
        progress=lambda stage, *, done=0, total=0: steps.append((stage, done, total)),
    )
    sources = [(done, total) for stage, done, total in steps if stage.startswith("Writing the sources")]
    texts = [(done, total) for stage, done, total in steps if stage.startswith("Adding")]
    assert sources == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert texts == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.CODER])
def test_while_blind_coding_only_owners_export_the_whole_project(client_for, project, role):
    project.blind_coding = True
    project.save()
    member = MembershipFactory(project=project, role=role).user
    response = client_for(member).post(reverse("coding:qdpx_export", args=[project.pk]))
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_while_blind_coding_the_owner_still_exports(
    client_for, project, owner, django_capture_on_commit_callbacks
):
    project.blind_coding = True
    project.save()
    start_export(client_for(owner), project, django_capture_on_commit_callbacks)


def test_an_archive_exported_before_blind_coding_is_not_a_members_to_download_during_it(
    client_for, project, viewer, owner, transcript, django_capture_on_commit_callbacks
):
    job = start_export(client_for(viewer), project, django_capture_on_commit_callbacks)
    work()
    project.blind_coding = True
    project.save()
    download = reverse("cases:job_output", args=[project.pk, job.pk])
    assert client_for(viewer).get(download).status_code == 403
    assert client_for(owner).get(download).status_code == 200


def test_starting_the_export_takes_a_fixed_number_of_queries(
    client_for, project, viewer, transcript, django_assert_num_queries
):
    client = client_for(viewer)
    url = reverse("coding:qdpx_export", args=[project.pk])
    # session, user, membership; the job's savepoint, row and release
    with django_assert_num_queries(6):
        client.post(url)
    for _ in range(3):
        TranscriptFactory(case=transcript.case)
    with django_assert_num_queries(6):
        client.post(url)


def test_project_page_offers_the_export(client_for, project, viewer):
    response = client_for(viewer).get(project.get_absolute_url())
    assert reverse("coding:qdpx_export", args=[project.pk]).encode() in response.content


def test_transcripts_sharing_a_guid_fail_the_job_with_a_sentence(
    client_for, project, owner, django_capture_on_commit_callbacks
):
    shared = uuid.uuid4()
    TranscriptFactory(case=CaseFactory(project=project, name="A"), guid=shared)
    TranscriptFactory(case=CaseFactory(project=project, name="B"), guid=shared)
    client = client_for(owner)
    job = start_export(client, project, django_capture_on_commit_callbacks)
    work()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "same GUID" in job.message and not job.output
    assert b"same GUID" in client.get(job.get_absolute_url()).content
    assert not AccessEvent.objects.filter(action=AccessAction.EXPORTED).exists()


@pytest.mark.django_db(transaction=True)
def test_the_migrations_give_every_existing_row_a_guid_of_its_own():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from accounts.models import Profile, derived_user_guid

    executor = MigrationExecutor(connection)
    apps_and_before = {
        "accounts": "0004_coder_identities",
        "cases": "0012_interview_sets",
        "coding": "0010_memo_relations_links_guid",
    }
    before = list(apps_and_before.items())
    after = [node for app in apps_and_before for node in executor.loader.graph.leaf_nodes(app)]
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        users = [old.get_model("auth", "User").objects.create(username=name) for name in ("a", "b")]
        for user in users:
            old.get_model("accounts", "Profile").objects.create(user=user, display_name=user.username.upper())
        project = old.get_model("cases", "Project").objects.create(name="Old")
        for name in ("X", "Y"):
            case = old.get_model("cases", "Case").objects.create(project=project, name=name)
            transcript = old.get_model("cases", "Transcript").objects.create(case=case, text="x" * 50)
            old.get_model("cases", "Attribute").objects.create(project=project, applies_to="case", name=name)
            for start in (0, 10):
                segment = old.get_model("coding", "Segment").objects.create(
                    project=project,
                    number=start + ord(name),
                    transcript=transcript,
                    start=start,
                    end=start + 5,
                )
                old.get_model("coding", "Memo").objects.create(project=project, text="m", segment=segment)
    finally:
        MigrationExecutor(connection).migrate(after)
    from cases.models import Attribute, Case

    for model in (Case, Transcript, Attribute, Segment, Memo):
        guids = list(model.objects.values_list("guid", flat=True))
        assert len(guids) == len(set(guids)) >= 2 and None not in guids, model
    for profile in Profile.objects.select_related("user"):
        assert profile.guid == derived_user_guid(profile.user) == user_guid(profile.user)


def test_an_account_keeps_its_guid_when_it_gets_a_profile(db):
    from accounts.models import Profile
    from tests.factories import UserFactory

    user = UserFactory()
    before = user_guid(user)
    Profile.objects.create(user=user, display_name="Wei Li")
    user.refresh_from_db()
    assert user_guid(user) == before == user.profile.guid
    assert user_guid(UserFactory()) != before


def test_the_command_writes_the_archive_and_says_what_it_holds(project, transcript, tmp_path, capsys):
    from django.core.management import CommandError, call_command

    target = tmp_path / "out.qdpx"
    call_command("export_qdpx", project.name, str(target))
    assert "1 sources" in capsys.readouterr().out
    archive = zipfile.ZipFile(target)
    assert valid(etree.fromstring(archive.read("project.qde")))
    call_command("export_qdpx", str(project.pk), str(target))
    with pytest.raises(CommandError, match="No project"):
        call_command("export_qdpx", "No such project", str(tmp_path / "none.qdpx"))
