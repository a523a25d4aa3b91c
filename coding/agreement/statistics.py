"""Agreement coefficients, each computed by a maintained package from the tables the report builds.

Cohen's and Fleiss' κ come from `statsmodels.stats.inter_rater` (statsmodels is the standard statistics
library of Python, with the variances and references these coefficients need), Krippendorff's α from
`krippendorff`, the package by the coefficient's reference implementation's maintainers. This module only
shapes the input and turns an undefined coefficient into None: a κ whose chance agreement is 1 (every unit
in one category, e.g. a code nobody applied), an α without a unit that two coders rated or without variation,
a table with no units at all. Percent agreement is a share of counts and needs no package.

statsmodels is imported when a κ is first computed, not with this module: it brings SciPy and pandas, some
90 MB that every web process would otherwise hold for the one report that needs them.
"""

import warnings

import krippendorff
import numpy as np


def _defined(value) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def cohen(table) -> float | None:
    """Cohen's κ of a square contingency table: rows are coder A's categories, columns coder B's."""
    table = np.asarray(table, dtype=float)
    if table.sum() == 0:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        from statsmodels.stats.inter_rater import cohens_kappa

        return _defined(cohens_kappa(table, return_results=False))


def fleiss(counts) -> float | None:
    """Fleiss' κ of a units × categories table of how many coders put each unit in each category (every row
    has the same number of coders)."""
    counts = np.asarray(counts, dtype=float)
    if counts.shape[0] == 0 or counts.sum() == 0:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        from statsmodels.stats.inter_rater import fleiss_kappa

        return _defined(fleiss_kappa(counts, method="fleiss"))


def unanimous_merged(value_counts: np.ndarray) -> np.ndarray:
    """The same table with all units on which every coder chose one category merged into one row for that
    category: α is unchanged, and a table of a million mostly "nobody coded it" units becomes the few units
    where coders differ.

    Exact, because α depends on the table only through its coincidences: a unit of n_u ratings, all in
    category c, adds n_u (n_u − 1) / (n_u − 1) = n_u to o_cc and nothing else, so such units together add
    what one unit holding all their ratings adds. `tests/coding/test_agreement.py` checks it against the
    package on the unmerged table.
    """
    rated = value_counts.sum(axis=1)
    unanimous = (value_counts == rated[:, None]).any(axis=1) & (rated >= 2)
    merged = np.diag(value_counts[unanimous].sum(axis=0))
    return np.concatenate([value_counts[~unanimous & (rated >= 2)], merged[merged.sum(axis=1) > 0]])


def alpha_present_absent(*, raters: np.ndarray, present: np.ndarray) -> float | None:
    """Krippendorff's α (nominal) of present/absent items: `raters[i]` coders rated item i, `present[i]` of
    them marked it present. Items rated by fewer than two coders are not pairable and left out; unanimous
    items go to the package merged, as `unanimous_merged` explains, without building the full table."""
    pairable = raters >= 2
    none = pairable & (present == 0)
    every = pairable & (present == raters)
    differ = pairable & ~none & ~every
    rows = [np.column_stack([raters[differ] - present[differ], present[differ]])]
    absent_total, present_total = int(raters[none].sum()), int(present[every].sum())
    if absent_total:
        rows.append([[absent_total, 0]])
    if present_total:
        rows.append([[0, present_total]])
    return alpha(np.concatenate(rows).astype(float))


def alpha(value_counts) -> float | None:
    """Krippendorff's α (nominal) of a units × categories table of counts; a unit's missing coders are simply
    not counted in its row."""
    value_counts = np.asarray(value_counts, dtype=float)
    if value_counts.ndim != 2 or value_counts.shape[0] == 0:
        return None
    value_counts = unanimous_merged(value_counts)
    if value_counts.shape[0] == 0:
        return None
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            value = krippendorff.alpha(value_counts=value_counts, level_of_measurement="nominal")
    except ValueError:  # no unit rated by two coders
        return None
    return _defined(value)
