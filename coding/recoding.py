"""Restructuring a codebook in use: merging, splitting and deleting codes with their codings and memos.

Each is one transaction that locks the project's codebook (`codebook.changes.lock_codebook`), then the rows of
the codes whose codings it moves or deletes (`codebook.changes.lock_codes`, which applying a code takes too),
checks what the owner confirmed under those locks, moves or counts the codings and memos, and calls the
code-side step in `codebook.changes`, which reshapes the tree and writes the history event. The codebook app
holds everything about codes and relations; the codings belong here, in the app that builds on it.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from cases.refusals import Refused
from codebook import changes
from codebook.history import record, snapshot
from codebook.models import Code, CodebookAction, CodeRelation, Level
from coding.analysis.saved_queries import follow_merge
from coding.models import Coding, Memo, Valence


def _lock(project, *codes: Code, also: Iterable[int] = ()) -> None:
    """Locks the rows of `codes` and of the codes `also` (`codebook.changes.lock_codes`); refuses if one of
    `codes` went before the lock was taken (those `also` cannot: they are sub-codes, and removing one takes
    the codebook lock this holds)."""
    present = changes.lock_codes(project, [*(code.pk for code in codes), *also])
    for code in codes:
        if code.pk not in present:
            raise Refused(f"{changes.gone(project=project, code=code)}: reload the page.")


# Merge


def merge_problem(*, source: Code, target: Code) -> str | None:
    """Why `source` cannot be merged into `target`, or None (`codebook.changes.merge_problem`)."""
    coded = not target.is_codable and Coding.objects.filter(code=source).exists()
    return changes.merge_problem(source=source, target=target, source_coded=coded)


@transaction.atomic
def merge_codes(*, source: Code, target: Code, user) -> changes.MergeResult:
    """Merges `source` (A) into `target` (B) and deletes A.

    - Every coding of A becomes a coding of B. Where the same coder already applied B to the same quotation,
      the two collapse into B's coding, which is kept. Valence rule: B's coding keeps its valence unless it is
      "none" and A's is not, in which case it takes A's; when both carry different non-"none" valences, B's is
      kept and the conflict is counted in the history (so a reviewer can look at those quotations).
    - Memos on A move to B, and A's definition, criteria and example are kept as a memo on B.
    - A's sub-codes and relations move to B (`codebook.changes.merge_into`).
    - Saved queries naming A name B (`coding.analysis.saved_queries.follow_merge`).
    """
    project = source.project
    changes.lock_codebook(project)
    _lock(project, source, target)
    source.refresh_from_db()
    target.refresh_from_db()
    problem = merge_problem(source=source, target=target)
    if problem:
        raise Refused(problem)
    result = changes.MergeResult()
    now = timezone.now()
    codings = Coding.objects

    def same_quotation(code: Code):
        return codings.filter(code=code, segment=OuterRef("segment"), coder=OuterRef("coder"))

    sourced = same_quotation(source).exclude(valence=Valence.NONE)
    result.valence_conflicts = (
        codings.filter(code=target)
        .exclude(valence=Valence.NONE)
        .filter(Exists(sourced.exclude(valence=OuterRef("valence"))))
        .count()
    )
    result.valences_taken = (
        codings.filter(code=target, valence=Valence.NONE)
        .filter(Exists(sourced))
        .update(valence=Subquery(sourced.values("valence")[:1]), updated_at=now)
    )
    duplicates = codings.filter(code=source).filter(Exists(same_quotation(target)))
    result.duplicates_collapsed = duplicates.count()
    duplicates.delete()
    result.codings_moved = codings.filter(code=source).update(code=target, updated_at=now)

    result.memos_moved = Memo.objects.filter(code=source).update(code=target)
    _keep_memo_links(source, target)
    Memo.objects.create(
        project=project,
        code=target,
        author=user if user.is_authenticated else None,
        title=f"Merged from “{source.name}”"[:200],
        text=_merged_memo(source),
    )
    follow_merge(source=source, target=target)
    return changes.merge_into(source=source, target=target, result=result, user=user)


def _keep_memo_links(source: Code, target: Code) -> None:
    """Memos that discuss A discuss B; memos about a relation of A that the merge drops (a repeat of one B
    has, or one that would link B to itself) go to the relation B keeps, or to B itself."""
    links = Memo.codes.through.objects
    links.filter(code=source, memo__in=links.filter(code=target).values("memo_id")).delete()
    links.filter(code=source).update(code=target)
    kept = {
        (relation.source_id, relation.target_id, relation.kind): relation.pk
        for relation in CodeRelation.objects.filter(Q(source=target) | Q(target=target))
    }
    for relation in CodeRelation.objects.filter(Q(source=source) | Q(target=source)):
        ends = tuple(
            target.pk if end == source.pk else end for end in (relation.source_id, relation.target_id)
        )
        if ends[0] == ends[1]:
            Memo.objects.filter(relation=relation).update(relation=None, code=target)
        elif (*ends, relation.kind) in kept:
            Memo.objects.filter(relation=relation).update(relation_id=kept[(*ends, relation.kind)])
        else:  # moved by `merge_into`, in this order: a later relation of A may repeat it
            kept[(*ends, relation.kind)] = relation.pk


def _merged_memo(source: Code) -> str:
    parts = [f"“{source.name}” ({source.get_level_display().lower()}) was merged into this code."]
    parts += [f"{label}: {value}" for label, value in source.guidance()]
    return "\n\n".join(parts)


# Split


def split_choices(*, code: Code) -> QuerySet[Coding]:
    """The codings of `code` an owner can move to a new code, in transcript order, with what the page
    shows of each."""
    return (
        Coding.objects.filter(code=code)
        .select_related("segment__transcript__case", "coder__profile")
        .order_by("segment__transcript__case__name", "segment__transcript__title", "segment__start", "pk")
    )


@transaction.atomic
def split_code(
    *, code: Code, coding_ids: list[int], name: str, as_child: bool, definition: str = "", user
) -> Code:
    """Moves the chosen codings of `code` to a new code, a child of `code` or its sibling.

    A child starts at the open level (a finer concept under the category); a sibling shares the code's level.
    """
    project = code.project
    changes.lock_codebook(project)
    _lock(project, code)
    code.refresh_from_db()
    parent = code if as_child else code.parent
    changes.refuse_clash(project, parent, name)
    ids = set(coding_ids)
    if not ids:
        raise Refused("Choose at least one coding to move to the new code.")
    # Locked: a coding being removed meanwhile is waited for, and then missed here, not in the update.
    chosen = Coding.objects.filter(code=code, pk__in=ids)
    if len(chosen.select_for_update(no_key=True).values_list("pk", flat=True)) != len(ids):
        raise Refused(f"Some of the chosen codings are no longer on “{code.name}”: reload the page.")
    new = Code.objects.create(
        project=project,
        parent=parent,
        name=name,
        level=Level.OPEN if as_child else code.level,
        framework=code.framework,
        definition=definition,
        colour=code.colour,
        position=changes.next_position(project, parent),
        created_by=user if user.is_authenticated else None,
    )
    moved = chosen.update(code=new, updated_at=timezone.now())
    record(
        project=project,
        user=user,
        action=CodebookAction.SPLIT,
        code=new,
        summary=f"Split {moved} coding{'s' if moved != 1 else ''} of “{code.name}” into the new "
        f"{'sub-code' if as_child else 'code'} “{new.name}”",
        detail={"from": changes.brief(code), "code": snapshot(new), "codings": sorted(ids)},
    )
    return new


# Delete


def removal(*, code: Code, keep_children: bool) -> changes.Removal:
    """What deleting `code` takes with it, its sub-codes moving up (`keep_children`) or going with it."""
    descendants = code.project.codes.descendant_ids(code.pk)
    ids = {code.pk} if keep_children else {code.pk, *descendants}
    return changes.Removal(
        code_ids=ids,
        children_kept=code.children.count() if keep_children else 0,
        codings=Coding.objects.filter(code_id__in=ids).count(),
        relations=CodeRelation.objects.filter(Q(source_id__in=ids) | Q(target_id__in=ids)).count(),
        # Memos about the codes and about their relations go with them; memos only linked to them stay.
        memos=Memo.objects.filter(
            Q(code_id__in=ids) | Q(relation__source_id__in=ids) | Q(relation__target_id__in=ids)
        ).count(),
    )


@transaction.atomic
def delete_code(*, code: Code, keep_children: bool, confirmed_codings: int, user) -> changes.Removal:
    """Deletes a code, with its sub-codes or after moving them up to its parent.

    Its codings, relations and memos go with it. `confirmed_codings` is the number of codings the owner agreed
    to delete: if codings were added since, nothing is deleted and the owner is asked again.
    """
    project = code.project
    changes.lock_codebook(project)
    _lock(project, code, also=project.codes.descendant_ids(code.pk))  # its sub-codes may go with it
    code.refresh_from_db()
    gone = removal(code=code, keep_children=keep_children)
    if gone.codings != confirmed_codings:
        raise Refused(
            f"This now deletes {gone.codings} coding{'s' if gone.codings != 1 else ''}, not "
            f"{confirmed_codings}: check again and confirm."
        )
    changes.delete_tree(code=code, keep_children=keep_children, gone=gone, user=user)
    return gone
