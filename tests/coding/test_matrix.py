"""The cross-case matrix: exact cells for every measure, roll-up, valence, column kind and filter, its page,
drill-down and exports. The `analysis` fixture (tests/conftest.py) describes the data behind the numbers."""

import csv
import io
import re
from datetime import date
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cases.models import Role
from codebook.seeding import seed_framework
from coding.analysis import matrix as matrix_module
from coding.analysis.matrix import Measure, Spec, build_matrix, tree_keys
from coding.analysis.retrieval import Condition, Criteria, load_facets
from tests.factories import (
    CaseFactory,
    CodeFactory,
    CodingFactory,
    MembershipFactory,
    SegmentFactory,
    TranscriptFactory,
    UserFactory,
    code_passage,
)

HX = {"HX-Request": "true"}
ROWS = ["Determinants", "Data ownership", "Political determination", "Territory", "Marking", "Marking data"]


def grid(matrix, part: str = "all") -> dict[str, dict[str, object]]:
    """{code: {column label: value, "Total": value}} plus the "Any code" row; `part` is all, positive or
    negative (counts), or share / net."""

    def value(cell):
        if part == "share":
            return Fraction(cell.all, cell.base) if cell.base else 0
        if part == "net":
            return cell.positive - cell.negative
        return getattr(cell, part)

    labels = [column.label for column in matrix.columns]
    table = {
        row.code.name: {**dict(zip(labels, map(value, row.cells), strict=True)), "Total": value(row.total)}
        for row in matrix.rows
    }
    table["Any code"] = {
        **dict(zip(labels, map(value, matrix.column_totals), strict=True)),
        "Total": value(matrix.grand_total),
    }
    return table


def compute(analysis, *, columns="case", **spec):
    facets = load_facets(project=analysis.project)
    if columns.startswith("attr:"):
        name = columns.removeprefix("attr:")
        columns = next(
            key for key, d in facets.dimensions.items() if d.attribute and d.attribute.name == name
        )
    criteria = spec.pop("criteria", Criteria())
    if callable(criteria):
        criteria = criteria(facets)
    return build_matrix(
        facets=facets, spec=Spec(dimension=facets.dimensions[columns], criteria=criteria, **spec)
    )


def test_segments_roll_up_counting_each_passage_once(analysis):
    assert grid(compute(analysis)) == {
        # s1 carries both children of Determinants and counts once; s2 was coded by two coders.
        "Determinants": {"City X": 3, "City Y": 3, "City Z": 0, "Total": 6},
        "Data ownership": {"City X": 2, "City Y": 2, "City Z": 0, "Total": 4},
        "Political determination": {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3},
        "Territory": {"City X": 0, "City Y": 2, "City Z": 0, "Total": 2},
        "Marking": {"City X": 0, "City Y": 2, "City Z": 0, "Total": 2},
        "Marking data": {"City X": 0, "City Y": 1, "City Z": 0, "Total": 1},
        "Any code": {"City X": 3, "City Y": 4, "City Z": 0, "Total": 7},
    }


def test_interviews_mentioning_the_code(analysis):
    assert grid(compute(analysis, measure=Measure.TRANSCRIPTS)) == {
        "Determinants": {"City X": 2, "City Y": 3, "City Z": 0, "Total": 5},
        "Data ownership": {"City X": 1, "City Y": 2, "City Z": 0, "Total": 3},
        "Political determination": {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3},
        "Territory": {"City X": 0, "City Y": 2, "City Z": 0, "Total": 2},
        "Marking": {"City X": 0, "City Y": 2, "City Z": 0, "Total": 2},
        "Marking data": {"City X": 0, "City Y": 1, "City Z": 0, "Total": 1},
        "Any code": {"City X": 2, "City Y": 3, "City Z": 0, "Total": 5},
    }


def test_share_divides_by_the_interviews_of_each_column(analysis):
    matrix = compute(analysis, measure=Measure.SHARE)
    assert [(c.label, c.interviews) for c in matrix.columns] == [("City X", 2), ("City Y", 3), ("City Z", 1)]
    table = grid(matrix, "share")
    assert table["Data ownership"] == {
        "City X": Fraction(1, 2),
        "City Y": Fraction(2, 3),
        "City Z": 0,
        "Total": Fraction(3, 6),
    }
    assert table["Any code"] == {"City X": 1, "City Y": 1, "City Z": 0, "Total": Fraction(5, 6)}
    row = next(row for row in matrix.rows if row.code.name == "Data ownership")
    assert [cell.shown for cell in row.cells] == ["50%", "67%", "0%"]


def test_distinct_respondents_are_pseudonyms_within_a_case(analysis):
    # X's R01 and Y's R01 are different people; Y's R03 gave two interviews (Y2, Y3) and counts once.
    assert grid(compute(analysis, measure=Measure.RESPONDENTS)) == {
        "Determinants": {"City X": 2, "City Y": 2, "City Z": 0, "Total": 4},
        "Data ownership": {"City X": 1, "City Y": 2, "City Z": 0, "Total": 3},
        "Political determination": {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3},
        "Territory": {"City X": 0, "City Y": 2, "City Z": 0, "Total": 2},
        "Marking": {"City X": 0, "City Y": 2, "City Z": 0, "Total": 2},
        "Marking data": {"City X": 0, "City Y": 1, "City Z": 0, "Total": 1},
        "Any code": {"City X": 2, "City Y": 2, "City Z": 0, "Total": 4},
    }


def test_respondent_spanning_two_columns_counts_once_in_the_total(analysis):
    # R03 of City Y spoke as a public servant (Y2) and as a leader (Y3): one in each column, one in the total.
    table = grid(compute(analysis, measure=Measure.RESPONDENTS, columns="role"))
    assert table["Determinants"] == {
        "IT specialist": 1,
        "leader": 3,
        "public servant": 1,
        "(no value)": 0,
        "Total": 4,
    }
    assert table["Any code"] == {
        "IT specialist": 1,
        "leader": 3,
        "public servant": 1,
        "(no value)": 0,
        "Total": 4,
    }


def test_valence_splits_each_cell_into_pulling_and_pushing(analysis):
    matrix = compute(analysis, valence=True)
    positive, negative, net = grid(matrix, "positive"), grid(matrix, "negative"), grid(matrix, "net")
    assert positive["Data ownership"] == {"City X": 0, "City Y": 1, "City Z": 0, "Total": 1}
    assert negative["Data ownership"] == {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3}
    assert net["Data ownership"] == {"City X": -2, "City Y": 0, "City Z": 0, "Total": -2}
    assert positive["Political determination"] == {"City X": 2, "City Y": 0, "City Z": 0, "Total": 2}
    assert negative["Political determination"] == {"City X": 0, "City Y": 1, "City Z": 0, "Total": 1}
    # s1 pulls (political +) and pushes (ownership −): it counts on both sides of its parent.
    assert positive["Determinants"] == {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3}
    assert negative["Determinants"] == {"City X": 2, "City Y": 2, "City Z": 0, "Total": 4}
    # Codings without a valence are not in this view.
    assert (
        positive["Territory"] == negative["Territory"] == {"City X": 0, "City Y": 0, "City Z": 0, "Total": 0}
    )
    assert positive["Any code"] == {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3}
    assert negative["Any code"] == {"City X": 2, "City Y": 2, "City Z": 0, "Total": 4}
    cell = next(row for row in matrix.rows if row.code.name == "Data ownership").cells[0]
    assert (cell.shown_positive, cell.shown_negative, cell.shown_net, cell.tone) == ("+0", "−2", "−2", "neg")


def test_valence_of_interviews(analysis):
    matrix = compute(analysis, valence=True, measure=Measure.TRANSCRIPTS)
    assert grid(matrix, "positive")["Determinants"] == {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3}
    assert grid(matrix, "negative")["Determinants"] == {"City X": 1, "City Y": 2, "City Z": 0, "Total": 3}


def test_case_attribute_columns_merge_cases_with_the_same_value(analysis):
    matrix = compute(analysis, columns="attr:City size")
    assert [(c.label, c.interviews) for c in matrix.columns] == [("large", 2), ("small", 4)]
    table = grid(matrix)
    assert table["Determinants"] == {"large": 3, "small": 3, "Total": 6}
    assert table["Data ownership"] == {"large": 2, "small": 2, "Total": 4}
    share = grid(compute(analysis, columns="attr:City size", measure=Measure.SHARE), "share")
    assert share["Data ownership"] == {
        "large": Fraction(1, 2),
        "small": Fraction(2, 4),
        "Total": Fraction(3, 6),
    }


def test_interview_attribute_columns_keep_interviews_without_a_value(analysis):
    matrix = compute(analysis, columns="attr:Recorded")
    assert [(c.label, c.interviews) for c in matrix.columns] == [("yes", 3), ("no", 1), ("(no value)", 2)]
    table = grid(matrix)
    assert table["Data ownership"] == {"yes": 3, "no": 0, "(no value)": 1, "Total": 4}
    assert table["Determinants"] == {"yes": 4, "no": 1, "(no value)": 1, "Total": 6}


def test_role_columns(analysis):
    matrix = compute(analysis, columns="role", measure=Measure.TRANSCRIPTS)
    assert [(c.label, c.interviews) for c in matrix.columns] == [
        ("IT specialist", 1),
        ("leader", 3),
        ("public servant", 1),
        ("(no value)", 1),
    ]
    assert grid(matrix)["Political determination"] == {
        "IT specialist": 1,
        "leader": 2,
        "public servant": 0,
        "(no value)": 0,
        "Total": 3,
    }


def test_coder_filter_counts_only_that_coders_codings(analysis):
    table = grid(compute(analysis, criteria=Criteria(coder_id=analysis.coder.pk)))
    assert table["Data ownership"] == {"City X": 1, "City Y": 1, "City Z": 0, "Total": 2}
    assert table["Determinants"] == {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3}
    assert table["Territory"] == {"City X": 0, "City Y": 0, "City Z": 0, "Total": 0}


def test_date_range_filters_by_when_the_coding_was_made(analysis):
    later = grid(compute(analysis, criteria=Criteria(coded_from=date(2024, 2, 1))))
    assert later["Data ownership"] == {"City X": 0, "City Y": 1, "City Z": 0, "Total": 1}
    assert later["Any code"]["Total"] == 1
    earlier = grid(compute(analysis, criteria=Criteria(coded_to=date(2024, 1, 31))))
    assert earlier["Data ownership"] == {"City X": 2, "City Y": 1, "City Z": 0, "Total": 3}
    assert earlier["Any code"]["Total"] == 6


def test_interview_attribute_filter_narrows_cells_and_columns(analysis):
    def recorded(facets):
        dimension = next(
            d for d in facets.dimensions.values() if d.attribute and d.attribute.name == "Recorded"
        )
        return Criteria(where=(Condition(dimension, frozenset({"yes"})),))

    matrix = compute(analysis, criteria=recorded)
    # City Z has no recorded interview and no codings: no column.
    assert [(c.label, c.interviews) for c in matrix.columns] == [("City X", 1), ("City Y", 2)]
    assert grid(matrix)["Data ownership"] == {"City X": 2, "City Y": 1, "Total": 3}


def test_framework_and_level_choose_the_rows_and_what_any_code_counts(analysis):
    ior = compute(analysis, framework="ior")
    assert [row.code.name for row in ior.rows] == [
        "Determinants",
        "Data ownership",
        "Political determination",
    ]
    assert grid(ior)["Any code"]["Total"] == 6  # s5 carries only a Territory code
    assert grid(compute(analysis))["Any code"]["Total"] == 7
    open_codes = compute(analysis, level="open")
    assert [row.code.name for row in open_codes.rows] == [
        "Data ownership",
        "Political determination",
        "Marking",
        "Marking data",
    ]
    top = compute(analysis, depth=1)
    assert [row.code.name for row in top.rows] == ["Determinants", "Territory"]
    assert grid(top)["Territory"]["Total"] == 2
    assert grid(top)["Any code"]["Total"] == 7  # the top rows hold every code
    assert grid(compute(analysis, framework="icaf"))["Any code"]["Total"] == 0  # no row: nothing counted


def test_hide_empty_rows(analysis):
    matrix = compute(analysis, criteria=Criteria(coder_id=analysis.coder.pk), hide_empty=True)
    assert [row.code.name for row in matrix.rows] == [
        "Determinants",
        "Data ownership",
        "Political determination",
    ]


@pytest.mark.parametrize("measure", Measure.values)
@pytest.mark.parametrize("valence", [False, True])
def test_trees_too_big_for_packed_keys_give_the_same_matrix(analysis, monkeypatch, measure, valence):
    facets = load_facets(project=analysis.project)
    assert tree_keys(facets.tree).shifts is not None
    assert tree_keys(facets.tree, bits=2).shifts is None
    packed = compute(analysis, measure=measure, valence=valence, columns="role")
    monkeypatch.setattr(matrix_module, "KEY_BITS", 2)
    positions = compute(analysis, measure=measure, valence=valence, columns="role")
    for part in ("all", "positive", "negative"):
        assert grid(positions, part) == grid(packed, part)


def test_an_empty_project_has_an_empty_matrix(project):
    facets = load_facets(project=project)
    matrix = build_matrix(facets=facets, spec=Spec(dimension=facets.dimensions["case"]))
    assert (matrix.rows, matrix.columns, matrix.grand_total.all) == ([], [], 0)


# The IOR paper's determinant × case table ---------------------------------------------------------

# From the findings of the IOR meta-analysis (the IOR paper the IOR seed cites): which case
# study (1 = City X, 2 = City Y, 3 = City Z) the paper cites for each determinant, and its direction. "+"
# pulls agencies together, "−" pushes them apart, "" the paper attributes nothing to that city.
PAPER = {
    # "Government employees collaborate and share data to help people (Case 3)"; "for the benefit of people
    # (Case 2)"
    "Intention to help people": {"City X": "", "City Y": "+", "City Z": "+"},
    # State Council documents (Case 1); "invisible and powerful hands (Case 2), pushing agencies to share"
    "Political determination": {"City X": "+", "City Y": "+", "City Z": ""},
    # "the more data are in our control, the more [institutional] power we are likely to get (Case 1)"
    "Interagency partnership": {"City X": "−", "City Y": "", "City Z": ""},
    # "data … as their own (Case 2)"; "the data are mine … not for you (Case 1)"; City Z's case study found
    # workers "constantly protect and reinsure the ownership of data" created in their agency.
    "Data ownership": {"City X": "−", "City Y": "−", "City Z": "−"},
    # "as shown in the three case studies, neither the leadership nor the employees can be considered ready"
    "Organisational readiness": {"City X": "−", "City Y": "−", "City Z": "−"},
    # own budgets "stretched to the limit (Case 2)"; "virtually impossible (Case 3)"
    "Financial readiness": {"City X": "", "City Y": "−", "City Z": "−"},
    # "contracting different system providers (Case 2)"; "very difficult to achieve interconnection (Case 3)"
    "Technological support": {"City X": "", "City Y": "−", "City Z": "−"},
}

# Illustrative statements written for this test (not quotations from the paper), one per finding above.
STATEMENTS = {
    (
        "City X",
        "Political determination",
    ): "The national guidelines leave every bureau no choice but to share.",
    ("City X", "Interagency partnership"): "Whoever holds the most data wins the most influence at the top.",
    ("City X", "Data ownership"): "For years each office has treated its records as private property.",
    ("City X", "Organisational readiness"): "Our director signs nothing that brings no reward this year.",
    ("City Y", "Intention to help people"): "In the end we share so residents stop queuing at five counters.",
    ("City Y", "Political determination"): "Directives from above keep pressing us to open the tables.",
    ("City Y", "Data ownership"): "Every department calls the figures it gathers its own.",
    ("City Y", "Organisational readiness"): "Nobody here was trained to prepare data for another bureau.",
    ("City Y", "Financial readiness"): "The work comes out of a budget that was already stretched.",
    ("City Y", "Technological support"): "Each bureau hired its own vendor and the systems cannot talk.",
    ("City Z", "Intention to help people"): "Sharing means a family solves its problem in one visit.",
    ("City Z", "Data ownership"): "Staff stamp the files as ours before anyone else may look.",
    ("City Z", "Organisational readiness"): "The staff have neither the skills nor the wish to do it.",
    ("City Z", "Financial readiness"): "Without money of its own the project is practically impossible.",
    ("City Z", "Technological support"): "Linking our platform to theirs has proved very hard.",
}


def test_determinant_by_case_table_matches_the_ior_paper(project, owner):
    seed_framework(project=project, framework="ior")
    determinants = project.codes.get(name="Determinants of interagency relationships")
    codes = {code.name: code for code in determinants.children.all()}
    assert set(codes) == set(PAPER)
    for city in ("City X", "City Y", "City Z"):
        case = CaseFactory(project=project, name=city)
        said = [(name, text) for (where, name), text in STATEMENTS.items() if where == city]
        transcript = TranscriptFactory(
            case=case,
            title=f"{city} (illustrative)",
            respondent=f"{city[-1]}-R01",
            text="\n\n".join(f"{city[-1]}-R01: {text}" for _, text in said),
        )
        for name, text in said:
            sign = PAPER[name][city]
            code_passage(transcript, text, codes[name], owner, "positive" if sign == "+" else "negative")

    facets = load_facets(project=project)
    spec = Spec(dimension=facets.dimensions["case"], valence=True)
    matrix = build_matrix(facets=facets, spec=spec)
    shown = {}
    for row in matrix.rows:
        if row.code.name in PAPER:
            shown[row.code.name] = {
                column.label: "+" if cell.net_value > 0 else "−" if cell.net_value < 0 else ""
                for column, cell in zip(matrix.columns, row.cells, strict=True)
            }
    assert shown == PAPER
    # Tension, the paper's core category: pushing forces outweigh pulling ones in every city.
    parent = next(row for row in matrix.rows if row.code.pk == determinants.pk)
    assert [cell.net_value < 0 for cell in parent.cells] == [True, True, True]


# The page ---------------------------------------------------------------------------------------------------


def url(project, name="coding:matrix"):
    return reverse(name, args=[project.pk])


def test_viewer_sees_the_matrix_with_totals_and_legend(client_for, analysis, viewer):
    response = client_for(viewer).get(url(analysis.project))
    assert response.status_code == 200
    html = response.text
    assert "Cross-case matrix" in html and 'id="matrix"' in html
    assert "Coded segments: number of coded segments" in html
    assert 'class="legend"' in html and "n = 2" in html
    assert html.count('data-code="') == len(ROWS) + 1  # the rows and "Any code"
    ownership = analysis.codes.ownership.pk
    assert f"node={ownership}&amp;col=v%3A{analysis.cases.x.pk}" in html


def test_htmx_request_gets_only_the_table(client_for, analysis, viewer):
    response = client_for(viewer).get(url(analysis.project) + "?view=valence", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="matrix-area"')
    assert "valence-view" in response.text and "<form" not in response.text
    assert "HX-Request" in response["Vary"]


def test_bad_settings_say_what_is_wrong(client_for, analysis, viewer):
    response = client_for(viewer).get(
        url(analysis.project) + "?measure=loudness&coded_from=2024-05-01&coded_to=2024-01-01"
    )
    assert response.status_code == 200
    assert "The matrix cannot be drawn" in response.text
    assert "Select a valid choice" in response.text
    assert "The end of the date range is before its start." in response.text
    assert 'id="matrix"' not in response.text


def test_a_code_of_another_project_is_not_a_choice(client_for, analysis, viewer):
    other = CaseFactory(name="Elsewhere")
    stranger = UserFactory(username="elsewhere")
    response = client_for(viewer).get(url(analysis.project) + f"?coder={stranger.pk}&where=case:{other.pk}")
    assert "Select a valid choice" in response.text and 'id="matrix"' not in response.text


def test_matrix_page_query_count_is_fixed(client_for, analysis, viewer, django_assert_num_queries):
    client = client_for(viewer)
    # session, user, membership; codes, cases, members, attributes, roles, case and interview values, sets
    # and saved queries;
    # interviews, the grouped coding query (in a transaction on PostgreSQL), interviews per column
    from django.db import connection

    extra = 4 if connection.vendor == "postgresql" else 0  # BEGIN, SET LOCAL ×2, COMMIT
    with django_assert_num_queries(14 + extra + 1):  # respondents: one more, the interviews' respondents
        client.get(url(analysis.project) + "?view=valence&columns=role&measure=respondents")
    with django_assert_num_queries(14 + extra):
        client.get(url(analysis.project) + "?measure=share")


def test_drill_down_lists_the_quotations_behind_the_cell(client_for, analysis, viewer):
    project = analysis.project
    query = f"?node={analysis.codes.ownership.pk}&col=v:{analysis.cases.x.pk}"
    response = client_for(viewer).get(url(project, "coding:matrix_cell_hx") + query, headers=HX)
    assert response.status_code == 200
    html = response.text
    assert html.lstrip().startswith('<section id="drilldown"')
    assert "Data ownership × City X" in html and "2 quotations" in html
    assert "The bureau says the records are ours alone." in html and "Nobody else may copy them." in html
    assert "(City X, respondent R01)" in html and "Speaker: R01" in html and "¶ 2" in html
    assert "leader" in html and "Political determination" in html  # the passage's other code
    workspace = reverse("coding:workspace", args=[project.pk, analysis.transcripts.x1.pk])
    assert f'href="{workspace}#s{analysis.segments.s1.pk}"' in html


def test_a_long_drill_down_is_paged_in_place(client_for, project, case, viewer):
    code = CodeFactory(project=project, name="Data ownership")
    transcript = TranscriptFactory(case=case, text=" ".join(f"w{n:02d}" for n in range(30)))
    for n in range(25):
        segment = SegmentFactory(transcript=transcript, start=4 * n, end=4 * n + 3, created_by=viewer)
        CodingFactory(segment=segment, code=code, coder=viewer)
    cell = url(project, "coding:matrix_cell_hx") + f"?node={code.pk}&col=v:{case.pk}"
    first = client_for(viewer).get(cell, headers=HX).text
    assert "25 quotations" in first and "Page 1 of 2" in first
    assert re.search(r'hx-get="[^"]*/matrix/cell/\?[^"]*&amp;page=2" hx-target="#drilldown"', first)
    second = client_for(viewer).get(cell + "&page=2", headers=HX).text
    assert "Page 2 of 2" in second and ">Previous</a>" in second


def test_every_cell_drills_down_to_as_many_quotations_as_it_counts(client_for, analysis, viewer):
    client = client_for(viewer)
    for valence in (False, True):
        matrix = compute(analysis, valence=valence)
        rows = [
            *[(row.code.pk, [*row.cells, row.total]) for row in matrix.rows],
            (0, [*matrix.column_totals, matrix.grand_total]),
        ]
        for node, cells in rows:
            for cell in cells:
                for sign, expected in (
                    (("positive", cell.positive), ("negative", cell.negative))
                    if valence
                    else (("", cell.all),)
                ):
                    query = f"?{cell.address}&sign={sign}" + ("&view=valence" if valence else "")
                    response = client.get(url(analysis.project, "coding:matrix_cell_hx") + query, headers=HX)
                    count = response.context["page"].paginator.count
                    assert count == expected, (node, cell.column, sign)


def test_drill_down_without_javascript_opens_the_cell_on_the_page(client_for, analysis, viewer):
    client = client_for(viewer)
    query = f"node={analysis.codes.territory.pk}&col=*"
    response = client.get(url(analysis.project, "coding:matrix_cell_hx") + "?" + query)
    assert response.status_code == 302
    assert response["Location"].startswith(url(analysis.project) + "?node=")
    assert response["Location"].endswith("#drilldown")
    page = client.get(response["Location"])
    assert "Territory × all columns" in page.text and "We stamp every table with our name." in page.text
    assert 'id="matrix"' in page.text


def test_drill_down_with_a_bad_cell_says_so(client_for, analysis, viewer):
    client = client_for(viewer)
    response = client.get(
        url(analysis.project, "coding:matrix_cell_hx") + "?node=999999&col=v:nowhere", headers=HX
    )
    assert response.status_code == 200
    assert "This cell cannot be opened" in response.text
    assert "Select a valid choice" in response.text and "“nowhere” is not a value of Case" in response.text
    missing = client.get(url(analysis.project, "coding:matrix_cell_hx"), headers=HX)
    assert "its code is missing" in missing.text


def test_drill_down_query_count_is_fixed(client_for, analysis, viewer, django_assert_num_queries):
    client = client_for(viewer)
    query = f"?node={analysis.codes.determinants.pk}&col=*&view=valence&sign=negative"
    # session, user, membership; the facets it reads (attributes with sets and saved queries, codes,
    # members); count, page of passages, their codings, their transcripts' texts, the speaker labels around
    # the passages
    with django_assert_num_queries(11):
        response = client.get(url(analysis.project, "coding:matrix_cell_hx") + query, headers=HX)
    assert response.context["page"].paginator.count == 4


# Exports ----------------------------------------------------------------------------------------------------


def test_matrix_csv_is_the_table_as_shown_under_how_it_was_computed(client_for, analysis, viewer):
    query = f"?measure=transcripts&view=valence&coder={analysis.owner.pk}&framework=ior&format=csv"
    response = client_for(viewer).get(url(analysis.project, "coding:matrix_export") + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="interagency-data-sharing-matrix-{today}.csv"'
    )
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    header = dict(line for line in lines[: lines.index([])] if len(line) == 2)
    assert header["Project"] == "Interagency data sharing"
    assert header["Measure"].startswith("Interviews mentioning the code")
    assert header["View"].startswith("valence")
    assert header["Rows"] == "framework IOR; “any code” counts the codings of these rows only"
    assert header["Scope"] == "coded by pi"
    table = lines[lines.index([]) + 1 :]
    assert table[0][:5] == ["Code", "Code path", "Level", "Framework", "City X (n = 2) +"]
    assert table[0][-3:] == ["Total +", "Total −", "Total net"]
    assert [row[0] for row in table[1:]] == [
        "Determinants",
        "Data ownership",
        "Political determination",
        "Any code",
    ]
    ownership = table[2]
    assert ownership[1] == "Determinants › Data ownership"
    # pi's codings: ownership − in X1 and Y1, none positive
    assert ownership[4:7] == ["0", "1", "-1"] and ownership[7:10] == ["0", "1", "-1"]


def test_matrix_csv_of_shares_is_in_per_cent(client_for, analysis, viewer):
    response = client_for(viewer).get(
        url(analysis.project, "coding:matrix_export") + "?measure=share&format=csv"
    )
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    table = lines[lines.index([]) + 1 :]
    assert table[0][4] == "City X (n = 2) (%)"
    ownership = next(row for row in table if row[0] == "Data ownership")
    assert ownership[4:8] == ["50.0", "66.7", "0.0", "50.0"]


def test_matrix_xlsx_has_the_same_table(client_for, analysis, viewer):
    response = client_for(viewer).get(
        url(analysis.project, "coding:matrix_export") + "?measure=share&format=xlsx"
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'matrix-{timezone.localdate().isoformat()}.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    rows = [row[: max((i + 1 for i, v in enumerate(row) if v is not None), default=0)] for row in rows]
    assert rows[0] == ["Crosscase cross-case matrix"]
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Code")
    ownership = next(row for row in rows[start:] if row[0] == "Data ownership")
    assert ownership[4:8] == [0.5, pytest.approx(2 / 3), 0, 0.5]
    cell = next(row for row in sheet.iter_rows(min_row=start + 2) if row[0].value == "Data ownership")[4]
    assert cell.number_format == "0.0%"


@pytest.mark.parametrize(
    ("filters", "codings", "passages"),
    [
        ("framework=ior", 8, 6),  # every coding but Territory's (s5, and s7's marking)
        ("level=axial&framework=ior", 8, 6),
        ("framework=ior&view=valence", 8, 6),
        ("framework=emergent&view=valence", 0, 0),  # Territory's codings have no valence
        ("level=open&coder={pi}&coded_to=2024-02-01", 7, 5),
        ("framework=ior&where=attr-{size}:small", 3, 3),
        ("", 10, 7),
    ],
)
def test_coded_excerpts_of_a_filtered_matrix_are_the_codings_it_counts(
    client_for, analysis, viewer, filters, codings, passages
):
    filters = filters.format(pi=analysis.owner.pk, size=analysis.attributes.size.pk)
    client = client_for(viewer)
    page = client.get(url(analysis.project) + f"?{filters}")
    total = page.context["matrix"].grand_total
    if "valence" in filters:
        positive, negative = (3, 4) if codings else (0, 0)  # + on s1, s3, s6; − on s1, s2, s4, s7
        assert (total.positive, total.negative) == (positive, negative)
    else:
        assert total.all == passages
    link = re.search(r'href="([^"]*/excerpts/[^"]*)" download>coded excerpts', page.text).group(1)
    content = b"".join(client.get(link.replace("&amp;", "&")).streaming_content).decode()
    exported = list(csv.DictReader(io.StringIO(content)))
    assert len(exported) == codings
    assert len({row["quote id"] for row in exported}) == passages


def test_a_matrix_without_rows_offers_no_excerpts(client_for, analysis, viewer):
    page = client_for(viewer).get(url(analysis.project) + "?framework=icaf")
    assert page.context["matrix"].rows == [] and "coded excerpts" not in page.text
    cell = client_for(viewer).get(
        url(analysis.project, "coding:matrix_cell_hx") + "?framework=icaf&node=0&col=*", headers=HX
    )
    assert "No code of the codebook is a row of this matrix." in cell.text


def test_matrix_export_with_bad_settings_shows_the_errors(client_for, analysis, viewer):
    response = client_for(viewer).get(url(analysis.project, "coding:matrix_export") + "?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Select a valid choice" in response.text


def test_matrix_export_query_count_is_fixed(client_for, analysis, viewer, django_assert_num_queries):
    from django.db import connection

    extra = 4 if connection.vendor == "postgresql" else 0
    client = client_for(viewer)
    with django_assert_num_queries(15 + extra):  # 15: with the access log's row
        client.get(url(analysis.project, "coding:matrix_export") + "?format=xlsx")


def test_every_member_may_export_but_no_outsider(client_for, analysis, outsider):
    viewer = MembershipFactory(project=analysis.project, user=UserFactory(), role=Role.VIEWER).user
    assert client_for(viewer).get(url(analysis.project, "coding:matrix_export")).status_code == 200
    assert client_for(outsider).get(url(analysis.project, "coding:matrix_export")).status_code == 404


def test_valence_view_names_valences_as_the_model_does(client_for, analysis, viewer):
    from coding.models import Valence

    html = client_for(viewer).get(url(analysis.project) + "?view=valence").text
    for valence in (Valence.POSITIVE, Valence.NEGATIVE):
        assert f'title="Quotations: {valence.label}"' in html
        assert f"<span>{valence.label} (net " in html
    query = f"?view=valence&node={analysis.codes.ownership.pk}&col=*&sign=negative"
    cell = client_for(viewer).get(url(analysis.project, "coding:matrix_cell_hx") + query, headers=HX)
    assert f"Data ownership × all columns · {Valence.NEGATIVE.label}" in cell.text
