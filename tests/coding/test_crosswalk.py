"""A meta-analysis project's studies and crosswalk: study codings count as the project codes they are mapped
to, with the valence a mapping implies, in the matrix, retrieval, drill-down, report and excerpt export."""

import csv
import io

import pytest
from django.urls import reverse

from cases.models import Study
from codebook.models import CodebookAction, CodebookEvent
from coding import crosswalk
from coding.analysis.matrix import Spec, build_matrix
from coding.analysis.retrieval import Criteria, load_facets, select
from coding.models import CodeMapping, Valence
from tests.factories import (
    CaseFactory,
    CodeFactory,
    CodingFactory,
    ProjectFactory,
    SegmentFactory,
    TranscriptFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meta(project, owner):
    """A project codebook (Determinants › Trust, Resources) and one study whose coders used their own codes.

    Q1 is coded "Mutual trust", Q2 "Lack of trust", Q3 both, Q4 "Money"; Q5 is the project's own coding of
    Trust on the passage of Q3 (the study's coder and the meta-analyst read it alike).
    """
    determinants = CodeFactory(project=project, name="Determinants", is_codable=False)
    trust = CodeFactory(
        project=project, name="Trust", parent=determinants, definition="Confidence between agencies."
    )
    resources = CodeFactory(project=project, name="Resources", parent=determinants)
    study = Study.objects.create(project=project, name="Oltas 2017", producer="NVivo 12")
    root = CodeFactory(project=project, name="Oltas 2017 (study)", study=study, framework="imported")
    codes = {
        name: CodeFactory(project=project, name=name, parent=root, study=study, definition=definition)
        for name, definition in [
            ("Mutual trust", "Agencies trust each other's data."),
            ("Lack of trust", "Agencies doubt each other."),
            ("Money", "Budgets and funding."),
        ]
    }
    city = CaseFactory(project=project, name="City X")
    interview = TranscriptFactory(
        case=city, study=study, text="one two three four five six seven eight nine ten"
    )
    coder = owner

    def coded(start, end, *names, valence=Valence.NONE):
        segment = SegmentFactory(transcript=interview, start=start, end=end, created_by=coder)
        for name in names:
            CodingFactory(segment=segment, code=codes[name], coder=coder, valence=valence)
        return segment

    q1 = coded(0, 3, "Mutual trust", valence=Valence.POSITIVE)
    q2 = coded(4, 7, "Lack of trust")
    q3 = coded(8, 13, "Mutual trust", "Lack of trust")
    q4 = coded(14, 18, "Money")
    CodingFactory(segment=q3, code=trust, coder=coder)
    return {
        "project": project,
        "study": study,
        "trust": trust,
        "resources": resources,
        "determinants": determinants,
        "codes": codes,
        "segments": [q1, q2, q3, q4],
        "city": city,
    }


def cells(project, **spec) -> dict[str, tuple]:
    facets = load_facets(project=project)
    matrix = build_matrix(facets=facets, spec=Spec(dimension=facets.dimensions["case"], **spec))
    return {row.code.name: (row.total.all, row.total.positive, row.total.negative) for row in matrix.rows}


def test_a_study_code_counts_nowhere_until_it_is_mapped(meta, owner):
    project = meta["project"]
    rows = cells(project)
    assert set(rows) == {"Determinants", "Trust", "Resources"}  # the study's codes are not rows
    assert rows["Trust"] == (1, 0, 0)  # only the project's own coding on Q3
    facets = load_facets(project=project)
    found = select(project=project, criteria=Criteria(), tree=facets.tree).segments()
    assert list(found) == [meta["segments"][2]]


def test_mapped_study_codes_count_as_their_target_once_per_passage(meta, owner):
    project, codes = meta["project"], meta["codes"]
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Mutual trust"]], target=meta["trust"])
    crosswalk.map_codes(
        project=project,
        user=owner,
        codes=[codes["Lack of trust"]],
        target=meta["trust"],
        valence=Valence.NEGATIVE,
    )
    rows = cells(project)
    # Q1, Q2 and Q3 (which carries both study codes and the project's own Trust) each count once.
    assert rows["Trust"][0] == 3 and rows["Determinants"][0] == 3 and rows["Resources"][0] == 0
    valence = cells(project, valence=True)
    # Q1 + (its coding's own valence); Q2 − (implied by the mapping); Q3 − (Lack of trust; its others none).
    assert valence["Trust"] == (0, 1, 2)
    facets = load_facets(project=project)
    trust = select(project=project, criteria=Criteria(any_codes=(meta["trust"].pk,)), tree=facets.tree)
    assert list(trust.segments()) == meta["segments"][:3]
    negative = select(
        project=project,
        criteria=Criteria(any_codes=(meta["trust"].pk,), valences=(Valence.NEGATIVE,)),
        tree=facets.tree,
    )
    assert list(negative.segments()) == meta["segments"][1:3]


def test_remapping_changes_the_matrix_and_is_in_the_history(meta, owner):
    project, codes = meta["project"], meta["codes"]
    crosswalk.map_codes(project=project, user=owner, codes=list(codes.values()), target=meta["trust"])
    assert cells(project)["Trust"][0] == 4
    changed = crosswalk.map_codes(
        project=project, user=owner, codes=[codes["Money"]], target=meta["resources"]
    )
    assert changed == 1
    rows = cells(project)
    assert rows["Trust"][0] == 3 and rows["Resources"][0] == 1 and rows["Determinants"][0] == 4
    event = CodebookEvent.objects.filter(action=CodebookAction.MAP).first()
    assert event.summary == "Mapped “Money” (Oltas 2017) to “Resources” (was “Trust”)"
    assert event.detail["from"] == meta["trust"].pk and event.detail["to"] == meta["resources"].pk
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Money"]], target=None)
    assert cells(project)["Resources"][0] == 0
    assert (
        CodebookEvent.objects.filter(action=CodebookAction.MAP).count() == 5
    )  # 3 mapped, remapped, unmapped
    # Mapping a code to what it is already mapped to changes nothing and records nothing.
    assert (
        crosswalk.map_codes(project=project, user=owner, codes=[codes["Mutual trust"]], target=meta["trust"])
        == 0
    )


def test_the_excerpt_export_names_the_study_and_its_code(meta, owner, client_for):
    project, codes = meta["project"], meta["codes"]
    crosswalk.map_codes(
        project=project,
        user=owner,
        codes=[codes["Lack of trust"]],
        target=meta["trust"],
        valence=Valence.NEGATIVE,
    )
    url = reverse("coding:excerpts_export", args=[project.pk])
    response = client_for(owner).get(url, {"any": meta["trust"].pk})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert [
        (row["quote id"], row["code"], row["valence"], row["study"], row["original code"]) for row in rows
    ] == [
        ("Q2", "Trust", "negative", "Oltas 2017", "Oltas 2017 (study) › Lack of trust"),
        ("Q3", "Trust", "negative", "Oltas 2017", "Oltas 2017 (study) › Lack of trust"),
        ("Q3", "Trust", "none", "", ""),
    ]


def test_the_drill_down_shows_the_original_code_beside_the_framework_code(meta, owner, client_for):
    project, codes = meta["project"], meta["codes"]
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Mutual trust"]], target=meta["trust"])
    url = reverse("coding:retrieval", args=[project.pk])
    body = client_for(owner).get(url, {"any": meta["trust"].pk}).content.decode()
    assert "from Oltas 2017: <q>Mutual trust</q>" in body


def test_suggestions_rank_project_codes_by_name_and_definition(meta, owner):
    facets = load_facets(project=meta["project"])
    studies = crosswalk.load(project=meta["project"], framework_codes=facets.tree.codes)
    suggested = {row.code.name: row.suggestion and row.suggestion.name for row in studies[0].codes}
    assert suggested["Mutual trust"] == "Trust" and suggested["Lack of trust"] == "Trust"
    assert suggested["Money"] is None  # nothing alike enough: no guess
    assert studies[0].unmapped == 4


def test_an_owner_maps_ticked_codes_on_the_page(meta, owner, client_for):
    project, codes = meta["project"], meta["codes"]
    url = reverse("coding:crosswalk", args=[project.pk])
    response = client_for(owner).post(
        url,
        {
            "codes": [codes["Mutual trust"].pk, codes["Lack of trust"].pk],
            "target": meta["trust"].pk,
            "valence": "",
            "action": "map",
        },
        follow=True,
    )
    assert "Mapped 2 study codes to “Trust”." in response.content.decode()
    assert CodeMapping.objects.filter(target=meta["trust"]).count() == 2


def test_a_suggestion_is_accepted_with_one_button(meta, owner, client_for):
    project, codes = meta["project"], meta["codes"]
    url = reverse("coding:crosswalk", args=[project.pk])
    page = client_for(owner).get(url).content.decode()
    accept = f"{codes['Mutual trust'].pk}:{meta['trust'].pk}"
    assert f'value="{accept}"' in page
    client_for(owner).post(url, {"accept": accept})
    assert CodeMapping.objects.get(code=codes["Mutual trust"]).target == meta["trust"]


@pytest.mark.parametrize(
    "bad", ["other project target", "study code target", "other project code", "nothing ticked"]
)
def test_bad_mappings_are_refused_with_a_sentence_and_change_nothing(meta, owner, client_for, bad):
    project, codes = meta["project"], meta["codes"]
    elsewhere = CodeFactory(project=ProjectFactory())
    data = {"codes": [codes["Money"].pk], "target": meta["trust"].pk, "valence": "", "action": "map"}
    if bad == "other project target":
        data["target"] = elsewhere.pk
    elif bad == "study code target":
        data["target"] = codes["Mutual trust"].pk
    elif bad == "other project code":
        data["codes"] = [elsewhere.pk]
    else:
        data["codes"] = []
    response = client_for(owner).post(reverse("coding:crosswalk", args=[project.pk]), data)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not CodeMapping.objects.exists()


def test_the_domain_refuses_what_the_form_would(meta, owner):
    project, codes = meta["project"], meta["codes"]
    with pytest.raises(crosswalk.Refused):
        crosswalk.map_codes(project=project, user=owner, codes=[codes["Money"]], target=codes["Mutual trust"])
    with pytest.raises(crosswalk.Refused):
        crosswalk.map_codes(project=project, user=owner, codes=[meta["trust"]], target=meta["resources"])
    with pytest.raises(crosswalk.Refused):
        crosswalk.map_codes(
            project=project, user=owner, codes=[codes["Money"]], target=meta["trust"], valence="x"
        )


def test_the_page_takes_a_fixed_number_of_queries(meta, owner, client_for, django_assert_num_queries):
    client = client_for(owner)
    url = reverse("coding:crosswalk", args=[meta["project"].pk])
    client.get(url)
    # session, user, membership, the tree with its mappings, studies, their codes with counts
    with django_assert_num_queries(6):
        client.get(url)
    study_b = Study.objects.create(project=meta["project"], name="Second study")
    root = CodeFactory(project=meta["project"], name="Second (study)", study=study_b)
    for number in range(20):
        CodeFactory(project=meta["project"], name=f"B{number}", parent=root, study=study_b)
    with django_assert_num_queries(6):
        body = client.get(url).content.decode()
    assert "Second study" in body and "B19" in body


def test_co_occurrence_and_the_report_count_study_codes_as_their_targets(meta, owner):
    from coding.analysis.cooccurrence import build_cooccurrence
    from coding.analysis.reports import build_report

    project, codes = meta["project"], meta["codes"]
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Mutual trust"]], target=meta["trust"])
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Money"]], target=meta["resources"])
    facets = load_facets(project=project)
    nodes = [meta["trust"].pk, meta["resources"].pk]
    table = build_cooccurrence(facets=facets, nodes=nodes, unit="transcripts", criteria=Criteria())
    assert table.counts[(meta["trust"].pk, meta["resources"].pk)] == 1  # the one interview holds both
    assert table.counts[(meta["trust"].pk, meta["trust"].pk)] == 1
    report = build_report(
        selection=select(project=project, criteria=Criteria(), tree=facets.tree), facets=facets
    )
    assert [(evidence.code.name, evidence.count) for evidence in report.codes] == [
        ("Resources", 1),
        ("Trust", 3),
    ]


def excerpt_rows(client, project, **query) -> list[tuple[str, str, str]]:
    response = client.get(reverse("coding:excerpts_export", args=[project.pk]), query)
    rows = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    return [(row["quote id"], row["code"], row["original code"]) for row in rows if row["study"]]


def test_remapping_changes_the_excerpt_exports_code_column(meta, owner, client_for):
    project, codes, client = meta["project"], meta["codes"], client_for(owner)
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Money"]], target=meta["trust"])
    assert excerpt_rows(client, project) == [("Q4", "Trust", "Oltas 2017 (study) › Money")]
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Money"]], target=meta["resources"])
    assert excerpt_rows(client, project) == [("Q4", "Resources", "Oltas 2017 (study) › Money")]
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Money"]], target=None)
    assert excerpt_rows(client, project) == []  # an unmapped study code is exported nowhere


def test_the_unmapped_list_leaves_out_the_study_top_code_and_indents_from_below_it(meta, owner, client_for):
    project, codes = meta["project"], meta["codes"]
    root = codes["Money"].parent
    root.is_codable = False  # as the .qdpx import makes it: "<study> (study)" only holds the study's codes
    root.save()
    CodeFactory(project=project, name="Grants", parent=codes["Money"], study=root.study)
    crosswalk.map_codes(project=project, user=owner, codes=[codes["Mutual trust"]], target=meta["trust"])
    response = client_for(owner).get(reverse("coding:crosswalk", args=[project.pk]), {"show": "unmapped"})
    body = response.content.decode()
    assert "3 study codes unmapped" in body
    listed = [row.code.name for study in response.context["studies"] for row in study.codes]
    assert listed == ["Lack of trust", "Money", "Grants", "Mutual trust"]
    depths = {row.code.name: row.code.depth for row in response.context["studies"][0].codes}
    assert depths == {"Lack of trust": 0, "Money": 0, "Grants": 1, "Mutual trust": 0}
    assert 'value="' + str(codes["Mutual trust"].pk) + '"' not in body  # mapped: not in the unmapped list
    assert f'value="{root.pk}"' not in body and 'class="code depth-1"' in body


def test_transcripts_name_their_study_in_the_list_and_on_their_page(
    meta, owner, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    project, client = meta["project"], client_for(owner)
    interview = project.transcripts.get()
    detail = client.get(reverse("cases:transcript_detail", args=[project.pk, interview.pk])).content.decode()
    assert "<dt>Study</dt>" in detail and "Oltas 2017" in detail
    url = reverse("cases:transcript_list", args=[project.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert "from the study Oltas 2017" in body
    other = Study.objects.create(project=project, name="Harbin 2019")
    for number in range(5):
        TranscriptFactory(case=meta["city"], study=other, title=f"Bureau {number}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("from the study Harbin 2019") == 5
