"""Saved queries: saving a retrieval under a name, running it, renaming and deleting it, codes renamed, moved,
merged or deleted under it, and a saved query as the scope of the matrix and the exports. Data from the
`analysis` fixture (tests/conftest.py)."""

import pytest
from django.urls import reverse
from django.utils.http import urlencode

from codebook.changes import field_values, move_code, update_code
from coding.analysis.forms import saved_query_form
from coding.analysis.matrix import Spec, build_matrix
from coding.analysis.retrieval import Criteria, describe_criteria, load_facets, select
from coding.models import SavedQuery
from coding.recoding import delete_code, merge_codes, removal
from tests.factories import CodeFactory, ProjectFactory

RETRIEVAL = "coding:retrieval"


def names(analysis, segment_ids) -> set[str]:
    by_pk = {segment.pk: name for name, segment in vars(analysis.segments).items()}
    return {by_pk[pk] for pk in segment_ids}


def retrieved(analysis, saved: SavedQuery) -> set[str]:
    """The passages the saved query finds now, as the retrieval page would run it."""
    facets = load_facets(project=analysis.project)
    form = saved_query_form(saved, facets=facets)
    assert form.is_valid(), form.unusable
    selection = select(project=analysis.project, criteria=form.criteria(), tree=facets.tree)
    return names(analysis, selection.segments().values_list("pk", flat=True))


def save(client, analysis, name: str, **params):
    url = reverse("coding:saved_query_save", args=[analysis.project.pk])
    return client.post(url, {"name": name, "params": urlencode(params, doseq=True)})


@pytest.fixture
def ownership_not_political(analysis, client_for):
    """ "Determinants, not political, negative, in City X or Y" saved by the coder."""
    codes, cases = analysis.codes, analysis.cases
    client = client_for(analysis.coder)
    response = save(
        client,
        analysis,
        "Ownership pushing apart",
        any_codes=[codes.determinants.pk],
        not_codes=[codes.political.pk],
        valence=["negative"],
        case=[cases.x.pk, cases.y.pk],
    )
    assert response.status_code == 302
    return SavedQuery.objects.get(project=analysis.project)


def test_saving_keeps_the_retrieval_by_id(analysis, ownership_not_political):
    saved = ownership_not_political
    codes = analysis.codes
    assert saved.fields["any_codes"] == [str(codes.determinants.pk)]
    assert saved.fields["not_codes"] == [str(codes.political.pk)]
    assert saved.labels["codes"][str(codes.political.pk)] == "Determinants › Political determination"
    assert saved.created_by == analysis.coder
    assert retrieved(analysis, saved) == {"s2", "s4"}


def test_running_opens_the_retrieval_with_its_criteria(analysis, ownership_not_political, client_for):
    client = client_for(analysis.owner)
    run = reverse("coding:saved_query_run", args=[analysis.project.pk, ownership_not_political.pk])
    page = client.get(run)
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 2
    text = page.content.decode()
    assert "Opened from the saved query <strong>Ownership pushing apart</strong>" in text
    assert f'name="replace" value="{ownership_not_political.pk}"' in text


def test_saved_query_finds_the_same_after_codes_are_renamed_and_moved(analysis, ownership_not_political):
    before = retrieved(analysis, ownership_not_political)
    codes = analysis.codes
    political = codes.political
    previous = field_values(political)
    political.name = "Political will"
    update_code(code=political, previous=previous, user=analysis.owner)
    determinants = codes.determinants
    previous = field_values(determinants)
    determinants.name = "Pulling and pushing forces"
    update_code(code=determinants, previous=previous, user=analysis.owner)
    move_code(code=codes.determinants, parent=codes.territory, user=analysis.owner)
    move_code(code=codes.ownership, parent=None, user=analysis.owner)  # out of Determinants …
    move_code(code=codes.ownership, parent=codes.determinants, user=analysis.owner)  # … and back
    assert retrieved(analysis, ownership_not_political) == before == {"s2", "s4"}
    facets = load_facets(project=analysis.project)
    form = saved_query_form(ownership_not_political, facets=facets)
    assert form.is_valid()
    description = describe_criteria(facets=facets, criteria=form.criteria())
    assert "Territory › Pulling and pushing forces › Political will" in description


def test_a_merged_code_is_replaced_by_the_code_it_was_merged_into(analysis, ownership_not_political):
    codes = analysis.codes
    other = CodeFactory(project=analysis.project, name="Politics")
    merge_codes(source=codes.political, target=other, user=analysis.owner)
    ownership_not_political.refresh_from_db()
    assert ownership_not_political.fields["not_codes"] == [str(other.pk)]
    # The political codings are Politics' now: the query still leaves out s1 (political on it), finds s2, s4.
    assert retrieved(analysis, ownership_not_political) == {"s2", "s4"}


def test_a_deleted_code_makes_the_query_refuse_to_run(analysis, ownership_not_political, client_for):
    codes = analysis.codes
    gone = removal(code=codes.political, keep_children=False)
    delete_code(
        code=codes.political, keep_children=False, confirmed_codings=gone.codings, user=analysis.owner
    )
    client = client_for(analysis.owner)
    run = reverse("coding:saved_query_run", args=[analysis.project.pk, ownership_not_political.pk])
    response = client.get(run)
    assert response.status_code == 409
    text = response.content.decode()
    assert "names the code “Determinants › Political determination”, deleted since" in text
    # As a matrix scope it is refused with the same sentence, and nothing is counted.
    matrix = client.get(
        reverse("coding:matrix", args=[analysis.project.pk]), {"within": ownership_not_political.pk}
    )
    assert "matrix" not in matrix.context
    assert "Political determination" in str(matrix.context["form"].errors["within"])


def test_a_saved_query_scopes_the_matrix_and_the_exports(analysis, ownership_not_political, client_for):
    client = client_for(analysis.owner)
    project = analysis.project
    response = client.get(reverse("coding:matrix", args=[project.pk]), {"within": ownership_not_political.pk})
    assert response.status_code == 200
    matrix = response.context["matrix"]
    totals = {row.code.name: row.total.all for row in matrix.rows}
    # Only s2 (X1) and s4 (Y1) count: their ownership codings (s2 twice: two coders, one passage).
    assert totals["Data ownership"] == 2
    assert totals["Political determination"] == 0
    assert matrix.grand_total.all == 2
    scope = dict(response.context["description"])["Scope"]
    assert "within the passages of the saved query “Ownership pushing apart”" in scope
    assert f"within={ownership_not_political.pk}" in response.context["excerpt_query"]
    export_url = reverse("coding:excerpts_export", args=[project.pk])
    export = client.get(f"{export_url}?{response.context['excerpt_query']}")
    rows = b"".join(export.streaming_content).decode().splitlines()
    assert len(rows) == 1 + 3  # header, s2 by pi and by ra, s4
    report = client.get(
        reverse("coding:report_export", args=[project.pk]), {"within": ownership_not_political.pk}
    )
    assert report.status_code == 200
    assert "Ownership pushing apart" in report.content.decode()
    csv = client.get(
        reverse("coding:matrix_export", args=[project.pk]), {"within": ownership_not_political.pk}
    )
    assert "Ownership pushing apart" in csv.content.decode()


def test_scope_on_the_domain_level_equals_the_retrieval(analysis, ownership_not_political):
    facets = load_facets(project=analysis.project)
    form = saved_query_form(ownership_not_political, facets=facets)
    assert form.is_valid()
    criteria = Criteria(within=form.criteria(), within_id=ownership_not_political.pk, within_name="x")
    matrix = build_matrix(facets=facets, spec=Spec(dimension=facets.dimensions["case"], criteria=criteria))
    selection = select(project=analysis.project, criteria=criteria, tree=facets.tree)
    assert names(analysis, selection.segments().values_list("pk", flat=True)) == {"s2", "s4"}
    assert matrix.grand_total.all == 2


def test_duplicate_or_empty_names_are_refused_and_nothing_is_written(
    analysis, ownership_not_political, client_for
):
    client = client_for(analysis.coder)
    response = save(client, analysis, "ownership PUSHING apart", text="mayor")
    assert response.status_code == 400
    assert "A saved query named “ownership PUSHING apart” exists already" in response.content.decode()
    response = save(client, analysis, "   ", text="mayor")
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert SavedQuery.objects.count() == 1


def test_ids_of_another_project_are_refused(analysis, client_for):
    foreign = CodeFactory(project=ProjectFactory())
    response = save(client_for(analysis.coder), analysis, "Foreign", any_codes=[foreign.pk])
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert not SavedQuery.objects.exists()


def test_a_saved_query_cannot_hold_another(analysis, ownership_not_political, client_for):
    response = save(client_for(analysis.coder), analysis, "Nested", within=ownership_not_political.pk)
    assert response.status_code == 400
    assert "cannot be saved inside another" in response.content.decode()
    assert SavedQuery.objects.count() == 1


def test_saving_into_an_existing_query_replaces_its_criteria(analysis, ownership_not_political, client_for):
    url = reverse("coding:saved_query_save", args=[analysis.project.pk])
    params = urlencode({"text": "mayor"})
    response = client_for(analysis.coder).post(url, {"params": params, "replace": ownership_not_political.pk})
    assert response.status_code == 302
    ownership_not_political.refresh_from_db()
    assert ownership_not_political.fields == {"text": ["mayor"]}
    assert ownership_not_political.name == "Ownership pushing apart"


def test_rename_and_delete(analysis, ownership_not_political, client_for):
    client = client_for(analysis.coder)
    project = analysis.project
    save(client, analysis, "Mayor", text="mayor")
    rename = reverse("coding:saved_query_rename", args=[project.pk, ownership_not_political.pk])
    response = client.post(rename, {"name": "MAYOR"})
    assert response.status_code == 400
    assert "exists already" in response.content.decode()
    response = client.post(rename, {"name": "Ownership, negative"})
    assert response.status_code == 302
    ownership_not_political.refresh_from_db()
    assert ownership_not_political.name == "Ownership, negative"
    delete = reverse("coding:saved_query_delete", args=[project.pk, ownership_not_political.pk])
    assert client.post(delete).status_code == 302
    assert list(SavedQuery.objects.values_list("name", flat=True)) == ["Mayor"]


def test_viewer_reads_and_runs_but_cannot_save(analysis, ownership_not_political, viewer, client_for):
    client = client_for(viewer)
    project = analysis.project
    assert client.get(reverse("coding:saved_query_list", args=[project.pk])).status_code == 200
    run = reverse("coding:saved_query_run", args=[project.pk, ownership_not_political.pk])
    assert client.get(run).status_code == 200
    assert save(client, analysis, "Mine", text="mayor").status_code == 403
    assert SavedQuery.objects.count() == 1


def test_saved_query_list_query_count_is_fixed(analysis, client_for, django_assert_num_queries):
    client = client_for(analysis.owner)
    for n in range(3):
        save(client, analysis, f"Query {n}", any_codes=[analysis.codes.ownership.pk], text=str(n))
    url = reverse("coding:saved_query_list", args=[analysis.project.pk])
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    for n in range(3, 8):
        save(client, analysis, f"Query {n}", any_codes=[analysis.codes.political.pk])
    with django_assert_num_queries(6):
        client.get(url)
