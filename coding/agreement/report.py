"""The agreement report: figures comparing coders at the unit the analyst picks, each unit defined in words.

Every figure is per code (the code itself, not its sub-codes), per case (pooled over the chosen codes) and
overall (pooled over codes and cases), with the number of units behind it. Codes nobody applied are rows
too; a coefficient that is undefined for them is None, shown as "—" with the reason (`UNDEFINED`).
"""

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

import numpy as np
from django.utils import timezone

from cases.models import Case
from codebook.models import Code
from coding.agreement import statistics
from coding.agreement.units import (
    Coder,
    Material,
    Unit,
    common,
    covered,
    merge,
    paragraph_units,
    transcript_units,
    turn_units,
)
from coding.models import Valence

DEFINITIONS = {
    Unit.CHARACTERS: (
        "A unit is one character (Unicode code point) of a transcript, for one code. For each pair of"
        " coders, each code and each transcript both were assigned: characters both coded with the "
        "code, only A, only B, and neither, out of all the transcript's characters. This is the "
        "figure NVivo's coding comparison gives per code and source (percent agreement = (both + "
        "neither) / all characters; Cohen's κ over the 2 × 2 table of those counts); QualCoder's "
        "coder comparison works from the same four character counts. Here the counts are added up over "
        "the chosen transcripts per code, over the chosen codes per case, and over both overall; the "
        "export also lists every code × transcript row. “Coded text only” repeats the figures over "
        "the characters that at least one of the two coders coded with any of the chosen codes in "
        "that transcript, so that uncoded text no longer inflates agreement."
    ),
    Unit.PARAGRAPHS: (
        "A unit is one paragraph of a transcript (text between blank lines), for one code. A coder "
        "marks it present when one of their codings with the code shares at least one character with "
        "it, else absent. Paragraphs of a transcript a coder was not assigned are missing for that "
        "coder, not absent."
    ),
    Unit.TURNS: (
        "A unit is one speaker turn (from a speaker label to the next, as the workspace shows them), "
        "for one code. A coder marks it present when one of their codings with the code shares at "
        "least one character with it, else absent. Transcripts without speaker labels have no turns. "
        "Turns of a transcript a coder was not assigned are missing for that coder, not absent."
    ),
    Unit.TRANSCRIPTS: (
        "A unit is one transcript, for one code. A coder marks it present when they applied the code "
        "anywhere in it, else absent; a transcript a coder was not assigned is missing for that "
        "coder, not absent."
    ),
    Unit.SEGMENTS: (
        "A unit is one quotation of one coder with one code (as MAXQDA compares segments). It agrees "
        "when the other coder has a quotation with the same code in the same transcript that overlaps"
        " it by at least the threshold: the characters both spans share, as a share of the characters"
        " either covers. Each coder's quotations are checked against the other's; quotations in "
        "transcripts the other coder was not assigned are left out. Percent agreement = quotations "
        "that agree / all quotations checked."
    ),
    Unit.VALENCE: (
        "A unit is a pair of codings, one by each coder, with the same code on spans that share at "
        "least one character, in a transcript both were assigned. Each coding's valence is + (pulls "
        "together), − (pushes apart) or none. Percent agreement = pairs with the same valence / all "
        "pairs; Cohen's κ over the 3 × 3 table of the pairs' valences."
    ),
}

UNDEFINED = (
    "— means undefined: a percentage with no units behind it; a κ whose chance agreement is 1 (every "
    "unit has the same value for every coder, as for a code nobody applied); an α without a unit two "
    "coders rated, or with one value throughout."
)

NOMINAL = (Unit.PARAGRAPHS, Unit.TURNS, Unit.TRANSCRIPTS)
CUTTERS = {Unit.PARAGRAPHS: paragraph_units, Unit.TURNS: turn_units, Unit.TRANSCRIPTS: transcript_units}
VALENCES = (Valence.POSITIVE, Valence.NEGATIVE, Valence.NONE)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = "count"  # count, percent or coefficient


@dataclass
class Row:
    label: str
    values: dict
    path: str = ""
    case: str = ""  # for rows of one code in one transcript


@dataclass
class Comparison:
    """The figures for one pair of coders, or for all the chosen coders together."""

    title: str
    columns: list[Column]
    by_code: list[Row]
    by_case: list[Row]
    overall: Row
    # (code, "transcript · case", counts) for characters: the rows NVivo reports, computed only for exports
    per_transcript: list[tuple[Code, str, dict]] = field(default_factory=list)

    @property
    def by_transcript(self) -> list[Row]:
        return [
            Row(code.name, _character_figures(counts), code.path, where)
            for code, where, counts in self.per_transcript
        ]


@dataclass
class Report:
    unit: Unit
    coders: list[Coder]
    codes: list[Code]
    cases: list[Case]
    transcripts: int
    comparisons: list[Comparison]
    overlap: int
    created: datetime
    project_name: str = ""

    @property
    def definition(self) -> str:
        return DEFINITIONS[self.unit]

    @property
    def nothing_to_compare(self) -> str:
        if len(self.coders) < 2:
            return (
                "Fewer than two people have codings or assignments in this project (or were chosen): "
                "there is nothing to compare yet."
            )
        return ""

    @property
    def undefined(self) -> str:
        return UNDEFINED

    def method(self) -> list[tuple[str, str]]:
        """How the figures were computed, as the page and the exports' header state it."""
        statistics_used = {
            Unit.CHARACTERS: "Percent agreement and Cohen's κ (statsmodels) per pair of coders",
            Unit.SEGMENTS: f"Percent of quotations matched at ≥ {self.overlap} % overlap, per pair of coders",
            Unit.VALENCE: "Percent agreement and Cohen's κ (statsmodels) over valence pairs, per coder pair",
        }.get(
            self.unit,
            "Percent agreement (units where every coder who rated it agrees); Cohen's κ (statsmodels, two "
            "coders, units both rated); Fleiss' κ (statsmodels, units every coder rated); Krippendorff's α, "
            "nominal (krippendorff, units at least two coders rated; missing ratings left out)",
        )
        return [
            ("Unit", f"{self.unit.label}: {self.definition}"),
            ("Statistics", statistics_used),
            ("Coders", ", ".join(coder.name for coder in self.coders)),
            ("Scope", self.scope()),
            ("Computed", timezone.localtime(self.created).strftime("%Y-%m-%d %H:%M %Z")),
        ]

    def scope(self) -> str:
        cases = ", ".join(case.name for case in self.cases) or "no case"
        if len(self.codes) <= 8:
            codes = "codes " + ", ".join(code.name for code in self.codes)
        else:
            codes = f"{len(self.codes)} codes (each on its own, sub-codes not included)"
        return f"{self.transcripts} transcripts in {cases}; {codes}"


def build_report(
    *,
    material: Material,
    unit: str,
    codes: list[Code],
    cases: list[Case],
    overlap: int = 50,
    project_name: str = "",
) -> Report:
    unit = Unit(unit)
    if len(material.coders) < 2:
        comparisons = []
    elif unit in NOMINAL:
        comparisons = [_nominal(material, unit, codes, cases)]
    else:
        compute = {Unit.CHARACTERS: _characters, Unit.SEGMENTS: _segments, Unit.VALENCE: _valence}[unit]
        comparisons = [
            compute(material, pair, codes, cases, overlap=overlap)
            for pair in combinations(material.coders, 2)
        ]
    return Report(
        unit=unit,
        coders=material.coders,
        codes=codes,
        cases=cases,
        transcripts=len(material.sources),
        comparisons=comparisons,
        overlap=overlap,
        created=timezone.now(),
        project_name=project_name,
    )


def _comparison(
    title: str, columns: list[Column], figures, codes, cases, per_code, per_case, overall, **extra
):
    """A comparison whose rows are `figures` of the counts gathered per code, per case and overall."""
    return Comparison(
        title=title,
        columns=columns,
        by_code=[Row(code.name, figures(per_code[code.pk]), code.path) for code in codes],
        by_case=[Row(case.name, figures(per_case[case.pk])) for case in cases],
        overall=Row("All codes, all cases", figures(overall)),
        **extra,
    )


def _versus(pair: tuple[Coder, Coder]) -> str:
    return f"{pair[0].name} (A) and {pair[1].name} (B)"


def _spans(material: Material, coder_ids) -> dict:
    """(transcript, code, coder) → the coder's spans with the code in the transcript."""
    found: dict = defaultdict(list)
    for mark in material.marks:
        if mark.coder_id in coder_ids:
            found[mark.transcript_id, mark.code_id, mark.coder_id].append(mark)
    return found


# Characters -------------------------------------------------------------------------------------------------

CHARACTER_COUNTS = ("total", "both", "only_a", "only_b", "neither", "coded", "coded_neither")


def _character_figures(counts: dict) -> dict:
    both, only_a, only_b = counts["both"], counts["only_a"], counts["only_b"]
    return {
        **counts,
        "percent": statistics.share(both + counts["neither"], counts["total"]),
        "kappa": statistics.cohen([[both, only_a], [only_b, counts["neither"]]]),
        "coded_percent": statistics.share(both + counts["coded_neither"], counts["coded"]),
        "coded_kappa": statistics.cohen([[both, only_a], [only_b, counts["coded_neither"]]]),
    }


def _characters(material: Material, pair, codes, cases, *, overlap: int) -> Comparison:
    a, b = pair
    spans = _spans(material, {a.pk, b.pk})
    zero = dict.fromkeys(CHARACTER_COUNTS, 0)
    per_code = {code.pk: dict(zero) for code in codes}
    per_case = {case.pk: dict(zero) for case in cases}
    overall = dict(zero)
    case_names = {case.pk: case.name for case in cases}
    rows = []
    pk_a, pk_b = a.pk, b.pk
    ids = [(code, code.pk) for code in codes]  # a model's pk is a property: read once, not per transcript
    nothing: list = []
    for source in material.sources:
        if not {pk_a, pk_b} <= source.assigned:
            continue
        merged = {}
        for _, code_id in ids:
            for coder in (pk_a, pk_b):
                found = spans.get((source.pk, code_id, coder))
                merged[code_id, coder] = merge((m.start, m.end) for m in found) if found else nothing
        anything = merge(span for intervals in merged.values() for span in intervals)
        coded = covered(anything)
        for code, code_id in ids:
            mine, theirs = merged[code_id, pk_a], merged[code_id, pk_b]
            both = common(mine, theirs) if mine and theirs else 0
            only_a, only_b = covered(mine) - both, covered(theirs) - both
            union = both + only_a + only_b
            counts = {
                "total": source.length,
                "both": both,
                "only_a": only_a,
                "only_b": only_b,
                "neither": source.length - union,
                "coded": coded,
                "coded_neither": coded - union,
            }
            for target in (per_code[code_id], per_case[source.case_id], overall):
                for key, value in counts.items():
                    target[key] += value
            rows.append((code, f"{source.title} · {case_names[source.case_id]}", counts))
    columns = [
        Column("total", "Characters"),
        Column("both", "Both"),
        Column("only_a", "Only A"),
        Column("only_b", "Only B"),
        Column("neither", "Neither"),
        Column("percent", "Agreement", "percent"),
        Column("kappa", "Cohen's κ", "coefficient"),
        Column("coded", "Coded text: characters"),
        Column("coded_neither", "Coded text: neither"),
        Column("coded_percent", "Coded text: agreement", "percent"),
        Column("coded_kappa", "Coded text: Cohen's κ", "coefficient"),
    ]
    return _comparison(
        _versus(pair),
        columns,
        _character_figures,
        codes,
        cases,
        per_code,
        per_case,
        overall,
        per_transcript=rows,
    )


# Paragraphs, turns, transcripts --------------------------------------------------------------------------


def unit_tables(material: Material, unit: Unit, codes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """present[code, coder, unit], assigned[coder, unit] and the case of each unit, over the units of every
    chosen transcript in order."""
    cut = CUTTERS[unit]
    coder_index = {coder.pk: index for index, coder in enumerate(material.coders)}
    code_index = {code.pk: index for index, code in enumerate(codes)}
    by_source: dict = defaultdict(list)
    for mark in material.marks:
        by_source[mark.transcript_id].append(mark)
    pieces = []
    for source in material.sources:
        units = cut(source, material.labels.get(source.pk, []))
        pieces.append((source, units))
    total = sum(len(units) for _, units in pieces)
    present = np.zeros((len(codes), len(material.coders), total), dtype=bool)
    assigned = np.zeros((len(material.coders), total), dtype=bool)
    case_of = np.zeros(total, dtype=np.int64)
    base = 0
    for source, units in pieces:
        size = len(units)
        case_of[base : base + size] = source.case_id
        for coder_id in source.assigned:
            assigned[coder_index[coder_id], base : base + size] = True
        starts = [start for start, _ in units]
        ends = [end for _, end in units]
        for mark in by_source.get(source.pk, ()):
            code = code_index.get(mark.code_id)
            if code is None:
                continue
            # bisect on lists: for one offset at a time it is several times faster than numpy's searchsorted
            first = bisect.bisect_right(ends, mark.start)  # the first unit ending after the coding starts
            last = bisect.bisect_left(starts, mark.end)  # units starting before it ends
            if last > first:
                present[code, coder_index[mark.coder_id], base + first : base + last] = True
        base += size
    return present, assigned, case_of


def nominal_figures(ones: np.ndarray, raters: np.ndarray, *, coders: int, table=None) -> dict:
    """Figures over items (code × unit pairs): ones[code, unit] is how many coders marked the item present,
    raters[unit] how many coders rated the unit (were assigned it); `table` the 2 × 2 table of two coders
    over the units both rated, summed over the codes."""
    raters = np.broadcast_to(raters, ones.shape)  # a view: items of one unit share its raters
    pairable = raters >= 2
    unanimous = (ones == 0) | (ones == raters)
    complete = raters == coders
    agreeing = np.count_nonzero(pairable & unanimous)
    pairs = np.count_nonzero(pairable)
    figures = {
        "units": int(pairs),
        "complete": int(np.count_nonzero(complete)),
        "present": int(np.count_nonzero(ones)),
        "percent": statistics.share(int(agreeing), int(pairs)),
        "fleiss": statistics.fleiss(np.column_stack([coders - ones[complete], ones[complete]])),
        "alpha": statistics.alpha_present_absent(raters=raters.ravel(), present=ones.ravel()),
    }
    if table is not None:
        figures["cohen"] = statistics.cohen(table)
    return figures


def _pair_tables(present: np.ndarray, assigned: np.ndarray, columns=slice(None)) -> np.ndarray:
    """tables[code] = [[both, only A], [only B, neither]] over the units both coders rated."""
    both = (assigned[0] & assigned[1])[columns]
    a = present[:, 0, columns] & both
    b = present[:, 1, columns] & both
    n11 = np.count_nonzero(a & b, axis=1)
    na, nb = np.count_nonzero(a, axis=1), np.count_nonzero(b, axis=1)
    neither = np.count_nonzero(both) - na - nb + n11
    return np.stack([np.stack([n11, na - n11], axis=1), np.stack([nb - n11, neither], axis=1)], axis=1)


def _nominal(material: Material, unit: Unit, codes, cases) -> Comparison:
    present, assigned, case_of = unit_tables(material, unit, codes)
    coders = len(material.coders)
    ones = (present & assigned[None]).sum(axis=1, dtype=np.int16)  # [code, unit]
    raters = assigned.sum(axis=0, dtype=np.int16)
    two = coders == 2
    columns = [
        Column("units", "Units"),
        Column("complete", "Rated by all"),
        Column("present", "Coded by any"),
        Column("percent", "Agreement", "percent"),
    ]
    if two:
        columns.append(Column("cohen", "Cohen's κ", "coefficient"))
    columns += [
        Column("fleiss", "Fleiss' κ", "coefficient"),
        Column("alpha", "Krippendorff's α", "coefficient"),
    ]
    tables = _pair_tables(present, assigned) if two else None
    by_code = [
        Row(
            code.name,
            nominal_figures(
                ones[index : index + 1], raters, coders=coders, table=tables[index] if two else None
            ),
            code.path,
        )
        for index, code in enumerate(codes)
    ]
    by_case = []
    for case in cases:
        inside = case_of == case.pk
        table = _pair_tables(present, assigned, inside).sum(axis=0) if two else None
        by_case.append(
            Row(case.name, nominal_figures(ones[:, inside], raters[inside], coders=coders, table=table))
        )
    overall = nominal_figures(ones, raters, coders=coders, table=tables.sum(axis=0) if two else None)
    return Comparison(
        title=", ".join(coder.name for coder in material.coders),
        columns=columns,
        by_code=by_code,
        by_case=by_case,
        overall=Row("All codes, all cases", overall),
    )


# Quotations -------------------------------------------------------------------------------------------------


def overlaps_enough(a: tuple[int, int], b: tuple[int, int], percent: int) -> bool:
    """Whether two spans share at least `percent` % of the characters either covers (in integers)."""
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return shared > 0 and shared * 100 >= percent * (max(a[1], b[1]) - min(a[0], b[0]))


def _segment_figures(counts: dict) -> dict:
    checked = counts["a_quotations"] + counts["b_quotations"]
    return {**counts, "percent": statistics.share(counts["a_matched"] + counts["b_matched"], checked)}


def _segments(material: Material, pair, codes, cases, *, overlap: int) -> Comparison:
    a, b = pair
    spans = _spans(material, {a.pk, b.pk})
    zero = dict.fromkeys(("a_quotations", "a_matched", "b_quotations", "b_matched"), 0)
    per_code = {code.pk: dict(zero) for code in codes}
    per_case = {case.pk: dict(zero) for case in cases}
    overall = dict(zero)
    for source in material.sources:
        if not {a.pk, b.pk} <= source.assigned:
            continue
        for code in codes:
            mine = [(m.start, m.end) for m in spans.get((source.pk, code.pk, a.pk), ())]
            theirs = [(m.start, m.end) for m in spans.get((source.pk, code.pk, b.pk), ())]
            counts = {
                "a_quotations": len(mine),
                "a_matched": sum(any(overlaps_enough(s, t, overlap) for t in theirs) for s in mine),
                "b_quotations": len(theirs),
                "b_matched": sum(any(overlaps_enough(t, s, overlap) for s in mine) for t in theirs),
            }
            for target in (per_code[code.pk], per_case[source.case_id], overall):
                for key, value in counts.items():
                    target[key] += value
    columns = [
        Column("a_quotations", "A's quotations"),
        Column("a_matched", "found in B"),
        Column("b_quotations", "B's quotations"),
        Column("b_matched", "found in A"),
        Column("percent", "Agreement", "percent"),
    ]
    return _comparison(_versus(pair), columns, _segment_figures, codes, cases, per_code, per_case, overall)


# Valence ----------------------------------------------------------------------------------------------------


def _valence_figures(table: np.ndarray) -> dict:
    pairs = int(table.sum())
    agree = int(np.trace(table))
    return {
        "pairs": pairs,
        "agree": agree,
        "percent": statistics.share(agree, pairs),
        "kappa": statistics.cohen(table),
    }


def _valence(material: Material, pair, codes, cases, *, overlap: int) -> Comparison:
    a, b = pair
    spans = _spans(material, {a.pk, b.pk})
    index = {valence: position for position, valence in enumerate(VALENCES)}
    per_code = {code.pk: np.zeros((3, 3), dtype=np.int64) for code in codes}
    per_case = {case.pk: np.zeros((3, 3), dtype=np.int64) for case in cases}
    overall = np.zeros((3, 3), dtype=np.int64)
    for source in material.sources:
        if not {a.pk, b.pk} <= source.assigned:
            continue
        for code in codes:
            theirs = spans.get((source.pk, code.pk, b.pk), ())
            for mine in spans.get((source.pk, code.pk, a.pk), ()):
                for other in theirs:
                    if min(mine.end, other.end) > max(mine.start, other.start):
                        cell = index[mine.valence], index[other.valence]
                        for table in (per_code[code.pk], per_case[source.case_id], overall):
                            table[cell] += 1
    columns = [
        Column("pairs", "Overlapping pairs"),
        Column("agree", "Same valence"),
        Column("percent", "Agreement", "percent"),
        Column("kappa", "Cohen's κ", "coefficient"),
    ]
    return _comparison(_versus(pair), columns, _valence_figures, codes, cases, per_code, per_case, overall)
