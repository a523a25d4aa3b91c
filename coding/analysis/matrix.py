"""The cross-case matrix: codes × cases (or any case or transcript attribute), counted in the database.

Each cell counts distinct units (coded segments, interviews, respondents) carrying the row's code or any code
beneath it. The difficulty is the roll-up: a segment coded with two children of a parent must count once for
the parent, so per-code counts cannot simply be added up the tree, and a COUNT(DISTINCT …) per (ancestor,
column) needs every coding joined to each of its ancestors and sorted (≈ 1.2 M rows at scale 10, over a
second on PostgreSQL). Fetching per-unit rows to de-duplicate in Python is slower still.

What runs instead is one grouped query that uses the shape of a tree:

1. Every code gets a key that sorts depth-first and spells its path: the index among its siblings at each
   depth, packed into fixed-width bit fields (a parent's key is its prefix followed by zeros). Two codes share
   an ancestor at depth d exactly when their keys agree above depth d's field, so the depth of their lowest
   common ancestor is a few shifts and comparisons.
2. Within each unit (a segment, an interview or a respondent; per column when the column is not fixed by the
   unit), codings are ordered by key and each is compared with the one before it (LAG). Of the codes of one
   unit sorted depth-first, the previous one shares the deepest ancestor with the current one, so a coding
   adds a new unit to exactly the ancestors of its code strictly below that common ancestor, and to the
   column total when it is the unit's first.
3. The query groups codings by (code, column, valence, that depth): a few thousand rows however many codings
   there are. Python walks each row's ancestor chain down to that depth and adds its count: exact distinct
   counts for every node, one sort of the codings, no per-ancestor join.

The query runs on both databases (window functions, a VALUES table of keys, integer shifts). A tree too deep
or wide for 62 bits of key uses depth-first positions instead and groups by the previous code itself, finding
the common ancestor in Python: more rows, same answer. Columns that are case attributes are joined on the
case's value row; interviews' own values likewise. Share divides by the interviews in each column, counted in
a second small grouped query.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from django.db import connection, models, transaction
from django.db.models import Count, F

from cases.models import Transcript, set_members
from codebook.models import Framework, Level
from coding.analysis.retrieval import (
    NO_VALUE,
    CodeTree,
    Criteria,
    Dimension,
    Facets,
    describe_criteria,
    select,
)
from coding.models import Valence

KEY_BITS = 62  # stays a positive signed 64-bit integer on both databases
FIRST = -2  # "no previous coding in the unit": the coding counts for every ancestor and the column total
TOTAL = "*"  # column key of the row totals
VALUE_PREFIX = "v:"  # a column value in a cell's address: "v:" + key, so "(no value)" is "v:", never absent


class Measure(models.TextChoices):
    SEGMENTS = "segments", "Coded segments"
    TRANSCRIPTS = "transcripts", "Interviews mentioning the code"
    SHARE = "share", "Share of the column's interviews"
    RESPONDENTS = "respondents", "Distinct respondents"


MEASURE_EXPLAINED = {
    Measure.SEGMENTS: "number of coded segments (quotations) carrying the code or any code beneath it",
    Measure.TRANSCRIPTS: "number of interviews with at least one segment carrying the code or one beneath it",
    Measure.SHARE: "interviews mentioning the code (or one beneath it) as a percentage of the column's "
    "interviews",
    Measure.RESPONDENTS: "number of distinct respondents (pseudonym within a case; an interview without one "
    "counts as its own respondent) mentioning the code or one beneath it",
}


@dataclass(frozen=True)
class Spec:
    """What the matrix shows: the measure, the columns, the view, which rows, and the scope counted."""

    dimension: Dimension
    measure: str = Measure.SEGMENTS
    valence: bool = False
    criteria: Criteria = field(default_factory=Criteria)
    framework: str = ""
    level: str = ""
    depth: int | None = None
    hide_empty: bool = False


@dataclass
class Cell:
    node: int  # the row's code, 0 for "any code"
    column: str  # column key, TOTAL for a row total
    all: int = 0
    positive: int = 0
    negative: int = 0
    base: int = 0  # interviews in the column: the denominator of a share
    share: bool = False
    heat: float = 0.0  # 0–1 for the heat map: the value, or the net in the valence view, against the largest

    def _value(self, count: int) -> float | int:
        if not self.share:
            return count
        return count / self.base if self.base else 0.0

    @property
    def value(self) -> float | int:
        return self._value(self.all)

    @property
    def positive_value(self) -> float | int:
        return self._value(self.positive)

    @property
    def negative_value(self) -> float | int:
        return self._value(self.negative)

    @property
    def net_value(self) -> float | int:
        return self._value(self.positive - self.negative)

    @property
    def address(self) -> str:
        """The cell as query parameters, for its drill-down link."""
        column = TOTAL if self.column == TOTAL else VALUE_PREFIX + self.column
        return urlencode({"node": self.node, "col": column})

    @property
    def tone(self) -> str:
        net = self.positive - self.negative
        return "pos" if net > 0 else "neg" if net < 0 else ""

    def _shown(self, value: float | int, sign: str = "") -> str:
        return f"{sign}{round(value * 100)}%" if self.share else f"{sign}{value}"

    @property
    def shown(self) -> str:
        """The number as the page prints it: a count, or a share in per cent."""
        return self._shown(self.value)

    @property
    def shown_positive(self) -> str:
        return self._shown(self.positive_value, "+")

    @property
    def shown_negative(self) -> str:
        return self._shown(self.negative_value, "−")

    @property
    def shown_net(self) -> str:
        net = self.net_value
        return self._shown(abs(net), "+" if net > 0 else "−" if net < 0 else "±")


@dataclass
class Column:
    key: str
    label: str
    interviews: int


@dataclass
class Row:
    code: object  # codebook.models.Code with .depth, .path, .has_children
    cells: list[Cell]
    total: Cell

    @property
    def empty(self) -> bool:
        return not (self.total.all or self.total.positive or self.total.negative)


@dataclass
class Matrix:
    spec: Spec
    columns: list[Column]
    rows: list[Row]
    column_totals: list[Cell]  # "any code": units in the column with at least one coding in scope
    grand_total: Cell
    top: float  # the largest cell value (count or share; |net| in the valence view): the legend's end

    @property
    def share(self) -> bool:
        return self.spec.measure == Measure.SHARE

    def top_shown(self) -> str:
        return f"{round(self.top * 100)}%" if self.share else str(round(self.top))


# Keys ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    """Depth-first sort keys of the codes, and how to read the depth of a common ancestor from two keys."""

    of: dict[int, int]
    shifts: tuple[int, ...] | None  # bit offset of each depth's field; None: plain depth-first positions


def tree_keys(tree: CodeTree, *, bits: int | None = None) -> Keys:
    bits = KEY_BITS if bits is None else bits
    depth_count = max((code.depth for code in tree.codes), default=0) + 1
    widths = [1] * depth_count
    for parent_id, children in tree.children.items():
        depth = 0 if parent_id is None else tree.by_id[parent_id].depth + 1
        widths[depth] = max(widths[depth], len(children).bit_length())
    if sum(widths) > bits:
        positions = {code.pk: position for position, code in enumerate(tree.codes, start=1)}
        return Keys(_with_aliases(tree, positions), None)
    shifts = tuple(sum(widths[depth + 1 :]) for depth in range(depth_count))
    digits = {code.pk: n for children in tree.children.values() for n, code in enumerate(children, start=1)}
    keys: dict[int, int] = {}
    for code in tree.codes:  # parents come before their children
        keys[code.pk] = keys.get(code.parent_id, 0) | (digits[code.pk] << shifts[code.depth])
    return Keys(_with_aliases(tree, keys), shifts)


def _with_aliases(tree: CodeTree, keys: dict[int, int]) -> dict[int, int]:
    """A study code mapped by the crosswalk sorts as its target: in a unit coded with both, they are one."""
    return {**keys, **{alias: keys[target] for alias, target in tree.aliases.items()}}


def _common_depth_sql(keys: Keys, previous: str) -> str:
    """SQL for the depth of the deepest common ancestor of the current code (key `w.k`) and `previous`."""
    if keys.shifts is None:
        return previous  # resolved in Python
    parts = [f"WHEN {previous} IS NULL THEN {FIRST}"]
    for depth, shift in enumerate(keys.shifts):
        parts.append(f"WHEN ({previous} >> {shift}) <> (w.k >> {shift}) THEN {depth - 1}")
    return f"CASE {' '.join(parts)} ELSE {len(keys.shifts) - 1} END"


class _CommonDepth:
    """Depth of the deepest common ancestor of two codes, for trees without packed keys."""

    def __init__(self, tree: CodeTree, keys: Keys):
        self.tree = tree
        self.code_at = {position: code_id for code_id, position in keys.of.items() if code_id in tree}
        self.cache: dict[tuple[int, int], int] = {}

    def __call__(self, code_id: int, previous: int | None) -> int:
        if previous is None:
            return FIRST
        pair = (code_id, previous)
        if pair not in self.cache:
            mine = {code.pk for code in self.tree.ancestors(code_id)}
            common = [c for c in self.tree.ancestors(self.code_at[previous]) if c.pk in mine]
            self.cache[pair] = common[0].depth if common else -1
        return self.cache[pair]


# The query -------------------------------------------------------------------------------------------------


def _unit(measure: str) -> F:
    return F("segment_id") if measure == Measure.SEGMENTS else F("segment__transcript_id")


def respondents(*, facets: Facets) -> dict[int, int]:
    """A number per respondent for each interview: a pseudonym names a person within a case; an interview
    without one is its own respondent. Numbers, not names, keep the window's sort on integers."""
    people: dict[tuple, int] = {}
    found = {}
    rows = Transcript.objects.filter(case__project=facets.project).values_list("pk", "case_id", "respondent")
    for pk, case_id, respondent in rows:
        person = (case_id, respondent.strip()) if respondent.strip() else ("interview", pk)
        found[pk] = people.setdefault(person, len(people) + 1)
    return found


def _columns_fixed_by_unit(spec: Spec) -> bool:
    """Whether each unit falls in one column, so a row's total is the sum of its cells."""
    if spec.dimension.overlapping:
        return False
    return spec.measure != Measure.RESPONDENTS or spec.dimension.per_case


def counting_query(*, facets: Facets, spec: Spec, keys: Keys, transcript_ids: list[int]) -> tuple[str, list]:
    counted = counted_criteria(tree=facets.tree, spec=spec)
    selection = select(project=facets.project, criteria=counted, tree=facets.tree)
    codings = selection.scoped_codings(transcript_ids=transcript_ids)
    if counted.has_code_terms:
        codings = codings.filter(code_id__in=selection.positive_codes())
    if spec.valence:
        codings = codings.filter(facets.tree.valence_q([Valence.POSITIVE, Valence.NEGATIVE]))
    codings, column = spec.dimension.annotate(codings, to_transcript="segment__transcript__")
    rows = codings.order_by().values(
        m_code=F("code_id"),
        m_col=F(column),
        m_unit=_unit(spec.measure),
        m_valence=facets.tree.valence_expression(),
    )
    rows_sql, params = rows.query.sql_with_params()
    tables = [f"tree (code_id, k) AS (VALUES {_values(keys.of)})"]
    if spec.dimension.overlapping:
        # A coding counts in each set holding its interview: one row per set, NULL ("in no set") for none.
        pairs = [(t, s) for t, sets in set_members(facets.project).items() for s in sets] or [(0, 0)]
        tables.append(f"members (transcript_id, set_id) AS (VALUES {_pairs(pairs)})")
        rows_sql = (
            f"SELECT c.m_code, s.set_id AS m_col, c.m_unit, c.m_valence FROM ({rows_sql}) c "
            "LEFT JOIN members s ON s.transcript_id = c.m_col"
        )
    if spec.measure != Measure.SEGMENTS:
        # An interview has hundreds of codings but one row per code (and valence) is all the count needs:
        # de-duplicating first leaves a fifth of the rows to sort (interviews at scale 10: 840 → 670 ms).
        valence = "m_valence" if spec.valence else "NULL"
        rows_sql = f"SELECT DISTINCT m_code, m_col, m_unit, {valence} AS m_valence FROM ({rows_sql}) codings"

    join = ""
    unit = "r.m_unit"
    if spec.measure == Measure.RESPONDENTS:
        tables.append(f"people (transcript_id, person) AS (VALUES {_values(respondents(facets=facets))})")
        join = "JOIN people p ON p.transcript_id = r.m_unit"
        unit = "p.person"
    if spec.valence:
        unit += ", r.m_valence"
    fixed = _columns_fixed_by_unit(spec)
    cell_window = f"LAG(t.k) OVER (PARTITION BY {unit if fixed else 'r.m_col, ' + unit} ORDER BY t.k)"
    # When a unit can span columns, the row totals need their own first-occurrence, across columns.
    total_window = "CAST(NULL AS BIGINT)" if fixed else f"LAG(t.k) OVER (PARTITION BY {unit} ORDER BY t.k)"
    # Grouping only by what varies: the valence in its view, the total's depth where totals need their own.
    group_by = ["1", "2", *(["3"] if spec.valence else []), "4", *([] if fixed else ["5"])]
    sql = f"""
        WITH {", ".join(tables)}
        SELECT w.m_code, w.m_col, {"w.m_valence" if spec.valence else "NULL"},
               {_common_depth_sql(keys, "w.previous")},
               {"NULL" if fixed else _common_depth_sql(keys, "w.previous_total")},
               COUNT(*)
        FROM (
            SELECT r.m_code, r.m_col, r.m_valence, t.k,
                   {cell_window} AS previous, {total_window} AS previous_total
            FROM ({rows_sql}) r
            JOIN tree t ON t.code_id = r.m_code
            {join}
        ) w
        GROUP BY {", ".join(group_by)}
    """
    return sql, list(params)


def _values(pairs: dict[int, int]) -> str:
    return _pairs(pairs.items())


def _pairs(pairs) -> str:
    # Integers the application computed, written into the SQL: a 10,000-code codebook would exceed SQLite's
    # limit on parameters.
    return ", ".join(f"({int(a)}, {int(b)})" for a, b in pairs)


def run_analysis(sql: str, params: list) -> list[tuple]:
    """Runs one of the analysis queries (matrix, co-occurrence), which sort every coding in scope."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    with transaction.atomic(), connection.cursor() as cursor:
        # The sorts hold every coding in scope: at 450k codings they need ~50 MB, and spilling them to disk
        # at the default 4 MB costs a third more. JIT compiling costs more than it saves.
        cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        return cursor.fetchall()


def interviews_per_column(*, facets: Facets, spec: Spec) -> dict[str, int]:
    """Interviews in scope per column key (the share's denominators and the columns' n)."""
    selection = select(project=facets.project, criteria=spec.criteria, tree=facets.tree)
    transcripts = Transcript.objects.filter(selection.interview_q(""))
    counts: Counter[str] = Counter()
    if spec.dimension.overlapping:
        members = set_members(facets.project)
        for pk in transcripts.values_list("pk", flat=True):
            counts.update([str(s) for s in members.get(pk, [])] or [NO_VALUE])
        return counts
    transcripts, column = spec.dimension.annotate(transcripts, to_transcript="")
    for raw, n in transcripts.order_by().values_list(column).annotate(n=Count("pk")).values_list(column, "n"):
        counts[spec.dimension.key_of(raw)] += n
    return counts


# Building the matrix ----------------------------------------------------------------------------------------


def build_matrix(*, facets: Facets, spec: Spec) -> Matrix:
    """The matrix for `spec`: two grouped queries (codings, interviews per column) and a roll-up in Python."""
    tree = facets.tree
    keys = tree_keys(tree)
    transcript_ids = list(
        Transcript.objects.filter(case__project=facets.project).values_list("pk", flat=True)
    )
    rows = []
    if tree.codes and transcript_ids and counted_criteria(tree=tree, spec=spec) is not None:
        rows = run_analysis(
            *counting_query(facets=facets, spec=spec, keys=keys, transcript_ids=transcript_ids)
        )
    bases = interviews_per_column(facets=facets, spec=spec)
    common_depth = _CommonDepth(tree, keys) if keys.shifts is None else None

    chains = {code_id: [(a.pk, a.depth) for a in tree.ancestors(code_id)] for code_id in tree.counted_ids}
    cells: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    row_totals: dict[int, Counter] = defaultdict(Counter)
    column_totals: dict[str, Counter] = defaultdict(Counter)
    grand: Counter = Counter()
    fixed = _columns_fixed_by_unit(spec)
    for code_id, raw_column, valence, depth, total_depth, n in rows:
        if common_depth is not None:
            depth = common_depth(code_id, depth)
            total_depth = common_depth(code_id, total_depth) if not fixed else None
        column = spec.dimension.key_of(raw_column)
        part = valence if spec.valence else "all"
        for node_id, node_depth in chains[code_id]:
            if node_depth <= depth:
                break
            cells[node_id][column][part] += n
        if depth == FIRST:
            column_totals[column][part] += n
        if not fixed:
            for node_id, node_depth in chains[code_id]:
                if node_depth <= total_depth:
                    break
                row_totals[node_id][part] += n
            if total_depth == FIRST:
                grand[part] += n
    if fixed:
        for node_id, by_column in cells.items():
            for counter in by_column.values():
                row_totals[node_id].update(counter)
        for counter in column_totals.values():
            grand.update(counter)

    columns = _columns(facets, spec, bases, column_totals)
    share = spec.measure == Measure.SHARE
    total_base = sum(bases.values())

    def cell(node: int, column: str, counter: Counter, base: int) -> Cell:
        return Cell(
            node,
            column,
            all=counter["all"],
            positive=counter[Valence.POSITIVE],
            negative=counter[Valence.NEGATIVE],
            base=base,
            share=share,
        )

    matrix_rows = []
    for code in tree.codes:
        if not is_row(code, spec):
            continue
        row = Row(
            code,
            [cell(code.pk, c.key, cells[code.pk][c.key], c.interviews) for c in columns],
            cell(code.pk, TOTAL, row_totals[code.pk], total_base),
        )
        if spec.hide_empty and row.empty:
            continue
        matrix_rows.append(row)
    matrix = Matrix(
        spec=spec,
        columns=columns,
        rows=matrix_rows,
        column_totals=[cell(0, c.key, column_totals[c.key], c.interviews) for c in columns],
        grand_total=cell(0, TOTAL, grand, total_base),
        top=0.0,
    )
    _heat(matrix)
    return matrix


def is_row(code, spec: Spec) -> bool:
    """Whether the matrix has a row for the code (before hiding empty rows)."""
    return (
        (not spec.framework or code.framework == spec.framework)
        and (not spec.level or code.level == spec.level)
        and (spec.depth is None or code.depth < spec.depth)
    )


def counted_criteria(*, tree: CodeTree, spec: Spec) -> Criteria | None:
    """The codings the matrix counts, as retrieval criteria: its scope, and with a framework or level filter
    the codes of its rows and every code beneath them (the top rows among them as OR terms), so the "any
    code" totals, the drill-downs and the excerpt export count what the rows show. In the valence view, only
    codings that pull together or push apart. None when the filter leaves no row: nothing is counted.
    """
    criteria = spec.criteria
    if spec.valence:
        criteria = replace(criteria, valences=(Valence.POSITIVE, Valence.NEGATIVE))
    if not (spec.framework or spec.level):
        return criteria  # the top rows hold every code beneath them: every code counts
    rows = {code.pk for code in tree.codes if is_row(code, spec)}
    tops = tuple(
        code.pk
        for code in tree.codes
        if code.pk in rows and not any(a.pk in rows for a in tree.ancestors(code.pk)[1:])
    )
    return replace(criteria, any_codes=tops, subcodes=True) if tops else None


def _columns(facets: Facets, spec: Spec, bases: Counter, totals: dict[str, Counter]) -> list[Column]:
    """The dimension's values that have interviews in scope or codings, in the dimension's order."""
    dimension = spec.dimension
    known = [value.key for value in facets.values.get(dimension.key, [])]
    present = {key for key, n in bases.items() if n} | {key for key, c in totals.items() if sum(c.values())}
    keys = [key for key in known if key in present] + sorted(present - set(known))
    if NO_VALUE in keys:  # "(no value)" closes the list
        keys = [key for key in keys if key != NO_VALUE] + [NO_VALUE]
    return [Column(key, facets.label(dimension.key, key), bases.get(key, 0)) for key in keys]


def _heat(matrix: Matrix) -> None:
    def strength(cell: Cell) -> float:
        return abs(cell.net_value) if matrix.spec.valence else cell.value

    top = max((strength(cell) for row in matrix.rows for cell in row.cells), default=0)
    matrix.top = top
    # Totals stay uncoloured: on the cells' scale they would all be dark and tell nothing.
    for row in matrix.rows:
        for cell in row.cells:
            cell.heat = min(1.0, strength(cell) / top) if top else 0.0


def describe(*, facets: Facets, spec: Spec) -> list[tuple[str, str]]:
    """How the matrix was computed, line by line: shown above it and written at the top of its exports."""
    criteria = spec.criteria
    lines = [
        ("Measure", f"{Measure(spec.measure).label}: {MEASURE_EXPLAINED[spec.measure]}"),
        ("Columns", spec.dimension.label),
        (
            "View",
            "valence: + units with a coding that pulls agencies together, − pushing apart, net = + minus −"
            if spec.valence
            else "all codings regardless of valence",
        ),
        (
            "Roll-up",
            "a parent's row counts its own codings and every code beneath it; each unit counts once "
            "however many of its codes fall under the row",
        ),
    ]
    rows = []
    if spec.framework:
        rows.append(f"framework {Framework(spec.framework).label}")
    if spec.level:
        rows.append(f"level {Level(spec.level).label.lower()}")
    if spec.depth:
        rows.append(f"top {spec.depth} level{'s' if spec.depth > 1 else ''} of the tree")
    if spec.hide_empty:
        rows.append("rows without codings hidden")
    if spec.framework or spec.level:
        rows.append("“any code” counts the codings of these rows only")
    lines.append(("Rows", "; ".join(rows) if rows else "every code of the codebook"))
    lines.append(("Scope", describe_criteria(facets=facets, criteria=criteria)))
    return lines
