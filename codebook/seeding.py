"""Seeding a project's codebook with a theoretical framework from the data files in `frameworks/`.

A framework file holds the code tree and, optionally, the relations between its codes that the paper states
(`relations:`, each naming its source and target codes, which must be unique names within the framework).
"""

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from cases.models import Project
from codebook.history import record
from codebook.models import Code, CodebookAction, CodeRelation, RelationKind

FRAMEWORK_DIR = Path(__file__).resolve().parent / "frameworks"


@dataclass(frozen=True)
class FrameworkSpec:
    key: str
    title: str
    description: str
    codes: list[dict]
    relations: list[dict] = field(default_factory=list)


@cache
def load_framework(key: str) -> FrameworkSpec:
    path = FRAMEWORK_DIR / f"{key}.yaml"
    if not path.is_file():
        raise ValueError(f"Unknown framework “{key}”: choose one of {', '.join(available_frameworks())}.")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = FrameworkSpec(
        key=data["framework"],
        title=data["title"],
        description=data["description"].strip(),
        codes=data["codes"],
        relations=data.get("relations", []),
    )
    _check_relations(spec)
    return spec


def _names(nodes: list[dict]) -> list[str]:
    return [name for node in nodes for name in (node["name"], *_names(node.get("children", [])))]


def _check_relations(spec: FrameworkSpec) -> None:
    names = _names(spec.codes)
    for relation in spec.relations:
        for end in (relation["source"], relation["target"]):
            if names.count(end) != 1:
                raise ValueError(
                    f"{spec.key}: a relation names “{end}”, which is not one code of the framework."
                )
        if relation["kind"] not in RelationKind.values:
            raise ValueError(f"{spec.key}: unknown relation kind “{relation['kind']}”.")


def available_frameworks() -> list[str]:
    return sorted(path.stem for path in FRAMEWORK_DIR.glob("*.yaml"))


@transaction.atomic
def seed_framework(*, project: Project, framework: str, user=None) -> int:
    """Adds the framework's codes and relations that the project lacks; returns how many codes were created.

    Codes are matched by name (case-insensitive) under the same parent and relations by their two codes and
    kind, so running it again creates nothing and never overwrites definitions or memos a team has since
    edited. What it adds is recorded in the codebook history.
    """
    spec = load_framework(framework)
    existing = {(code.parent_id, code.name.lower()): code for code in project.codes.all()}
    by_name: dict[str, Code] = {}
    created = 0

    def plant(nodes: list[dict], parent: Code | None) -> None:
        nonlocal created
        for position, node in enumerate(nodes):
            key = (parent.pk if parent else None, node["name"].lower())
            code = existing.get(key)
            if code is None:
                code = Code.objects.create(
                    project=project,
                    parent=parent,
                    name=node["name"],
                    level=node["level"],
                    framework=spec.key,
                    definition=node["definition"].strip(),
                    inclusion=node.get("inclusion", "").strip(),
                    exclusion=node.get("exclusion", "").strip(),
                    example=node.get("example", "").strip(),
                    colour=node["colour"].lower(),
                    is_codable=node.get("codable", True),
                    is_core=node.get("core", False),
                    position=position,
                )
                existing[key] = code
                created += 1
            by_name[node["name"]] = code
            plant(node.get("children", []), code)

    plant(spec.codes, None)
    related = _relate(project, spec, by_name)
    if created or related:
        record(
            project=project,
            user=user,
            action=CodebookAction.SEED,
            summary=f"Seeded {spec.title}: {created} code(s) and {related} relation(s) added",
            detail={"framework": spec.key, "codes": created, "relations": related},
        )
    return created


def _relate(project: Project, spec: FrameworkSpec, by_name: dict[str, Code]) -> int:
    present = set(CodeRelation.objects.filter(project=project).values_list("source_id", "target_id", "kind"))
    missing = []
    for relation in spec.relations:
        source, target = by_name[relation["source"]], by_name[relation["target"]]
        if (source.pk, target.pk, relation["kind"]) not in present:
            missing.append(
                CodeRelation(
                    project=project,
                    source=source,
                    target=target,
                    kind=relation["kind"],
                    memo=relation.get("memo", "").strip(),
                )
            )
    CodeRelation.objects.bulk_create(missing)
    return len(missing)
