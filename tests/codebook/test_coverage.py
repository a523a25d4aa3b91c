"""Selective coding coverage: which cases and transcripts support each selective category, and which none."""

import pytest
from django.urls import reverse

from codebook.models import CodeRelation
from coding.analysis.coverage import coverage
from tests.factories import CaseFactory, CodeFactory, CodingFactory, SegmentFactory, TranscriptFactory


@pytest.fixture
def study(project, owner):
    x, y = CaseFactory(project=project, name="City X"), CaseFactory(project=project, name="City Y")
    t1, t2, _ = (TranscriptFactory(case=x, title=title) for title in ("X-01", "X-02", "X-03"))
    t3 = TranscriptFactory(case=y, title="Y-01")
    status = CodeFactory(project=project, name="Interagency status", level="selective", is_core=True)
    tension = CodeFactory(project=project, parent=status, name="Tension", level="selective")
    symbiosis = CodeFactory(project=project, parent=status, name="Symbiosis", level="selective")
    determinants = CodeFactory(project=project, name="Determinants", level="axial", is_codable=False)
    ownership = CodeFactory(project=project, parent=determinants, name="Data ownership", level="axial")
    CodeRelation.objects.create(project=project, source=determinants, target=tension, kind="is-cause-of")
    CodeRelation.objects.create(project=project, source=symbiosis, target=tension, kind="contradicts")

    def code(transcript, code, start=0):
        segment = SegmentFactory(transcript=transcript, start=start, end=start + 5, created_by=owner)
        CodingFactory(segment=segment, code=code, coder=owner)

    code(t1, tension)
    code(t2, ownership)
    code(t2, ownership, start=10)
    code(t3, symbiosis)
    return project


def test_support_is_direct_or_through_linked_codes_but_never_through_contradiction(project, study):
    report = coverage(project=project, membership=None)
    by_name = {category.code.name: category for category in report.categories}
    assert report.categories[0].code.name == "Interagency status"  # the core category comes first
    assert set(by_name) == {"Interagency status", "Tension", "Symbiosis"}

    tension = by_name["Tension"]
    rows = {
        row.transcript.title: (row.direct, row.linked) for case in tension.cases for row in case.transcripts
    }
    assert rows == {"X-01": (1, 0), "X-02": (0, 2)}
    assert {code.name for code, _ in tension.linked} == {"Determinants", "Data ownership"}
    assert "Symbiosis" not in {code.name for code, _ in tension.linked}
    assert [t.title for t in tension.unsupported] == ["X-03", "Y-01"]
    assert tension.supporting == 2
    city_y = next(case for case in tension.cases if case.case.name == "City Y")
    assert (city_y.supporting, city_y.total) == (0, 1)

    status = by_name["Interagency status"]
    assert [code.name for code in status.sub_codes] == ["Symbiosis", "Tension"]
    assert status.supporting == 3 and [t.title for t in status.unsupported] == ["X-03"]
    assert [t.title for t in report.unsupported_by_all] == ["X-03"]
    assert report.transcripts == 4


def test_coverage_page_names_the_transcripts_to_check(
    client_for, viewer, project, study, django_assert_max_num_queries
):
    client = client_for(viewer)
    # session, user, membership, codes, relations, codings per code and transcript, transcripts
    with django_assert_max_num_queries(7):
        response = client.get(reverse("codebook:coverage", args=[project.pk]))
    assert response.status_code == 200
    text = response.text
    assert "1 of 4 transcripts support no selective category" in text
    assert "core category" in text
    assert "no transcript of this case supports it" in text


def test_coverage_without_selective_codes_explains_what_to_do(client_for, viewer, project):
    CodeFactory(project=project, name="Open only")
    response = client_for(viewer).get(reverse("codebook:coverage", args=[project.pk]))
    assert "No selective codes yet." in response.text
