"""The agreement report page and its downloads: who may open them, what they show, bad input, queries."""

import csv
import io
import random

import krippendorff
import numpy as np
import pytest
from django.urls import reverse
from openpyxl import load_workbook
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa, to_table

from accounts.people import consensus_coder
from cases.models import Assignment, Role
from cases.turns import paragraph_spans
from coding.agreement.report import build_report, unit_tables
from coding.agreement.units import Coder, load_material
from coding.analysis.retrieval import CodeTree
from tests.coding.test_agreement import TEXT, mark
from tests.factories import (
    CaseFactory,
    CodeFactory,
    MembershipFactory,
    ProfileFactory,
    ProjectFactory,
    TranscriptFactory,
    UserFactory,
)


@pytest.fixture
def coded(project, owner, coder, case):
    ProfileFactory(user=owner, display_name="Pat Investigator")
    ProfileFactory(user=coder, display_name="Ada Assistant")
    t1 = TranscriptFactory(case=case, title="T1", text=TEXT)
    x = CodeFactory(project=project, name="X")
    CodeFactory(project=project, name='=HYPERLINK("http://evil")')  # nobody applied it
    mark(t1, 1, 4, x, owner, "positive")
    mark(t1, 8, 10, x, owner)
    mark(t1, 2, 5, x, coder, "positive")
    return {"t1": t1, "x": x}


def url(project, name="coding:agreement"):
    return reverse(name, args=[project.pk])


def test_owner_sees_paragraph_figures_with_the_units_definition(client_for, project, owner, coded):
    response = client_for(owner).get(url(project), {"unit": "paragraphs"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A unit is one paragraph of a transcript" in page
    assert "Ada Assistant, Pat Investigator" in page  # coders by display name
    assert "66.7 %" in page and "0.400" in page  # X: two of three paragraphs agree, Cohen's κ 0.4
    assert "—" in page and "chance agreement is 1" in page  # the code nobody applied, explained
    assert "=HYPERLINK(&quot;http://evil&quot;)" in page  # escaped, and shown although unused


def test_coder_choices_are_people_with_codings_or_assignments_by_display_name(
    client_for, project, owner, coder, viewer, coded
):
    consensus = consensus_coder()
    mark(coded["t1"], 13, 15, coded["x"], consensus)
    assigned = UserFactory(username="zz")
    ProfileFactory(user=assigned, display_name="Bea Assigned")
    Assignment.objects.create(transcript=coded["t1"], coder=assigned)
    form = client_for(owner).get(url(project)).context["form"]
    names = [name for _, name in form.fields["coders"].choices]
    assert names == ["Ada Assistant", "Bea Assigned", "Consensus", "Pat Investigator"]  # not the viewer


def test_members_open_it_but_while_blind_only_owners(client_for, project, owner, coder, viewer, coded):
    assert client_for(viewer).get(url(project)).status_code == 200
    project.blind_coding = True
    project.save()
    for user in (coder, viewer):
        response = client_for(user).get(url(project))
        assert response.status_code == 403
        assert (
            "While blind coding is on, only owners of the project can compare coders"
            in response.content.decode()
        )
        assert client_for(user).get(url(project, "coding:agreement_export")).status_code == 403
    assert client_for(owner).get(url(project)).status_code == 200
    # the project's navigation offers the report only to those who may open it
    nav_link = f'href="{url(project)}"'
    assert nav_link in client_for(owner).get(project.get_absolute_url()).content.decode()
    assert nav_link not in client_for(coder).get(project.get_absolute_url()).content.decode()


def test_ids_from_another_project_are_a_clear_error(client_for, project, owner, coder, coded):
    other = ProjectFactory()
    stranger = MembershipFactory(project=other).user
    foreign_code = CodeFactory(project=other)
    response = client_for(owner).get(
        url(project), {"coders": [owner.pk, stranger.pk], "codes": [foreign_code.pk]}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f"{stranger.pk} is not a coder of this project." in page
    assert f"{foreign_code.pk} is not a code of this project." in page
    response = client_for(owner).get(url(project, "coding:agreement_export"), {"coders": [owner.pk]})
    assert response.status_code == 400 and "Choose two or more coders" in response.content.decode()
    response = client_for(owner).get(url(project), {"overlap": "0"})
    assert response.status_code == 400


def test_queries_are_fixed_whatever_the_data(
    client_for, project, owner, coder, coded, django_assert_num_queries
):
    client = client_for(owner)
    params = {"unit": "turns"}
    client.get(url(project), params)  # warm the session
    # Of the facets, the report reads the codes and the cases.
    with django_assert_num_queries(11):
        client.get(url(project), params)
    case = CaseFactory(project=project)
    for number in range(4):
        transcript = TranscriptFactory(case=case, title=f"More {number}")
        code = CodeFactory(project=project)
        mark(transcript, 0, 10, code, owner)
        mark(transcript, 5, 15, code, coder)
        Assignment.objects.create(transcript=transcript, coder=coder)
    with django_assert_num_queries(11):
        client.get(url(project), params)
    with django_assert_num_queries(10):  # no speaker labels for characters
        client.get(url(project), {"unit": "characters"})


def test_csv_export_has_the_header_block_and_is_formula_safe(client_for, project, owner, coded):
    response = client_for(owner).get(
        url(project, "coding:agreement_export"), {"unit": "characters", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header = {row[0]: row[1] for row in rows[:9] if len(row) > 1}
    assert header["Unit"].startswith("Characters: A unit is one character")
    assert header["Coders"] == "Ada Assistant, Pat Investigator"
    assert "1 transcripts in City X" in header["Scope"] and "Computed" in header
    assert ["code", '\'=HYPERLINK("http://evil")'] in [row[:2] for row in rows]
    x = next(row for row in rows if row[:2] == ["code", "X"])
    # Ada is A (names in order): both [2, 4) = 2, only A [4, 5) = 1, only B 3; agreement 13/17.
    assert x[4:9] == ["17", "2", "1", "3", "11"] and x[9] == "76.5"


def test_xlsx_export_states_the_method_and_formats_shares(client_for, project, owner, coded):
    response = client_for(owner).get(url(project, "coding:agreement_export"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Crosscase agreement report"
    labels = [row[0] for row in rows[:9]]
    assert {"Unit", "Statistics", "Coders", "Scope", "Computed"} <= set(labels)
    evil = next(cell for cell in sheet["B"] if cell.value and str(cell.value).startswith("=HYPER"))
    assert evil.data_type == "s" and evil.quotePrefix
    agreement = next(row for row in sheet.iter_rows() if row[1].value == "X")
    shares = [cell for cell in agreement if cell.number_format == "0.0%"]
    assert shares and shares[0].value == pytest.approx(2 / 3)


def test_figures_match_the_packages_on_random_data(project, owner, coder):
    """Random codings by three coders with random assignments: the report's figures equal the packages' on
    ratings built here unit by unit, and character counts equal sets of characters."""
    rng = random.Random(4)
    chen = MembershipFactory(project=project, user=UserFactory(username="chen"), role=Role.CODER).user
    users = [owner, coder, chen]
    case = CaseFactory(project=project)
    codes = [CodeFactory(project=project, name=f"C{n}") for n in range(3)]
    transcripts = []
    used = set()
    for number in range(4):
        paragraphs = [
            "".join(rng.choice("ab𠮷 ") for _ in range(rng.randint(5, 30))).strip() + "x" for _ in range(8)
        ]
        transcript = TranscriptFactory(case=case, title=f"R{number}", text="\n\n".join(paragraphs))
        transcripts.append(transcript)
        if number % 2:
            for user in rng.sample(users, 2):
                Assignment.objects.create(transcript=transcript, coder=user)
        length = len(transcript.text)
        for user in users:
            for _ in range(rng.randint(2, 9)):
                start = rng.randrange(length - 1)
                end = min(length, start + rng.randint(1, 25))
                if (transcript.pk, start, end, user.pk) not in used:  # one quotation per coder and span
                    used.add((transcript.pk, start, end, user.pk))
                    mark(transcript, start, end, rng.choice(codes), user)
    tree = CodeTree.load(project)
    chosen = [tree.by_id[code.pk] for code in codes]
    coders = [Coder(user.pk, user.username) for user in users]
    material = load_material(
        coders=coders,
        code_ids=[c.pk for c in codes],
        transcript_ids=[t.pk for t in transcripts],
        with_text=True,
        with_labels=False,
    )
    report = build_report(material=material, unit="paragraphs", codes=chosen, cases=[case])
    present, assigned, _ = unit_tables(material, "paragraphs", chosen)
    for index, row in enumerate(report.comparisons[0].by_code):
        # coders × units, NaN where a coder was not assigned
        ratings = np.where(assigned, present[index].astype(float), np.nan)
        pairable = (~np.isnan(ratings)).sum(axis=0) >= 2
        expected_alpha = krippendorff.alpha(
            reliability_data=ratings[:, pairable], level_of_measurement="nominal"
        )
        assert row.values["alpha"] == pytest.approx(expected_alpha)
        complete = ~np.isnan(ratings).any(axis=0)
        table, _ = aggregate_raters(ratings[:, complete].T.astype(int), n_cat=2)
        assert row.values["fleiss"] == pytest.approx(fleiss_kappa(table))
        assert row.values["units"] == int(pairable.sum()) and row.values["complete"] == int(complete.sum())
    # unit presence checked against the text itself, paragraph by paragraph
    by_coder = {(m.transcript_id, m.coder_id, m.code_id): [] for m in material.marks}
    for m in material.marks:
        by_coder[m.transcript_id, m.coder_id, m.code_id].append((m.start, m.end))
    column = 0
    for source in material.sources:
        for start, end, _ in paragraph_spans(source.text):
            for c, code in enumerate(chosen):
                for k, user in enumerate(users):
                    spans = by_coder.get((source.pk, user.pk, code.pk), [])
                    assert present[c, k, column] == any(s < end and e > start for s, e in spans)
            column += 1
    # two coders' Cohen's κ, and characters as sets
    pair = load_material(
        coders=coders[:2],
        code_ids=[c.pk for c in codes],
        transcript_ids=[t.pk for t in transcripts],
        with_text=True,
        with_labels=False,
    )
    two = build_report(material=pair, unit="paragraphs", codes=chosen, cases=[case]).comparisons[0]
    present, assigned, _ = unit_tables(pair, "paragraphs", chosen)
    both = assigned[0] & assigned[1]
    for index, row in enumerate(two.by_code):
        table, _ = to_table(
            np.stack([present[index, 0, both], present[index, 1, both]], axis=1).astype(int), bins=2
        )
        with np.errstate(all="ignore"):
            expected = cohens_kappa(table, return_results=False)
        assert row.values["cohen"] == (None if np.isnan(expected) else pytest.approx(expected))
    characters = build_report(material=pair, unit="characters", codes=chosen, cases=[case]).comparisons[0]
    for row, code in zip(characters.by_code, chosen, strict=True):
        total = both_count = only_a = 0
        for source in pair.sources:
            if not {owner.pk, coder.pk} <= source.assigned:
                continue
            a = {i for s, e in by_coder.get((source.pk, owner.pk, code.pk), []) for i in range(s, e)}
            b = {i for s, e in by_coder.get((source.pk, coder.pk, code.pk), []) for i in range(s, e)}
            total += source.length
            both_count += len(a & b)
            only_a += len(a - b)
        assert (row.values["total"], row.values["both"], row.values["only_a"]) == (total, both_count, only_a)
