"""Interview sets: made by hand or from an attribute filter, as matrix columns and filters, and their pages.
Data from the `analysis` fixture (tests/conftest.py)."""

import pytest
from django.urls import reverse

from cases.models import InterviewSet, SetKind, TranscriptAttributeValue
from cases.sets import create_set
from coding.analysis.matrix import Measure, Spec, build_matrix
from coding.analysis.retrieval import SETS, Condition, Criteria, load_facets, select
from tests.coding.test_matrix import grid
from tests.factories import CaseFactory, ProjectFactory, TranscriptFactory


def matrix(project, *, columns: str, where=(), **spec):
    facets = load_facets(project=project)
    conditions = tuple(Condition(facets.dimensions[key], frozenset(values)) for key, values in where)
    return build_matrix(
        facets=facets,
        spec=Spec(dimension=facets.dimensions[columns], criteria=Criteria(where=conditions), **spec),
    )


def column(table: dict, label: str) -> dict:
    return {row: cells[label] for row, cells in table.items()}


def make(client, project, **data):
    return client.post(reverse("coding:set_create", args=[project.pk]), data)


@pytest.fixture
def recorded_set(analysis, client_for):
    """The interviews recorded = yes (X1, Y1, Y3), made from the filter by the coder."""
    recorded = f"attr-{analysis.attributes.recorded.pk}"
    response = make(
        client_for(analysis.coder),
        analysis.project,
        name="Recorded",
        kind="transcripts",
        where=[f"{recorded}:yes"],
    )
    assert response.status_code == 302
    return InterviewSet.objects.get(name="Recorded")


@pytest.mark.parametrize("measure", list(Measure))
@pytest.mark.parametrize("valence", [False, True])
def test_a_set_as_columns_gives_the_cells_of_the_equivalent_attribute_filter(
    analysis, recorded_set, measure, valence
):
    recorded = f"attr-{analysis.attributes.recorded.pk}"
    assert set(recorded_set.transcripts.values_list("title", flat=True)) == {"X1", "Y1", "Y3"}
    by_set = matrix(analysis.project, columns=SETS, measure=measure, valence=valence)
    filtered = matrix(
        analysis.project, columns="case", where=[(recorded, {"yes"})], measure=measure, valence=valence
    )
    for part in ("all", "positive", "negative") + (("share",) if measure == Measure.SHARE else ()):
        assert column(grid(by_set, part), "Recorded") == column(grid(filtered, part), "Total"), part
    interviews = {c.label: c.interviews for c in by_set.columns}
    assert interviews == {"Recorded": 3, "(in no set)": 3}


def test_overlapping_sets_count_an_interview_in_each_and_once_in_the_total(analysis, recorded_set, owner):
    t = analysis.transcripts
    create_set(
        project=analysis.project,
        name="Leaders",
        kind=SetKind.TRANSCRIPTS,
        transcripts=[t.x1, t.y1, t.y3],
        user=owner,
    )
    create_set(
        project=analysis.project, name="City X", kind=SetKind.CASES, cases=[analysis.cases.x], user=owner
    )
    table = grid(matrix(analysis.project, columns=SETS))
    assert table["Data ownership"] == {"City X": 2, "Leaders": 3, "Recorded": 3, "(in no set)": 1, "Total": 4}
    assert table["Any code"]["Total"] == 7
    by_case = grid(matrix(analysis.project, columns="case"))
    assert table["Any code"]["Total"] == by_case["Any code"]["Total"]


def test_a_set_of_cases_takes_interviews_added_to_them_later(analysis, owner):
    city_x = create_set(
        project=analysis.project, name="X", kind=SetKind.CASES, cases=[analysis.cases.x], user=owner
    )
    TranscriptFactory(case=analysis.cases.x, title="X3")
    columns = {c.label: c.interviews for c in matrix(analysis.project, columns=SETS).columns}
    assert columns["X"] == 3
    assert city_x.transcripts.count() == 0


def test_a_set_filters_retrieval_and_its_cell_drills_into_the_same_passages(
    analysis, recorded_set, client_for
):
    facets = load_facets(project=analysis.project)
    criteria = Criteria(where=(Condition(facets.dimensions[SETS], frozenset({str(recorded_set.pk)})),))
    selection = select(project=analysis.project, criteria=criteria, tree=facets.tree)
    segments = set(selection.segments().values_list("pk", flat=True))
    s = analysis.segments
    assert segments == {s.s1.pk, s.s2.pk, s.s4.pk, s.s5.pk, s.s7.pk}
    client = client_for(analysis.owner)
    url = reverse("coding:matrix", args=[analysis.project.pk])
    response = client.get(url, {"columns": SETS, "node": 0, "col": f"v:{recorded_set.pk}"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 5
    response = client.get(url, {"columns": SETS, "node": 0, "col": "v:"})
    assert response.context["page"].paginator.count == 2  # s3 (X2), s6 (Y2): in no set


def test_a_filter_set_keeps_its_members_when_attributes_change(analysis, recorded_set):
    TranscriptAttributeValue.objects.filter(transcript=analysis.transcripts.x1).update(value_boolean=False)
    assert set(recorded_set.transcripts.values_list("title", flat=True)) == {"X1", "Y1", "Y3"}
    assert "Recorded (interview) is yes" in recorded_set.made_from


def test_hand_picked_sets_and_their_pages(analysis, client_for, django_assert_num_queries):
    client = client_for(analysis.coder)
    project = analysis.project
    t = analysis.transcripts
    response = make(client, project, name="Chinese", kind="transcripts", transcripts=[t.y2.pk])
    assert response.status_code == 302
    chinese = InterviewSet.objects.get(name="Chinese")
    assert list(chinese.transcripts.all()) == [t.y2]
    edit = reverse("coding:set_edit", args=[project.pk, chinese.pk])
    response = client.post(
        edit, {"name": "Cities", "kind": "cases", "cases": [analysis.cases.x.pk, analysis.cases.z.pk]}
    )
    assert response.status_code == 302
    chinese.refresh_from_db()
    assert chinese.name == "Cities" and chinese.kind == "cases"
    assert (
        set(chinese.cases.all()) == {analysis.cases.x, analysis.cases.z} and not chinese.transcripts.exists()
    )
    assert client.get(reverse("coding:set_detail", args=[project.pk, chinese.pk])).status_code == 200
    make(client, project, name="Leaders", kind="transcripts", transcripts=[t.x1.pk, t.y1.pk])
    # session, user, membership; the facets the form reads (cases, attributes with sets and saved queries,
    # roles, case and interview values); the interviews to pick from; sets, their cases, their interviews
    with django_assert_num_queries(13):
        page = client.get(reverse("coding:set_list", args=[project.pk]))
    assert "Cities" in page.content.decode() and "Leaders" in page.content.decode()
    make(client, project, name="More", kind="transcripts", transcripts=[t.x2.pk, t.z1.pk])
    with django_assert_num_queries(13):
        client.get(reverse("coding:set_list", args=[project.pk]))
    delete = reverse("coding:set_delete", args=[project.pk, chinese.pk])
    assert client.post(delete).status_code == 302
    assert list(InterviewSet.objects.values_list("name", flat=True)) == ["Leaders", "More"]


def test_bad_sets_are_refused_with_a_sentence_and_nothing_is_written(analysis, client_for, recorded_set):
    client = client_for(analysis.coder)
    project = analysis.project
    foreign = TranscriptFactory(case=CaseFactory(project=ProjectFactory()))
    cases = [
        (
            {"name": "recorded", "kind": "transcripts", "transcripts": [analysis.transcripts.x1.pk]},
            "exists already",
        ),
        (
            {"name": "", "kind": "transcripts", "transcripts": [analysis.transcripts.x1.pk]},
            "This field is required",
        ),
        ({"name": "Foreign", "kind": "transcripts", "transcripts": [foreign.pk]}, "Select a valid choice"),
        ({"name": "Empty", "kind": "cases"}, "The set would be empty"),
    ]
    for data, message in cases:
        response = make(client, project, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert list(InterviewSet.objects.values_list("name", flat=True)) == ["Recorded"]


def test_viewer_reads_sets_but_cannot_make_them(analysis, recorded_set, viewer, client_for):
    client = client_for(viewer)
    project = analysis.project
    assert client.get(reverse("coding:set_list", args=[project.pk])).status_code == 200
    assert client.get(reverse("coding:set_detail", args=[project.pk, recorded_set.pk])).status_code == 200
    assert make(client, project, name="Mine", kind="cases", cases=[analysis.cases.x.pk]).status_code == 403
    assert InterviewSet.objects.count() == 1
