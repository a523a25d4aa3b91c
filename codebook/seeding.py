"""Seeding a project's codebook with a theoretical framework from the data files in `frameworks/`."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.db import transaction

from cases.models import Project
from codebook.models import Code

FRAMEWORK_DIR = Path(__file__).resolve().parent / "frameworks"


@dataclass(frozen=True)
class FrameworkSpec:
    key: str
    title: str
    description: str
    codes: list[dict]


@cache
def load_framework(key: str) -> FrameworkSpec:
    path = FRAMEWORK_DIR / f"{key}.yaml"
    if not path.is_file():
        raise ValueError(f"Unknown framework “{key}”: choose one of {', '.join(available_frameworks())}.")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return FrameworkSpec(
        key=data["framework"],
        title=data["title"],
        description=data["description"].strip(),
        codes=data["codes"],
    )


def available_frameworks() -> list[str]:
    return sorted(path.stem for path in FRAMEWORK_DIR.glob("*.yaml"))


@transaction.atomic
def seed_framework(*, project: Project, framework: str) -> int:
    """Adds the framework's codes that the project lacks; returns how many were created.

    Codes are matched by name (case-insensitive) under the same parent, so running it again creates nothing
    and never overwrites definitions a team has since edited.
    """
    spec = load_framework(framework)
    existing = {(code.parent_id, code.name.lower()): code for code in project.codes.all()}
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
                    position=position,
                )
                existing[key] = code
                created += 1
            plant(node.get("children", []), code)

    plant(spec.codes, None)
    return created
