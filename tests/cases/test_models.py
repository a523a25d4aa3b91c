"""Invariants the database holds, not only the forms."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from cases.models import Attribute, CaseAttributeValue, Membership, Project, Role
from codebook.models import Code, CodeRelation
from coding.models import Coding, Memo, Segment
from tests.factories import CodeFactory, CodingFactory, SegmentFactory, UserFactory


def violates(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError:
        return True
    return False


def test_project_list_shows_only_the_users_projects(owner, outsider, project):
    assert list(Project.objects.for_user(owner)) == [project]
    assert list(Project.objects.for_user(outsider)) == []


def test_one_membership_per_user_and_project(project, owner):
    assert violates(lambda: Membership.objects.create(project=project, user=owner, role=Role.VIEWER))


def test_membership_role_must_be_known(project):
    assert violates(lambda: Membership.objects.create(project=project, user=UserFactory(), role="admin"))


def test_segment_span_must_be_non_empty(transcript):
    assert violates(lambda: Segment.objects.bulk_create([Segment(transcript=transcript, start=5, end=5)]))
    assert violates(lambda: Segment.objects.bulk_create([Segment(transcript=transcript, start=6, end=5)]))


def test_segment_must_end_inside_the_text_and_snapshots_the_quote(transcript):
    with pytest.raises(ValidationError, match="inside the transcript"):
        Segment.objects.create(transcript=transcript, start=0, end=len(transcript.text) + 1)
    segment = Segment.objects.create(transcript=transcript, start=0, end=11)
    assert segment.quote == "Interviewer"


def test_one_coding_per_segment_code_and_coder(transcript):
    coding = CodingFactory(segment=SegmentFactory(transcript=transcript))
    assert violates(
        lambda: Coding.objects.create(segment=coding.segment, code=coding.code, coder=coding.coder)
    )
    Coding.objects.create(segment=coding.segment, code=coding.code, coder=UserFactory())  # another coder may


def test_valence_must_be_known(transcript):
    coding = CodingFactory(segment=SegmentFactory(transcript=transcript))
    coding.valence = "mixed"
    assert violates(coding.save)


def test_code_names_are_unique_among_siblings_regardless_of_case(project):
    parent = CodeFactory(project=project, name="Determinants")
    CodeFactory(project=project, parent=parent, name="Data ownership")
    assert violates(lambda: CodeFactory(project=project, parent=parent, name="data OWNERSHIP"))
    CodeFactory(project=project, name="Data ownership")  # a top-level code may share a child's name
    assert violates(lambda: CodeFactory(project=project, name="DATA ownership"))
    other_parent = CodeFactory(project=project, name="Other")
    CodeFactory(project=project, parent=other_parent, name="Data ownership")


def test_code_colour_must_be_hex(project):
    assert violates(lambda: CodeFactory(project=project, colour="red"))


def test_code_level_must_be_known(project):
    assert violates(lambda: CodeFactory(project=project, level="core"))


def test_relation_cannot_link_a_code_to_itself_or_repeat(project):
    a, b = CodeFactory(project=project), CodeFactory(project=project)
    assert violates(lambda: CodeRelation.objects.create(project=project, source=a, target=a, kind="weakens"))
    CodeRelation.objects.create(project=project, source=a, target=b, kind="weakens")
    assert violates(lambda: CodeRelation.objects.create(project=project, source=a, target=b, kind="weakens"))


def test_memo_attaches_to_at_most_one_object(project, case, transcript, owner):
    Memo.objects.create(project=project, author=owner, text="About the whole project")
    assert violates(lambda: Memo.objects.create(project=project, text="x", case=case, transcript=transcript))
    assert violates(lambda: Memo.objects.create(project=project, text=""))


def test_attribute_value_fills_exactly_one_typed_column(project, case):
    population = Attribute.objects.create(
        project=project, applies_to="case", name="Population", kind="number"
    )
    value = CaseAttributeValue(case=case, attribute=population)
    value.set_value(Decimal("10.5"))
    value.save()
    assert value.display() == "10.5"
    assert violates(
        lambda: CaseAttributeValue.objects.create(
            case=case,
            attribute=Attribute.objects.create(project=project, applies_to="case", name="GDP"),
            value_text="a",
            value_number=1,
        )
    )
    assert violates(
        lambda: CaseAttributeValue.objects.create(case=case, attribute=population, value_number=2)
    )


def test_coded_transcript_text_is_frozen(transcript):
    SegmentFactory(transcript=transcript)
    transcript.text = "Something else entirely"
    with pytest.raises(ValidationError, match="cannot change"):
        transcript.save()
    transcript.refresh_from_db()
    transcript.title = "Renamed"
    transcript.save()  # metadata stays editable


def test_paragraphs_carry_code_point_offsets(transcript):
    transcript.text = "𠮷 first\n\nsecond line\nstill second\n\nthird"
    paragraphs = transcript.paragraphs()
    assert [(start, end) for start, end, _ in paragraphs] == [(0, 7), (9, 33), (35, 40)]
    for start, end, text in paragraphs:
        assert transcript.text[start:end] == text


def test_deleting_a_user_with_codings_is_refused(transcript):
    coding = CodingFactory(segment=SegmentFactory(transcript=transcript))
    with pytest.raises(Exception, match="protected"):
        coding.coder.delete()
    assert Code.objects.filter(pk=coding.code_id).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite stores text uncompressed")
def test_a_long_transcript_is_stored_compressed_with_lz4_where_the_server_has_it(transcript):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        (has_lz4,) = cursor.fetchone()
        text = "Interviewer: how did the councils agree?\n\n" * 500  # past the 2 kB TOAST threshold
        transcript.text = text
        transcript.save()
        cursor.execute(
            "SELECT pg_column_compression(text) FROM cases_transcript WHERE id = %s", [transcript.pk]
        )
        (method,) = cursor.fetchone()
    assert method == ("lz4" if has_lz4 else "pglz")
    transcript.refresh_from_db()
    assert transcript.text == text
