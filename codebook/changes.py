"""Changing a project's codebook: create, edit, move, change level, relate, and the tree's side of a merge
or a deletion.

Each change is one transaction that also writes its history event, so a change and its record stand or fall
together. Changes that reshape the tree first lock the project row: two owners restructuring at once are
serialised, and the checks made under the lock (no cycles, no sibling name clashes, counts the owner
confirmed) still hold when the writes happen. Forms make the same checks first to explain refusals; the checks
here are what the database state is guaranteed by.

Codings and memos belong to the coding app, which builds on this one. Merging, splitting and deleting codes
move or remove them, so those changes are `coding.recoding`'s: it takes the lock, moves or counts the codings
and memos, and calls the code-side steps here (`merge_into`, `delete_tree`) in the same transaction.
"""

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.db import transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Lower
from django.utils import timezone

from cases.models import Project
from cases.refusals import Refused
from codebook.history import record, snapshot
from codebook.models import Code, CodebookAction, CodeRelation, Level

# Fields an owner edits on a code; the history records old and new values of those that change.
EDITABLE_FIELDS = (
    "name",
    "level",
    "framework",
    "definition",
    "inclusion",
    "exclusion",
    "example",
    "colour",
    "is_codable",
    "is_core",
)


# The locks here and in the coding app are FOR NO KEY UPDATE: they exclude each other, but not the key-share
# locks with which PostgreSQL checks foreign keys at commit. A FOR UPDATE on the project would make every
# apply that saves a quotation (which refers to the project) wait at its commit for a codebook change, while
# that change waits for the apply's code: a deadlock.


def lock_codebook(project: Project) -> None:
    """Serialises changes that reshape `project`'s codebook: held until the transaction ends."""
    list(Project.objects.select_for_update(no_key=True).filter(pk=project.pk).values_list("pk", flat=True))


def lock_codes(project: Project, ids: Iterable[int]) -> set[int]:
    """Locks the rows of `project`'s codes `ids` until the transaction ends; returns the ids still there.

    Whatever attaches codings to a code (applying it, undo bringing codings back) and whatever moves or
    deletes a code's codings (merging, splitting, deleting the code) locks the code's row first, so the two
    happen one after the other: an apply that commits first has its coding moved or counted, and one that
    waits finds the code gone and is refused. Without it, a coding committed between a merge's move and its
    deletion of the code went with the code (PostgreSQL checks the foreign key only at commit). In id order,
    so that requests locking several codes cannot deadlock; the codebook lock, when taken, comes first. On
    SQLite, whose IMMEDIATE transactions run one at a time, there is nothing to lock.
    """
    locked = project.codes.select_for_update(no_key=True).filter(pk__in=ids).order_by("pk")
    return set(locked.values_list("pk", flat=True))


def gone(*, project: Project, code: Code) -> str:
    """What became of `code`, which `lock_codes` found gone: merged (into which code, from the history) or
    deleted. Words for the start of a sentence."""
    merged = project.codebook_events.filter(action=CodebookAction.MERGE, detail__source__id=code.pk).first()
    if merged is not None:
        return f"“{code.name}” was merged into “{merged.detail['target']['name']}” a moment ago"
    return f"“{code.name}” was deleted a moment ago"


def siblings(project: Project, parent: Code | None):
    return project.codes.filter(parent=parent)


def name_clash(*, project: Project, parent: Code | None, name: str, exclude: tuple = ()) -> Code | None:
    """The code that already has `name` (in any case) under `parent`, if any."""
    return siblings(project, parent).filter(name__iexact=name).exclude(pk__in=exclude).first()


def next_position(project: Project, parent: Code | None) -> int:
    highest = siblings(project, parent).aggregate(highest=Max("position"))["highest"]
    return 0 if highest is None else highest + 1


def where(parent: Code | None) -> str:
    return f"under “{parent.name}”" if parent else "at the top level"


def refuse_clash(project: Project, parent: Code | None, name: str, exclude: tuple = ()) -> None:
    clash = name_clash(project=project, parent=parent, name=name, exclude=exclude)
    if clash is not None:
        raise Refused(f"There is already a code “{clash.name}” {where(parent)}.")


# Create, edit, level


@transaction.atomic
def create_code(*, code: Code, user) -> Code:
    """Saves a new code (built by a form) at the end of its siblings."""
    lock_codebook(code.project)
    refuse_clash(code.project, code.parent, code.name)
    code.position = next_position(code.project, code.parent)
    code.created_by = user if user.is_authenticated else None
    code.save()
    record(
        project=code.project,
        user=user,
        action=CodebookAction.CREATE,
        code=code,
        summary=f"Created “{code.name}” {where(code.parent)}",
        detail={"code": snapshot(code)},
    )
    return code


def field_values(code: Code) -> dict:
    return {name: getattr(code, name) for name in EDITABLE_FIELDS}


@transaction.atomic
def update_code(*, code: Code, previous: dict, user) -> dict[str, list]:
    """Saves the fields of `code` a form edited in place; `previous` is its `field_values` from before.

    Returns the changes as {field: [old, new]}; nothing is written or recorded when nothing changed. A change
    of level alone is recorded as a level change, the restructuring step it is in the analysis.
    """
    changes = {name: [previous[name], getattr(code, name)] for name in EDITABLE_FIELDS}
    changes = {name: values for name, values in changes.items() if values[0] != values[1]}
    if not changes:
        return changes
    lock_codebook(code.project)
    if "name" in changes:
        refuse_clash(code.project, code.parent, code.name, exclude=(code.pk,))
    code.save()
    if "level" in changes and set(changes) <= {"level", "is_core"}:
        action, summary = CodebookAction.LEVEL, _level_summary(code, changes["level"][0])
    else:
        action = CodebookAction.EDIT
        label = f"“{previous['name']}” (now “{code.name}”)" if "name" in changes else f"“{code.name}”"
        summary = f"Edited {label}: {', '.join(Code._meta.get_field(name).verbose_name for name in changes)}"
    record(
        project=code.project,
        user=user,
        action=action,
        code=code,
        summary=summary,
        detail={"changes": changes},
    )
    return changes


def _level_summary(code: Code, old: str) -> str:
    new = code.get_level_display().lower()
    return f"Changed the level of “{code.name}” from {Level(old).label.lower()} to {new}"


@transaction.atomic
def change_level(*, code: Code, level: str, user) -> bool:
    """Moves a code between open, axial and selective; codings are untouched. A code that stops being
    selective stops being a core category (the database allows only selective core categories)."""
    code.refresh_from_db()
    if code.level == level:
        return False
    old, was_core = code.level, code.is_core
    code.level = level
    code.is_core = code.is_core and level == Level.SELECTIVE
    code.save(update_fields=["level", "is_core", "updated_at"])
    changes = {"level": [old, level]}
    if was_core != code.is_core:
        changes["is_core"] = [was_core, code.is_core]
    record(
        project=code.project,
        user=user,
        action=CodebookAction.LEVEL,
        code=code,
        summary=_level_summary(code, old),
        detail={"changes": changes},
    )
    return True


# Move


@transaction.atomic
def move_code(*, code: Code, parent: Code | None, user) -> bool:
    """Puts `code` and its sub-tree under `parent` (None: the top level), after its new siblings.

    Returns False when the code is already there.
    """
    project = code.project
    lock_codebook(project)
    code.refresh_from_db()
    if parent is not None:
        if parent.project_id != code.project_id:
            raise Refused("A code can only move within its own codebook.")
        if parent.pk == code.pk or parent.pk in project.codes.descendant_ids(code.pk):
            raise Refused(f"“{code.name}” cannot go under itself or one of its own sub-codes.")
    if code.parent_id == (parent.pk if parent else None):
        return False
    refuse_clash(project, parent, code.name, exclude=(code.pk,))
    old_parent = code.parent
    code.parent = parent
    code.position = next_position(project, parent)
    code.save(update_fields=["parent", "position", "updated_at"])
    summary = f"Moved “{code.name}” {where(parent)} (it was {where(old_parent)})"
    record_move(code=code, summary=summary, old_parent=old_parent, user=user)
    return True


def record_move(*, code: Code, summary: str, old_parent: Code | None, user, **detail) -> None:
    """The history event of a move: under a new parent, or to a new place among the same siblings."""
    record(
        project=code.project,
        user=user,
        action=CodebookAction.MOVE,
        code=code,
        summary=summary,
        detail={
            "code": {"id": code.pk, "guid": str(code.guid), "name": code.name},
            "from": brief(old_parent),
            "to": brief(code.parent),
            **detail,
        },
    )


def sibling_order(project: Project, parent_id: int | None) -> list[Code]:
    """The codes under `parent_id` in the order the tree shows them (`in_tree_order`'s)."""
    return list(project.codes.filter(parent_id=parent_id).order_by("position", Lower("name")))


@transaction.atomic
def reorder_code(*, code: Code, target: Code, after: bool, user) -> bool:
    """Puts `code` just before (or `after`) its sibling `target`, renumbering the siblings' positions.

    Returns False when the code is already there. Recorded as a move within the same parent.
    """
    project = code.project
    lock_codebook(project)
    code.refresh_from_db()
    target.refresh_from_db()
    if target.project_id != code.project_id or target.parent_id != code.parent_id or target.pk == code.pk:
        raise Refused(f"“{code.name}” can only be put before or after another code under the same parent.")
    order = sibling_order(project, code.parent_id)
    old_index = [sibling.pk for sibling in order].index(code.pk)
    rest = [sibling for sibling in order if sibling.pk != code.pk]
    index = [sibling.pk for sibling in rest].index(target.pk) + (1 if after else 0)
    rest.insert(index, code)
    if index == old_index:
        return False
    changed = []
    for position, sibling in enumerate(rest):
        if sibling.position != position:
            sibling.position = position
            changed.append(sibling)
    Code.objects.bulk_update(changed, ["position"])
    summary = f"Moved “{code.name}” {'after' if after else 'before'} “{target.name}” {where(code.parent)}"
    position = {"from": old_index, "to": index}
    record_move(code=code, summary=summary, old_parent=code.parent, user=user, position=position)
    return True


def brief(code: Code | None) -> dict | None:
    return None if code is None else {"id": code.pk, "name": code.name}


# Merge


@dataclass
class MergeResult:
    codings_moved: int = 0
    duplicates_collapsed: int = 0
    valences_taken: int = 0
    valence_conflicts: int = 0
    children_moved: list[str] = field(default_factory=list)
    relations_moved: int = 0
    relations_dropped: int = 0
    memos_moved: int = 0


def merge_problem(*, source: Code, target: Code, source_coded: bool) -> str | None:
    """Why `source` cannot be merged into `target`, or None; `source_coded` says whether codings use `source`.
    Forms show it; `coding.recoding.merge_codes` enforces it."""
    if source.project_id != target.project_id:
        return "Codes can only be merged within one codebook."
    if source.pk == target.pk:
        return "Choose another code to merge into."
    if target.pk in source.project.codes.descendant_ids(source.pk):
        return f"“{target.name}” is inside “{source.name}”: move it out first, or merge the other way round."
    if not target.is_codable and source_coded:
        return f"“{target.name}” is a category that cannot be applied: make it codable first."
    lower_target = {name.lower() for name in target.children.values_list("name", flat=True)}
    clashes = [
        name for name in source.children.values_list("name", flat=True) if name.lower() in lower_target
    ]
    if clashes:
        names = ", ".join(f"“{name}”" for name in sorted(clashes, key=str.lower))
        return f"Both codes have sub-codes named {names}: merge or rename those first."
    return None


@transaction.atomic(savepoint=False)
def merge_into(*, source: Code, target: Code, result: MergeResult, user) -> MergeResult:
    """The code side of merging `source` (A) into `target` (B), once `coding.recoding.merge_codes` has moved
    A's codings and memos to B under the lock (deleting A before would delete them with it).

    - A's sub-codes move under B, after B's own.
    - A's relations are re-pointed to B; those that would link B to itself, or repeat one B already has, are
      dropped (a dropped duplicate's memo is appended to the memo of the relation it repeats).
    - A is deleted, and the merge recorded with `result`'s figures and these.
    """
    project = source.project
    source_snapshot = snapshot(source)
    result.children_moved = list(source.children.values_list("name", flat=True))
    base = next_position(project, target)
    source.children.update(parent=target, position=F("position") + base, updated_at=timezone.now())

    _repoint_relations(source, target, result)

    source.delete()
    record(
        project=project,
        user=user,
        action=CodebookAction.MERGE,
        code=target,
        summary=f"Merged “{source_snapshot['name']}” into “{target.name}”",
        detail={"source": source_snapshot, "target": brief(target), **asdict(result)},
    )
    return result


def _repoint_relations(source: Code, target: Code, result: MergeResult) -> None:
    kept = {
        (relation.source_id, relation.target_id, relation.kind): relation
        for relation in CodeRelation.objects.filter(Q(source=target) | Q(target=target))
    }
    for relation in CodeRelation.objects.filter(Q(source=source) | Q(target=source)).select_related(
        "source", "target"
    ):
        ends = tuple(
            target.pk if end == source.pk else end for end in (relation.source_id, relation.target_id)
        )
        key = (*ends, relation.kind)
        if ends[0] == ends[1] or key in kept:
            if key in kept and relation.memo and relation.memo not in kept[key].memo:
                survivor = kept[key]
                survivor.memo = "\n\n".join(
                    part for part in (survivor.memo, f"(from “{source.name}”) {relation.memo}") if part
                )
                survivor.save(update_fields=["memo"])
            relation.delete()
            result.relations_dropped += 1
            continue
        relation.source_id, relation.target_id = ends
        relation.save(update_fields=["source", "target"])
        kept[key] = relation
        result.relations_moved += 1


# Delete


@dataclass
class Removal:
    """What deleting a code takes with it (`coding.recoding.removal` counts it); shown to the owner before,
    and recorded after."""

    code_ids: set[int]
    children_kept: int
    codings: int
    relations: int
    memos: int


def children_clash(code: Code) -> list[str]:
    """Names of `code`'s children that its siblings already use (they could not move up in its place)."""
    taken = {
        name.lower()
        for name in siblings(code.project, code.parent).exclude(pk=code.pk).values_list("name", flat=True)
    }
    return sorted(
        (n for n in code.children.values_list("name", flat=True) if n.lower() in taken), key=str.lower
    )


@transaction.atomic(savepoint=False)
def delete_tree(*, code: Code, keep_children: bool, gone: Removal, user) -> None:
    """The code side of deleting a code, under the lock `coding.recoding.delete_code` took to count `gone`:
    its sub-codes move up to its parent or go with it, and the codes in `gone` are deleted (their codings,
    relations and memos with them) and recorded."""
    project = code.project
    if keep_children:
        clash = children_clash(code)
        if clash:
            raise Refused(
                f"Sub-codes named {', '.join(f'“{n}”' for n in clash)} already exist {where(code.parent)}: "
                "rename them, or delete them with the code."
            )
        base = next_position(project, code.parent)
        code.children.update(parent=code.parent, position=F("position") + base, updated_at=timezone.now())
    deleted = [snapshot(each) for each in project.codes.filter(pk__in=gone.code_ids)]
    project.codes.filter(pk__in=gone.code_ids).delete()
    extra = len(gone.code_ids) - 1
    record(
        project=project,
        user=user,
        action=CodebookAction.DELETE,
        summary=f"Deleted “{code.name}”"
        + (f" and {extra} sub-code{'s' if extra != 1 else ''}" if extra else "")
        + (f", with {gone.codings} coding{'s' if gone.codings != 1 else ''}" if gone.codings else ""),
        detail={
            "codes": deleted,
            "children_moved_up": gone.children_kept,
            "codings": gone.codings,
            "relations": gone.relations,
            "memos": gone.memos,
        },
    )


# Relations


@transaction.atomic
def add_relation(*, source: Code, target: Code, kind: str, memo: str, user) -> CodeRelation:
    if source.project_id != target.project_id or source.pk == target.pk:
        raise Refused("A relation links two different codes of one codebook.")
    if CodeRelation.objects.filter(source=source, target=target, kind=kind).exists():
        raise Refused("This relation already exists.")
    relation = CodeRelation.objects.create(
        project=source.project,
        source=source,
        target=target,
        kind=kind,
        memo=memo,
        created_by=user if user.is_authenticated else None,
    )
    record(
        project=source.project,
        user=user,
        action=CodebookAction.RELATE,
        code=source,
        summary=f"Related “{source.name}” {relation.kind_label} “{target.name}”",
        detail=_relation_detail(relation),
    )
    return relation


def _relation_detail(relation: CodeRelation) -> dict:
    return {
        "relation": relation.pk,
        "source": brief(relation.source),
        "target": brief(relation.target),
        "kind": relation.kind,
        "memo": relation.memo,
    }


@transaction.atomic
def edit_relation(*, relation: CodeRelation, kind: str, memo: str, user) -> bool:
    if (relation.kind, relation.memo) == (kind, memo):
        return False
    clash = CodeRelation.objects.filter(source=relation.source, target=relation.target, kind=kind)
    if clash.exclude(pk=relation.pk).exists():
        raise Refused("This relation already exists.")
    before = {"kind": relation.kind, "memo": relation.memo}
    relation.kind, relation.memo = kind, memo
    relation.save(update_fields=["kind", "memo"])
    record(
        project=relation.project,
        user=user,
        action=CodebookAction.RELATION_EDIT,
        code=relation.source,
        summary=f"Edited the relation “{relation.source.name}” {relation.kind_label} "
        f"“{relation.target.name}”",
        detail={**_relation_detail(relation), "before": before},
    )
    return True


@transaction.atomic
def delete_relation(*, relation: CodeRelation, user) -> None:
    detail = _relation_detail(relation)
    summary = f"Removed the relation “{relation.source.name}” {relation.kind_label} “{relation.target.name}”"
    relation.delete()
    record(
        project=relation.project,
        user=user,
        action=CodebookAction.UNRELATE,
        code=relation.source,
        summary=summary,
        detail=detail,
    )
