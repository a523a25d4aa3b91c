"""The codebook as a network: codes as nodes, relations as arrows, drawn like the papers' conceptual models.

The layout is layered and deterministic, computed here and drawn as SVG by the template (no script, nothing
fetched): one column per level, open concepts on the left, axial categories in the middle, selective
categories on the right, so the drawing reads from data towards theory like the models in the papers. Inside
a column codes keep their codebook order, so siblings stay together; each column is then placed to line its
codes up with the codes they are linked to in the columns already placed, starting from the longest column.
The same codebook always gives the same picture.

A node's area grows with how often the code is used: its own codings plus those of its sub-codes, so a
category shows the weight of what it groups.
"""

import math
from dataclasses import dataclass, field

from cases.models import Project
from codebook.models import Code, CodeRelation, Level, RelationKind

COLUMN_WIDTH = 330
ROW_HEIGHT = 46
MARGIN_X = 110  # room on the left for arcs between codes of the first column
TOP = 56
BOTTOM = 64
MIN_RADIUS = 5.0
MAX_RADIUS = 19.0
LABEL_CHARS = 30  # per line, two lines at most
ARC = 36  # how far an arc between codes of one column bulges to the left
# Rough width of a label character at 12px: enough to start lines after a label rather than through it.
CHAR_WIDTH = {"regular": 6.3, "bold": 6.9}
LINE_HEIGHT = 14
LABEL_CLEARANCE = (80, 13)  # how close (x, y) two relation labels may come
LEGEND_ROW = 24
LEGEND_COLUMNS = 3
LEGEND_WIDTH = 230

# Stroke colour and dash per built-in kind; project-defined kinds share one style.
KIND_STYLES = {
    RelationKind.IS_PART_OF: ("#6b7280", ""),
    RelationKind.IS_CAUSE_OF: ("#1f2937", ""),
    RelationKind.STRENGTHENS: ("#2e7d32", ""),
    RelationKind.WEAKENS: ("#c62828", ""),
    RelationKind.CONTRADICTS: ("#c62828", "6 4"),
    RelationKind.IS_ASSOCIATED_WITH: ("#6b7280", "6 4"),
}
CUSTOM_STYLE = ("#6a3d9a", "")


@dataclass
class Node:
    code: Code
    x: float
    y: float
    r: float
    lines: list[str]
    total: int  # codings of the code and its sub-codes
    own: int

    @property
    def label_x(self) -> float:
        return round(self.x + self.r + 6, 1)

    @property
    def right(self) -> float:
        """Where the label ends, approximately: lines to codes further right start here."""
        weight = "regular" if self.code.level == Level.OPEN else "bold"
        return round(self.label_x + max(map(len, self.lines)) * CHAR_WIDTH[weight] + 4, 1)

    @property
    def label_y(self) -> float:
        """Baseline of the first line, so one or two lines sit centred on the circle."""
        return round(self.y + 4 - (LINE_HEIGHT / 2 if len(self.lines) > 1 else 0), 1)


@dataclass
class Edge:
    relation: CodeRelation
    d: str
    label_x: float
    label_y: float
    marker: str
    colour: str
    dash: str
    source: Code
    target: Code


@dataclass
class Drawing:
    width: int
    height: int
    columns: list[tuple[float, str]]
    nodes: list[Node]
    edges: list[Edge]
    links: list[str]  # paths from sub-codes to their parents
    legend: list[tuple[float, float, str, str, str, str]]  # (x, y, marker id, label, colour, dash) per kind
    hidden_relations: int  # relations with a code outside the filter
    max_total: int = 0
    markers: list[tuple[str, str]] = field(default_factory=list)  # (id, colour)


def wrap(name: str) -> list[str]:
    """The label in at most two lines of about LABEL_CHARS characters, the second ending in … if cut."""
    words, lines, line = name.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > LABEL_CHARS:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    if len(lines[-1]) > LABEL_CHARS:
        lines[-1] = lines[-1][: LABEL_CHARS - 1].rstrip() + "…"
    return lines


def _style(kind: str) -> tuple[str, str, str]:
    colour, dash = KIND_STYLES.get(kind, CUSTOM_STYLE)
    marker = f"arrow-{kind}" if kind in KIND_STYLES else "arrow-custom"
    return marker, colour, dash


def _spread(order: list[int], wanted: dict[int, float], height: float) -> dict[int, float]:
    """y for each code of a column in `order`: as close to `wanted` as the order and spacing allow."""
    if not wanted:
        offset = (height - (len(order) - 1) * ROW_HEIGHT) / 2
        return {pk: offset + index * ROW_HEIGHT for index, pk in enumerate(order)}
    # Codes without links sit just below the code before them.
    target, previous = [], None
    for pk in order:
        y = wanted.get(pk, previous + ROW_HEIGHT if previous is not None else 0.0)
        target.append(y)
        previous = y
    placed = []
    for y in target:
        placed.append(max(y, placed[-1] + ROW_HEIGHT) if placed else max(y, 0.0))
    overflow = placed[-1] - height
    if overflow > 0:
        # Push back up from the bottom, keeping the spacing, without leaving the top.
        placed[-1] = height
        for index in range(len(placed) - 2, -1, -1):
            placed[index] = min(placed[index], placed[index + 1] - ROW_HEIGHT)
        shift = -min(0.0, placed[0])
        placed = [y + shift for y in placed]
    return dict(zip(order, placed, strict=True))


def layout(
    *,
    codes: list[Code],
    relations: list[CodeRelation],
    framework: str | None,
    levels: set[str],
    hierarchy: bool,
) -> Drawing:
    """Positions for `codes` (from `coding.usage.tree_with_usage`) and `relations`."""
    totals = {code.pk: code.coding_count for code in codes}
    for code in reversed(codes):  # children come after their parents in tree order
        if code.parent_id is not None:
            totals[code.parent_id] += totals[code.pk]
    shown = [
        code for code in codes if code.level in levels and (framework is None or code.framework == framework)
    ]
    shown_ids = {code.pk for code in shown}
    drawn = [r for r in relations if r.source_id in shown_ids and r.target_id in shown_ids]
    parents = {code.pk: code.parent_id for code in codes}

    column_levels = [level for level in Level.values if any(code.level == level for code in shown)]
    column_of = {level: index for index, level in enumerate(column_levels)}
    members = {
        index: [code.pk for code in shown if column_of[code.level] == index] for index in column_of.values()
    }

    neighbours: dict[int, set[int]] = {pk: set() for pk in shown_ids}
    for relation in drawn:
        neighbours[relation.source_id].add(relation.target_id)
        neighbours[relation.target_id].add(relation.source_id)
    for code in shown:
        # A sub-code pulls towards its nearest shown ancestor, so categories sit beside what they group.
        ancestor = parents[code.pk]
        while ancestor is not None and ancestor not in shown_ids:
            ancestor = parents[ancestor]
        if ancestor is not None:
            neighbours[code.pk].add(ancestor)
            neighbours[ancestor].add(code.pk)

    rows = max((len(ids) for ids in members.values()), default=0)
    inner = max(rows - 1, 0) * ROW_HEIGHT
    y_of: dict[int, float] = {}
    by_size = sorted(members, key=lambda index: (-len(members[index]), index))
    for index in by_size:
        wanted = {}
        for pk in members[index]:
            linked = [y_of[other] for other in neighbours[pk] if other in y_of]
            if linked:
                wanted[pk] = sum(linked) / len(linked)
        y_of.update(_spread(members[index], wanted, inner))

    max_total = max((totals[pk] for pk in shown_ids), default=0)
    nodes = {}
    for code in shown:
        share = math.sqrt(totals[code.pk] / max_total) if max_total else 0.0
        nodes[code.pk] = Node(
            code=code,
            x=MARGIN_X + column_of[code.level] * COLUMN_WIDTH,
            y=TOP + y_of[code.pk],
            r=round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share, 1),
            lines=wrap(code.name),
            total=totals[code.pk],
            own=code.coding_count,
        )

    edges = []
    labels: list[tuple[float, float]] = []
    for relation in drawn:
        source, target = nodes[relation.source_id], nodes[relation.target_id]
        d, label = _curve(source, target, arrow=True)
        # Arrows that meet near one code would write their kinds over each other: step down until clear.
        while any(
            abs(label[0] - x) < LABEL_CLEARANCE[0] and abs(label[1] - y) < LABEL_CLEARANCE[1]
            for x, y in labels
        ):
            label = (label[0], label[1] + LABEL_CLEARANCE[1])
        labels.append(label)
        marker, colour, dash = _style(relation.kind)
        edges.append(Edge(relation, d, label[0], label[1], marker, colour, dash, source.code, target.code))
    links = []
    if hierarchy:
        for code in shown:
            parent = nodes.get(parents[code.pk])
            if parent is not None:
                links.append(_curve(nodes[code.pk], parent, arrow=False)[0])

    kinds = {}
    for edge in edges:
        kinds.setdefault(edge.marker, (edge.marker, edge.relation.kind_label, edge.colour, edge.dash))
    if "arrow-custom" in kinds:
        kinds["arrow-custom"] = ("arrow-custom", "project-defined kinds", *CUSTOM_STYLE)
    legend_top = TOP + inner + BOTTOM - 20
    legend = [
        (
            MARGIN_X + (index % LEGEND_COLUMNS) * LEGEND_WIDTH,
            legend_top + (index // LEGEND_COLUMNS) * LEGEND_ROW,
            *kind,
        )
        for index, kind in enumerate(sorted(kinds.values(), key=lambda kind: kind[1]))
    ]
    markers = sorted({(edge.marker, edge.colour) for edge in edges})
    return Drawing(
        width=MARGIN_X + max(len(column_levels), 1) * COLUMN_WIDTH,
        height=int(legend_top + LEGEND_ROW * math.ceil(len(kinds) / LEGEND_COLUMNS) + 8),
        columns=[
            (MARGIN_X + index * COLUMN_WIDTH, f"{Level(level).label} codes")
            for index, level in enumerate(column_levels)
        ],
        nodes=list(nodes.values()),
        edges=edges,
        links=links,
        legend=legend,
        hidden_relations=len(relations) - len(drawn),
        max_total=max_total,
        markers=markers,
    )


def _curve(source: Node, target: Node, *, arrow: bool) -> tuple[str, tuple[float, float]]:
    """A cubic Bézier between two nodes and the point for its label.

    Lines leave and enter a node on the side facing the other node, beyond the label on the right side, so
    they never run through a code's name: left to right from after the source's label to the target's circle,
    right to left from the source's circle to after the target's label. Between codes of one column the line
    arcs out to the left, where there are no labels.
    """
    gap = 3 if arrow else 0  # room for the arrowhead's tip
    if source.x == target.x:
        start, end = (source.x - source.r, source.y), (target.x - target.r - gap, target.y)
        bulge = min(ARC + 0.15 * abs(target.y - source.y), MARGIN_X - 24)
        c1, c2 = (start[0] - bulge, start[1]), (end[0] - bulge, end[1])
    else:
        if source.x < target.x:
            start, end = (source.right, source.y), (target.x - target.r - gap, target.y)
        else:
            start, end = (source.x - source.r, source.y), (target.right + gap, target.y)
        mid = (start[0] + end[0]) / 2
        c1, c2 = (mid, start[1]), (mid, end[1])
    d = "M{:.1f},{:.1f} C{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}".format(*start, *c1, *c2, *end)
    # The curve's midpoint (t = ½) is the mean of the four control points weighted 1:3:3:1.
    label = ((start[0] + 3 * c1[0] + 3 * c2[0] + end[0]) / 8, (start[1] + 3 * c1[1] + 3 * c2[1] + end[1]) / 8)
    return d, (round(label[0], 1), round(label[1], 1))


def draw(
    *, project: Project, codes: list[Code], framework: str | None, levels: set[str], hierarchy: bool
) -> Drawing:
    """The project's network, filtered: `codes` in tree order with their `coding_count` (which
    `coding.usage.tree_with_usage` counts), and one query for the relations."""
    relations = list(project.code_relations.order_by("pk"))
    return layout(codes=codes, relations=relations, framework=framework, levels=levels, hierarchy=hierarchy)
