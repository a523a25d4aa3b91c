"""Codes × codes: how many passages (or interviews) carry both codes — the evidence for axial links.

As in the matrix, a code stands for itself and every code beneath it, and a passage counts once per pair
however many of its codings fall under either code. One grouped query: each coding is mapped to the chosen
codes it falls under (a VALUES table built from the code tree), reduced to distinct (unit, code) pairs, and
joined with itself on the unit; the diagonal is the number of units carrying the code at all.
"""

from dataclasses import dataclass

from django.db.models import F

from cases.models import Transcript
from coding.analysis.matrix import run_analysis
from coding.analysis.retrieval import CodeTree, Criteria, Facets, select


@dataclass
class Pair:
    a: int
    b: int
    count: int
    heat: float


@dataclass
class Cooccurrence:
    codes: list  # codebook.models.Code, in tree order
    unit: str
    counts: dict[tuple[int, int], int]  # (a, b) and (b, a) both present
    top: int  # the largest count off the diagonal

    def rows(self) -> list[tuple[object, list[Pair]]]:
        result = []
        for a in self.codes:
            pairs = []
            for b in self.codes:
                count = self.counts.get((a.pk, b.pk), 0)
                heat = 0.0 if a.pk == b.pk or not self.top else min(1.0, count / self.top)
                pairs.append(Pair(a.pk, b.pk, count, heat))
            result.append((a, pairs))
        return result


def ancestry_map(tree: CodeTree, nodes: list[int]) -> list[tuple[int, int]]:
    """(code, chosen node) for every code that falls under a chosen node (itself included)."""
    chosen = set(nodes)
    return [
        (code_id, ancestor.pk)
        for code_id in tree.counted_ids
        for ancestor in tree.ancestors(code_id)
        if ancestor.pk in chosen
    ]


def build_cooccurrence(*, facets: Facets, nodes: list[int], unit: str, criteria: Criteria) -> Cooccurrence:
    tree = facets.tree
    codes = [tree.by_id[pk] for pk in nodes]
    mapping = ancestry_map(tree, nodes)
    counts: dict[tuple[int, int], int] = {}
    if mapping:
        selection = select(project=facets.project, criteria=criteria, tree=tree)
        transcripts = Transcript.objects.filter(case__project=facets.project).values_list("pk", flat=True)
        rows = selection.scoped_codings(transcript_ids=list(transcripts)).order_by()
        unit_field = "segment_id" if unit == "segments" else "segment__transcript_id"
        rows_sql, params = rows.values(m_code=F("code_id"), m_unit=F(unit_field)).query.sql_with_params()
        values = ", ".join(f"({int(code)}, {int(node)})" for code, node in mapping)
        sql = f"""
            WITH map (code_id, node_id) AS (VALUES {values}),
            units AS (
                SELECT DISTINCT r.m_unit AS unit, m.node_id
                FROM ({rows_sql}) r
                JOIN map m ON m.code_id = r.m_code
            )
            SELECT a.node_id, b.node_id, COUNT(*)
            FROM units a JOIN units b ON a.unit = b.unit AND a.node_id <= b.node_id
            GROUP BY a.node_id, b.node_id
        """
        for a, b, count in run_analysis(sql, params):
            counts[(a, b)] = counts[(b, a)] = count
    top = max((n for (a, b), n in counts.items() if a != b), default=0)
    return Cooccurrence(codes=codes, unit=unit, counts=counts, top=top)
