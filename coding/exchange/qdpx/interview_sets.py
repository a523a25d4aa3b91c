"""Interview sets in a .qdpx archive: how the export describes a set's kind and filter in its REFI-QDA set,
and which sets of an archive become interview sets, holding which transcripts or cases. Nothing touches the
database here.

A REFI-QDA set holds sources, codes and notes, never cases. A set of whole cases goes out as the set of every
interview of those cases, its description opening with `CASES_LINE` and naming each case on a line of its own
(“Case: Riverside”): another program sees a valid set of documents, and Crosscase gives back a set of cases.
The attribute filter a set was made from follows, on a line of its own starting “Made from: ”, to the end.
"""

from collections import Counter
from dataclasses import dataclass

from cases.models import SetKind
from coding.exchange.qdpx.parse import Project

CASES_LINE = "A set of whole cases in Crosscase: every interview of the cases named below."
CASE_PREFIX = "Case: "
MADE_FROM_PREFIX = "Made from: "
NOT_TEXT = "set members that are not text sources (audio, video, pictures, sources without text)"


@dataclass
class Described:
    cases: list[str] | None  # the case names of a set of cases, None for a set of interviews
    made_from: str
    other: str  # what else the description says (another program's own description)


def write_description(*, cases: list[str] | None, made_from: str) -> str:
    lines = [CASES_LINE, *(f"{CASE_PREFIX}{name}" for name in cases)] if cases is not None else []
    if made_from:
        lines.append(f"{MADE_FROM_PREFIX}{made_from}")
    return "\n".join(lines)


def read_description(text: str) -> Described:
    lines = text.splitlines()
    cases = None
    if lines and lines[0].strip().casefold() == CASES_LINE.casefold():
        cases, lines = [], lines[1:]
    made_from, other = "", []
    for index, line in enumerate(lines):
        if line.startswith(MADE_FROM_PREFIX):
            made_from = "\n".join([line[len(MADE_FROM_PREFIX) :], *lines[index + 1 :]]).strip()
            break
        if cases is not None and line.startswith(CASE_PREFIX):
            cases.append(line[len(CASE_PREFIX) :].strip())
        else:
            other.append(line)
    return Described(cases=cases, made_from=made_from, other="\n".join(other).strip())


@dataclass
class KeptSet:
    """A set of the archive that becomes an interview set."""

    name: str
    kind: str  # a SetKind
    sources: list[str]  # GUIDs of the text sources it holds that become transcripts
    cases: list[str]  # GUIDs of the archive's cases, for a set of cases
    made_from: str


def keep_sets(
    project: Project, imported: set[str], *, not_kept: Counter, warnings: list[str]
) -> list[KeptSet]:
    """The archive's sets of sources as interview sets of the sources that become transcripts (`imported`,
    their GUIDs); other members are counted in `not_kept`. A set whose description marks it as a set of cases
    holds those cases when the archive holds every one of them, else its interviews (with a warning)."""
    case_guids = {entry.name.casefold(): entry.guid for entry in project.cases if entry.name}
    kept = []
    for entry in project.source_sets:
        members = list(dict.fromkeys(entry.sources))
        sources = [guid for guid in members if guid in imported]
        if len(sources) < len(members):
            not_kept[NOT_TEXT] += len(members) - len(sources)
        described = read_description(entry.description)
        if described.other:
            not_kept["descriptions of sets (an interview set keeps only the filter it was made from)"] += 1
        kind, cases = SetKind.TRANSCRIPTS, []
        if described.cases is not None:
            missing = [name for name in described.cases if name.casefold() not in case_guids]
            if missing:
                warnings.append(
                    f"The set “{entry.name}” is a set of cases the archive does not hold "
                    f"({', '.join(missing)}); it comes in as a set of its interviews."
                )
            else:
                kind = SetKind.CASES
                cases = list(dict.fromkeys(case_guids[name.casefold()] for name in described.cases))
        kept.append(
            KeptSet(
                name=entry.name,
                kind=kind,
                sources=sources if kind == SetKind.TRANSCRIPTS else [],
                cases=cases,
                made_from=described.made_from,
            )
        )
    return kept
