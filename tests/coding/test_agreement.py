"""The agreement report's figures, computed by hand for a small transcript at every unit.

Transcript T1 (no assignments, so every compared coder's): "ab𠮷cd\n\nefgh\n\nijkl", 17 code points
(𠮷 is one), paragraphs P1 [0, 5), P2 [7, 11), P3 [13, 17).
Code X: pi codes [1, 4) "b𠮷c" (+), [2, 3) "𠮷" nested in it (−), and [8, 10) "fg" (none); ra codes [2, 5)
"𠮷cd" (+). Code Y: only pi, [13, 15). Code Z: nobody.
"""

import pytest

from cases.models import Assignment
from coding.agreement.report import build_report
from coding.agreement.units import Coder, common, covered, load_material, merge
from coding.analysis.retrieval import CodeTree
from coding.models import Coding, Segment
from tests.factories import CaseFactory, CodeFactory, MembershipFactory, TranscriptFactory, UserFactory

TEXT = "ab𠮷cd\n\nefgh\n\nijkl"


def mark(transcript, start, end, code, coder, valence="none"):
    segment = Segment.objects.create(transcript=transcript, start=start, end=end, created_by=coder)
    return Coding.objects.create(segment=segment, code=code, coder=coder, valence=valence)


@pytest.fixture
def team(project, owner, coder, case):
    t1 = TranscriptFactory(case=case, title="T1", text=TEXT)
    x, y, z = (CodeFactory(project=project, name=name) for name in "XYZ")
    mark(t1, 1, 4, x, owner, "positive")
    mark(t1, 2, 3, x, owner, "negative")
    mark(t1, 8, 10, x, owner)
    mark(t1, 2, 5, x, coder, "positive")
    mark(t1, 13, 15, y, owner)
    return {
        "t1": t1,
        "codes": [x, y, z],
        "coders": [Coder(owner.pk, "pi"), Coder(coder.pk, "ra")],
        "case": case,
    }


def report_for(team, unit, *, coders=None, transcripts=None, overlap=50):
    coders = coders or team["coders"]
    tree = CodeTree.load(team["codes"][0].project)
    codes = [tree.by_id[code.pk] for code in team["codes"]]
    transcripts = transcripts or [team["t1"]]
    material = load_material(
        coders=coders,
        code_ids=[code.pk for code in team["codes"]],
        transcript_ids=[t.pk for t in transcripts],
        with_text=True,
        with_labels=True,
    )
    cases = list({t.case_id: t.case for t in transcripts}.values())
    return build_report(material=material, unit=unit, codes=codes, cases=cases, overlap=overlap)


def by_code(comparison):
    return {row.label: row.values for row in comparison.by_code}


def test_interval_arithmetic_merges_nested_and_touching_spans():
    assert merge([(1, 4), (2, 3), (8, 10), (4, 6)]) == [(1, 6), (8, 10)]
    assert covered(merge([(1, 4), (2, 3)])) == 3
    assert common([(1, 4), (8, 10)], [(2, 5), (9, 20)]) == 3
    assert common([], [(0, 5)]) == 0


def test_characters_per_code_over_the_whole_text_and_over_coded_text(team):
    (comparison,) = report_for(team, "characters").comparisons
    x, y, z = (by_code(comparison)[name] for name in "XYZ")
    # X: pi covers [1, 4) ∪ [8, 10) = 5 (the nested [2, 3) adds nothing), ra [2, 5) = 3, both [2, 4) = 2.
    assert (x["total"], x["both"], x["only_a"], x["only_b"], x["neither"]) == (17, 2, 3, 1, 11)
    assert x["percent"] == pytest.approx(13 / 17)
    assert x["kappa"] == pytest.approx(38 / 106)  # po 13/17, pe 183/289
    # Coded text: what either coded with X or Y, [1, 5) ∪ [8, 10) ∪ [13, 15) = 8 characters.
    assert (x["coded"], x["coded_neither"]) == (8, 2)
    assert x["coded_percent"] == pytest.approx(4 / 8)
    assert x["coded_kappa"] == pytest.approx(2 / 34)
    # Y, used by one coder only: agreement on the uncoded text, κ exactly 0.
    assert (y["both"], y["only_a"], y["only_b"], y["neither"]) == (0, 2, 0, 15)
    assert y["percent"] == pytest.approx(15 / 17) and y["kappa"] == pytest.approx(0)
    # Z, used by nobody: full agreement, κ undefined (chance agreement is 1).
    assert (z["neither"], z["percent"], z["kappa"], z["coded_kappa"]) == (17, 1.0, None, None)
    overall = comparison.overall.values
    assert (overall["total"], overall["both"], overall["only_a"], overall["only_b"]) == (51, 2, 5, 1)
    assert [row.values["total"] for row in comparison.by_case] == [51]
    assert len(comparison.by_transcript) == 3  # code × transcript rows, as NVivo reports them


def test_paragraphs_two_coders(team):
    (comparison,) = report_for(team, "paragraphs").comparisons
    x = by_code(comparison)["X"]
    # P1 both, P2 only pi, P3 neither.
    assert (x["units"], x["complete"], x["present"]) == (3, 3, 2)
    assert x["percent"] == pytest.approx(2 / 3)
    assert x["cohen"] == pytest.approx(0.4)
    assert x["fleiss"] == pytest.approx(1 / 3)
    assert x["alpha"] == pytest.approx(4 / 9)
    z = by_code(comparison)["Z"]
    assert (z["units"], z["percent"], z["cohen"], z["fleiss"], z["alpha"]) == (3, 1.0, None, None, None)
    assert [column.key for column in comparison.columns][-3:] == ["cohen", "fleiss", "alpha"]


@pytest.fixture
def three(team, project):
    """A third coder; T2 "mmmm\n\nnnnn" (Q1 [0, 4), Q2 [6, 10)) is assigned to pi and chen, not ra."""
    chen = MembershipFactory(project=project, user=UserFactory(username="chen")).user
    x = team["codes"][0]
    mark(team["t1"], 0, 2, x, chen)
    mark(team["t1"], 7, 9, x, chen)
    t2 = TranscriptFactory(case=team["case"], title="T2", text="mmmm\n\nnnnn")
    for user in (team["coders"][0].pk, chen.pk):
        Assignment.objects.create(transcript=t2, coder_id=user)
    mark(t2, 0, 4, x, project.memberships.get(user__username="pi").user)
    mark(t2, 0, 10, x, chen)
    mark(t2, 6, 10, x, project.memberships.get(user__username="ra").user)  # ra was not assigned: missing
    return {**team, "coders": [*team["coders"], Coder(chen.pk, "chen")], "t2": t2}


def test_paragraphs_three_coders_with_missing_units(three):
    (comparison,) = report_for(three, "paragraphs", transcripts=[three["t1"], three["t2"]]).comparisons
    x = by_code(comparison)["X"]
    # P1 1,1,1  P2 1,0,1  P3 0,0,0  Q1 1,·,1  Q2 0,·,1 (ra missing in T2, whatever ra coded there).
    assert (x["units"], x["complete"], x["present"]) == (5, 3, 4)
    assert x["percent"] == pytest.approx(3 / 5)
    assert x["fleiss"] == pytest.approx(22 / 40)  # over P1–P3, which all three rated
    assert x["alpha"] == pytest.approx(0.4)
    assert "cohen" not in x  # two coders only


def test_transcripts_unit(three):
    (comparison,) = report_for(three, "transcripts", transcripts=[three["t1"], three["t2"]]).comparisons
    x = by_code(comparison)["X"]
    assert (x["units"], x["complete"], x["present"], x["percent"]) == (2, 1, 2, 1.0)
    assert (x["fleiss"], x["alpha"]) == (None, None)  # one value throughout
    y = by_code(comparison)["Y"]
    assert (y["present"], y["percent"]) == (1, 0.5)  # T1: only pi; T2: nobody of pi and chen


def test_segments_with_an_overlap_threshold(team):
    (comparison,) = report_for(team, "segments").comparisons
    x, y, z = (by_code(comparison)[name] for name in "XYZ")
    # [1, 4) and [2, 5) share 2 of 4 characters: 50 %, enough; the nested [2, 3) shares 1 of 3.
    assert (x["a_quotations"], x["a_matched"], x["b_quotations"], x["b_matched"]) == (3, 1, 1, 1)
    assert x["percent"] == pytest.approx(0.5)
    assert (y["a_quotations"], y["a_matched"], y["percent"]) == (1, 0, 0.0)
    assert z["percent"] is None
    (strict,) = report_for(team, "segments", overlap=60).comparisons
    assert by_code(strict)["X"]["a_matched"] == 0 and by_code(strict)["X"]["percent"] == 0.0


def test_valence_of_overlapping_codings(team):
    (comparison,) = report_for(team, "valence").comparisons
    x = by_code(comparison)["X"]
    # pi [1, 4) + meets ra [2, 5) +; pi [2, 3) − meets it too; pi [8, 10) meets nothing.
    assert (x["pairs"], x["agree"], x["percent"]) == (2, 1, 0.5)
    assert x["kappa"] == pytest.approx(0.0)
    assert by_code(comparison)["Z"] == {"pairs": 0, "agree": 0, "percent": None, "kappa": None}


def test_turns_are_units_cut_at_speaker_labels(project, owner, coder):
    case = CaseFactory(project=project)
    transcript = TranscriptFactory(case=case)  # four labelled turns: Interviewer, R01, Interviewer, R01
    code = CodeFactory(project=project, name="T")
    text = transcript.text
    start = text.index("Every bureau")
    mark(transcript, start, start + 5, code, owner)
    mark(transcript, start + 2, start + 8, code, coder)
    team = {"t1": transcript, "codes": [code], "coders": [Coder(owner.pk, "pi"), Coder(coder.pk, "ra")]}
    (comparison,) = report_for(team, "turns").comparisons
    row = by_code(comparison)["T"]
    assert (row["units"], row["present"], row["percent"], row["cohen"]) == (4, 1, 1.0, pytest.approx(1.0))


def test_merging_unanimous_units_leaves_krippendorffs_alpha_as_the_package_computes_it():
    import krippendorff
    import numpy as np

    from coding.agreement import statistics

    rng = np.random.default_rng(3)
    for _ in range(100):
        raters = rng.integers(0, 5, rng.integers(1, 60))
        present = np.array([rng.integers(0, r + 1) if rng.random() < 0.4 else 0 for r in raters])
        table = np.column_stack([raters - present, present]).astype(float)
        try:
            with np.errstate(all="ignore"):
                expected = krippendorff.alpha(value_counts=table, level_of_measurement="nominal")
        except ValueError:
            expected = float("nan")
        got = statistics.alpha_present_absent(raters=raters, present=present)
        assert got == (None if np.isnan(expected) else pytest.approx(expected))
        assert statistics.alpha(table) == got
