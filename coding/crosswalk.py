"""The crosswalk of a meta-analysis: each study's codes mapped onto the project's own codebook.

A study keeps its codes as its coders made them (`Code.study`); the crosswalk says which of the project's
codes each one counts as (`CodeMapping`, many to one), with the valence it implies where it implies one. The
matrix, retrieval, reports and exports read the mapping as it is when they run (`CodeTree.load`), so
remapping a code changes what they show at once; each change is written to the codebook's history in its own
transaction.

Suggestions rank the project's codes for a study code by how alike their names are, then by the words their
names and definitions share: a starting point for the analyst, never applied without being asked.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.db import transaction
from django.db.models import Count

from cases.models import Project, Study
from cases.refusals import Refused
from codebook.changes import lock_codebook
from codebook.history import record
from codebook.models import Code, CodebookAction, tree_order
from coding.models import CodeMapping, Valence

SUGGEST_FROM = 0.55  # below this a suggestion is more often wrong than right
_WORDS = re.compile(r"\w+")
_STOP = frozenset("a an and are as at be by for from in is it of on or that the to with".split())


@dataclass
class StudyCode:
    code: Code  # with .depth and .path within its study, .coding_count
    target: Code | None
    valence: str
    suggestion: Code | None


@dataclass
class StudyCrosswalk:
    study: Study
    codes: list[StudyCode]

    @property
    def unmapped(self) -> int:
        return sum(1 for row in self.codes if row.target is None)


def _words(*texts: str) -> set[str]:
    return {word for text in texts for word in _WORDS.findall(text.casefold()) if word not in _STOP}


def _likeness(code: Code, candidate: Code) -> float:
    name = SequenceMatcher(None, code.name.casefold(), candidate.name.casefold()).ratio()
    mine, theirs = _words(code.name, code.definition), _words(candidate.name, candidate.definition)
    shared = len(mine & theirs) / len(mine | theirs) if mine and theirs else 0.0
    return max(name, 0.5 + shared / 2 if shared else 0.0)


def suggest(code: Code, candidates: list[Code]) -> Code | None:
    """The project code most like `code` by name and definition, if any is alike enough."""
    scored = [(_likeness(code, candidate), candidate) for candidate in candidates]
    best = max(scored, key=lambda row: row[0], default=None)  # ties: the first in tree order
    return best[1] if best and best[0] >= SUGGEST_FROM else None


def load(*, project: Project, framework_codes: list[Code]) -> list[StudyCrosswalk]:
    """Every study of the project with its codes in tree order, their mapping and a suggestion; two queries
    besides `framework_codes` (the project's own codes, with `.path`). A study's top code that only holds
    its codes (not codable) is left out, and the depth of the codes beneath it counts from below it."""
    studies = list(project.studies.order_by("name"))
    codes = tree_order(
        list(
            Code.objects.filter(project=project, study__isnull=False)
            .select_related("mapping")
            .annotate(coding_count=Count("codings"))
            .order_by("position", "name")
        )
    )
    by_id = {code.pk: code for code in codes}
    targets = {code.pk: code for code in framework_codes}
    codable = [code for code in framework_codes if code.is_codable]
    rows: dict[int, list[StudyCode]] = {study.pk: [] for study in studies}
    for code in codes:
        parent = by_id.get(code.parent_id)
        code.path = f"{parent.path} › {code.name}" if parent else code.name
        if parent is None and not code.is_codable:
            continue  # the study's own top code ("<study> (study)") holds its codes: nothing to map
        code.depth -= sum(1 for _ in _containers(code, by_id))
        mapping = getattr(code, "mapping", None)
        target = targets.get(mapping.target_id) if mapping else None
        rows[code.study_id].append(
            StudyCode(
                code=code,
                target=target,
                valence=mapping.valence if mapping else "",
                suggestion=None if target else suggest(code, codable),
            )
        )
    return [StudyCrosswalk(study, rows[study.pk]) for study in studies]


def _containers(code: Code, by_id: dict[int, Code]):
    """The study's top code above `code`, when it is one the crosswalk leaves out (not codable)."""
    top = code
    while top.parent_id in by_id:
        top = by_id[top.parent_id]
    if top is not code and not top.is_codable:
        yield top


@transaction.atomic
def map_codes(*, project: Project, user, codes: list[Code], target: Code | None, valence: str = "") -> int:
    """Maps each study code in `codes` to `target` with `valence` (or unmaps them when `target` is None);
    returns how many changed. Each change is one history event."""
    if valence not in ("", *Valence.values):
        raise Refused(f"“{valence}” is not a valence.")
    if target is not None and (target.project_id != project.pk or target.study_id is not None):
        raise Refused("Study codes map onto this project's own codes, not onto another study's.")
    if any(code.project_id != project.pk or code.study_id is None for code in codes):
        raise Refused("Only the codes of a study in this project can be mapped.")
    lock_codebook(project)  # a code being merged or deleted meanwhile is not mapped onto
    if target is not None and not Code.objects.filter(pk=target.pk).exists():
        raise Refused(f"“{target.name}” was deleted a moment ago: reload the crosswalk.")
    current = {
        mapping.code_id: mapping
        for mapping in CodeMapping.objects.select_related("target").filter(code__in=codes)
    }
    changed = 0
    for code in codes:
        before = current.get(code.pk)
        if target is None:
            if before is None:
                continue
            before.delete()
            summary = f"Unmapped “{code.name}” ({code.study.name}) from “{before.target.name}”"
        else:
            if before is not None and before.target_id == target.pk and before.valence == valence:
                continue
            CodeMapping.objects.update_or_create(
                code=code, defaults={"target": target, "valence": valence, "mapped_by": user}
            )
            sign = {Valence.POSITIVE: " as +", Valence.NEGATIVE: " as −"}.get(valence, "")
            summary = f"Mapped “{code.name}” ({code.study.name}) to “{target.name}”{sign}"
            if before is not None:
                summary += f" (was “{before.target.name}”)"
        record(
            project=project,
            user=user,
            action=CodebookAction.MAP,
            summary=summary,
            code=code,
            detail={
                "study": code.study.name,
                "from": before.target_id if before else None,
                "to": target.pk if target else None,
                "valence": valence,
            },
        )
        changed += 1
    return changed
