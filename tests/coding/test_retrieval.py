"""Retrieval: passages by codes with AND / OR / NOT and every filter, the page, and its pagination. Data from
the `analysis` fixture (tests/conftest.py)."""

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils.html import escape

from coding.analysis.retrieval import NO_VALUE, Condition, Criteria, load_facets, select
from coding.analysis.views import retrieval as retrieval_view
from tests.factories import CaseFactory, CodeFactory, ProfileFactory

HX = {"HX-Request": "true"}


def found(analysis, **criteria) -> set[str]:
    """The passages found, named s1…s7 as in the fixture."""
    facets = load_facets(project=analysis.project)
    where = criteria.pop("where", ())
    conditions = tuple(Condition(facets.dimensions[key], frozenset(values)) for key, values in where)
    selection = select(
        project=analysis.project, criteria=Criteria(where=conditions, **criteria), tree=facets.tree
    )
    names = {segment.pk: name for name, segment in vars(analysis.segments).items()}
    segments = {names[pk] for pk in selection.segments().values_list("pk", flat=True)}
    # The export lists codings of exactly these passages.
    assert {names[pk] for pk in selection.codings().values_list("segment_id", flat=True)} == segments
    return segments


def attribute_key(analysis, name):
    return f"attr-{getattr(analysis.attributes, name).pk}"


def test_and_needs_every_code_on_the_passage(analysis):
    codes = analysis.codes
    assert found(analysis, all_codes=(codes.ownership.pk, codes.political.pk)) == {"s1"}


def test_or_takes_any_code_and_its_sub_codes(analysis):
    codes = analysis.codes
    assert found(analysis, any_codes=(codes.political.pk, codes.marking.pk)) == {"s1", "s3", "s5", "s7"}


def test_not_excludes_passages_carrying_the_code(analysis):
    codes = analysis.codes
    assert found(analysis, any_codes=(codes.determinants.pk,), not_codes=(codes.political.pk,)) == {
        "s2",
        "s4",
        "s6",
    }


def test_data_ownership_and_negative_and_not_a_city(analysis):
    codes, cases = analysis.codes, analysis.cases
    criteria = {"all_codes": (codes.ownership.pk,), "valences": ("negative",)}
    assert found(analysis, **criteria) == {"s1", "s2", "s4"}
    assert found(analysis, **criteria, not_cases=(cases.y.pk,)) == {"s1", "s2"}
    assert found(analysis, **criteria, cases=(cases.y.pk,)) == {"s4"}


def test_valence_qualifies_the_wanted_codes_not_the_passage(analysis):
    codes = analysis.codes
    # s1 is ownership − and political +: "political, negative" does not find it.
    assert found(analysis, any_codes=(codes.political.pk,), valences=("negative",)) == {"s7"}
    assert found(analysis, valences=("positive",)) == {"s1", "s3", "s6"}


def test_sub_codes_can_be_left_out(analysis):
    codes = analysis.codes
    assert found(analysis, any_codes=(codes.marking.pk,)) == {"s5", "s7"}
    assert found(analysis, any_codes=(codes.marking.pk,), subcodes=False) == {"s7"}
    assert found(analysis, any_codes=(codes.determinants.pk,), subcodes=False) == set()


def test_attribute_values_of_one_attribute_are_alternatives(analysis):
    assert found(analysis, where=[("role", {"leader"})]) == {"s1", "s2", "s4", "s5", "s7"}
    assert found(analysis, where=[("role", {"leader", "IT specialist"})]) == {
        "s1",
        "s2",
        "s3",
        "s4",
        "s5",
        "s7",
    }
    recorded = attribute_key(analysis, "recorded")
    assert found(analysis, where=[(recorded, {"no"})]) == {"s3"}
    assert found(analysis, where=[(recorded, {NO_VALUE})]) == {"s6"}
    assert found(analysis, where=[(attribute_key(analysis, "size"), {"large"})]) == {"s1", "s2", "s3"}
    # Different attributes all apply.
    both = [(attribute_key(analysis, "size"), {"small"}), ("role", {"leader"})]
    assert found(analysis, where=both) == {"s4", "s5", "s7"}


def test_coder_date_and_text_filters(analysis):
    assert found(analysis, coder_id=analysis.coder.pk) == {"s2", "s3", "s6"}
    assert found(analysis, coded_from=date(2024, 2, 1)) == {"s6"}
    assert found(analysis, coded_to=date(2024, 1, 10)) == {"s1", "s2", "s3", "s4", "s5", "s7"}
    assert found(analysis, text="TABLE") == {"s4", "s5"}
    assert found(analysis, text="數據") == {"s6"}


def test_export_rows_are_the_wanted_codings_of_the_passages(analysis):
    facets = load_facets(project=analysis.project)
    codes = analysis.codes
    criteria = Criteria(all_codes=(codes.ownership.pk,), any_codes=(codes.political.pk, codes.marking.pk))
    selection = select(project=analysis.project, criteria=criteria, tree=facets.tree)
    assert sorted(selection.codings().values_list("code__name", flat=True)) == [
        "Data ownership",
        "Political determination",
    ]
    negative = select(
        project=analysis.project,
        criteria=Criteria(all_codes=(codes.ownership.pk,), valences=("negative",)),
        tree=facets.tree,
    )
    # s1 also carries political +, which is not asked for; s2 was coded by two coders.
    assert sorted(negative.codings().values_list("segment_id", "coder__username")) == sorted(
        [
            (analysis.segments.s1.pk, "pi"),
            (analysis.segments.s2.pk, "pi"),
            (analysis.segments.s2.pk, "ra"),
            (analysis.segments.s4.pk, "pi"),
        ]
    )


# The page ---------------------------------------------------------------------------------------------------


def url(project):
    return reverse("coding:retrieval", args=[project.pk])


def test_page_lists_quotations_with_their_sources_and_export_links(client_for, analysis, viewer):
    codes = analysis.codes
    query = f"?all_codes={codes.ownership.pk}&valence=negative&not_case={analysis.cases.y.pk}"
    response = client_for(viewer).get(url(analysis.project) + query)
    assert response.status_code == 200
    html = response.text
    assert "<strong>2</strong> quotations" in html
    assert "The bureau says the records are ours alone." in html and "Nobody else may copy them." in html
    assert "Each department guards its tables." not in html
    assert "(City X, respondent R01)" in html and "Speaker: R01" in html
    assert (
        "all of these codes (AND): Determinants › Data ownership; each code with the codes beneath it; "
        "valence − pushes apart; not in cases City Y" in html
    )
    export = reverse("coding:excerpts_export", args=[analysis.project.pk])
    assert f'href="{export}?all_codes={codes.ownership.pk}&amp;valence=negative&amp;not_case=' in html


def test_htmx_search_returns_only_the_results(client_for, analysis, viewer):
    response = client_for(viewer).get(url(analysis.project) + "?text=table", headers=HX)
    assert response.text.lstrip().startswith('<section id="results"')
    assert "<strong>2</strong> quotations" in response.text


def test_results_are_paginated(client_for, analysis, viewer, monkeypatch):
    monkeypatch.setattr(retrieval_view, "PER_PAGE", 3)
    client = client_for(viewer)
    first = client.get(url(analysis.project))
    assert "Page 1 of 3" in first.text and first.text.count('class="quotation"') == 3
    last = client.get(url(analysis.project) + "?page=3")
    assert "Page 3 of 3" in last.text and last.text.count('class="quotation"') == 1
    # Readers land on the last page rather than an error when a page no longer exists; anything but a
    # number is the first page.
    assert "Page 3 of 3" in client.get(url(analysis.project) + "?page=99").text
    assert "Page 1 of 3" in client.get(url(analysis.project) + "?page=x").text
    # The pages together hold every quotation once, in reading order, as one long page does.
    paged = [
        q.segment.pk
        for n in (1, 2, 3)
        for q in client.get(url(analysis.project) + f"?page={n}").context["quotations"]
    ]
    monkeypatch.setattr(retrieval_view, "PER_PAGE", 50)
    whole = [q.segment.pk for q in client.get(url(analysis.project)).context["quotations"]]
    assert paged == whole and len(whole) == 7


def test_bad_criteria_are_explained_and_nothing_is_searched(client_for, analysis, viewer):
    codes = analysis.codes
    foreign = CodeFactory(project=CaseFactory().project)
    client = client_for(viewer)
    response = client.get(
        url(analysis.project)
        + f"?all_codes={codes.ownership.pk}&not_codes={codes.ownership.pk}&any_codes={foreign.pk}"
        + f"&case={analysis.cases.x.pk}&not_case={analysis.cases.x.pk}&text={'x' * 201}"
    )
    assert response.status_code == 200
    html = response.text
    assert "Nothing was searched" in html
    assert "A code cannot be both wanted and excluded: Data ownership." in html
    assert f"Select a valid choice. {foreign.pk} is not one of the available choices." in html
    assert "A case cannot be both included and excluded." in html
    assert "Ensure this value has at most 200 characters" in html
    assert 'class="quotation"' not in html


def test_retrieval_query_count_is_fixed(client_for, analysis, viewer, django_assert_num_queries):
    client = client_for(viewer)
    codes = analysis.codes
    query = f"?any_codes={codes.determinants.pk}&not_codes={codes.political.pk}&where=role:leader"
    # session, user, membership; 8 facets; count, page of passages, their codings, their transcripts' texts
    with django_assert_num_queries(16):
        response = client.get(url(analysis.project) + query)
    assert response.context["page"].paginator.count == 2


def test_a_page_of_results_reads_only_what_it_shows(client_for, analysis, viewer, django_assert_num_queries):
    """The results the "Next" link swaps in: not the form, so neither the cases, attributes nor their values
    that only the form's choices need."""
    client = client_for(viewer)
    query = f"?any_codes={analysis.codes.determinants.pk}&subcodes=yes&page=1"
    # session, user, membership; codes, members, sets and saved queries; count, page of passages, their
    # codings, their transcripts' texts, the speaker labels around the passages
    with django_assert_num_queries(11):
        response = client.get(url(analysis.project) + query, headers=HX)
    assert response.context["page"].paginator.count > 0 and 'class="quotation"' in response.text


@pytest.mark.parametrize("role", ["viewer", "coder", "owner"])
def test_every_member_may_retrieve(client_for, analysis, request, role):
    user = request.getfixturevalue(role)
    assert client_for(user).get(url(analysis.project)).status_code == 200


def test_coders_are_named_and_listed_by_their_display_names(client_for, analysis, viewer):
    ProfileFactory(user=analysis.owner, display_name="Dr. Ana Ruiz")
    hostile = 'Zed <script>alert("ra")</script>'
    ProfileFactory(user=analysis.coder, display_name=hostile)
    html = client_for(viewer).get(url(analysis.project) + f"?coder={analysis.coder.pk}").text
    zed = escape(hostile)
    choices = re.search(r'<select name="coder"[^>]*>(.*?)</select>', html, re.S).group(1)
    # By name, the member without a profile ("reader") by their username; not pi, ra, reader.
    assert re.findall(r">([^<]*)</option>", choices) == ["Everyone", "Dr. Ana Ruiz", "reader", zed]
    assert f"coded by {zed}" in html
    # s2 was coded by both: its quotation names both coders.
    assert '<span class="muted">Dr. Ana Ruiz</span>' in html and f'<span class="muted">{zed}</span>' in html
    assert "<script>alert" not in html


@pytest.mark.parametrize("clause", ["all_codes", "any_codes", "not_codes"])
def test_a_clause_naming_more_than_twenty_codes_is_refused_with_the_way_out(
    client_for, analysis, viewer, clause
):
    many = [CodeFactory(project=analysis.project).pk for _ in range(21)]
    query = "&".join(f"{clause}={pk}" for pk in many)
    response = client_for(viewer).get(url(analysis.project) + "?" + query)
    assert response.status_code == 200
    assert "Choose at most 20 codes here (21 were chosen)" in response.text
    assert "page" not in response.context
