"""Saving, renaming and deleting retrievals under a name, and keeping them true when codes are merged.

A saved query keeps the retrieval form's fields by id (`coding.analysis.forms.saved_fields`), so renaming or
moving a code changes nothing it finds. What happens to it when a code it names goes:

- merged into another code: the query names that code instead, changed in the merge's transaction
  (`follow_merge`), because the merged code's codings are that code's now;
- deleted: the query keeps the id and the code's name, and refuses to run (on the retrieval page, and as a
  matrix or export scope) until it is saved again without it: leaving the code out silently would widen an
  AND or NOT and narrow an OR.
"""

from django.db import transaction

from cases.models import Project
from cases.refusals import Refused
from codebook.models import Code
from coding.models import SavedQuery

CODE_FIELDS = ("all_codes", "any_codes", "not_codes")


def _name_free(project: Project, name: str, *, but: SavedQuery | None = None) -> None:
    taken = SavedQuery.objects.filter(project=project, name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise Refused(f"A saved query named “{name}” exists already: choose another name.")


@transaction.atomic
def save_query(*, project: Project, name: str, fields: dict, labels: dict, user) -> SavedQuery:
    _name_free(project, name)
    return SavedQuery.objects.create(
        project=project, name=name, fields=fields, labels=labels, created_by=user
    )


@transaction.atomic
def replace_query(*, saved: SavedQuery, fields: dict, labels: dict) -> SavedQuery:
    """Gives an existing saved query new criteria, keeping its name (and its place as others' scope)."""
    saved.fields, saved.labels = fields, labels
    saved.save(update_fields=["fields", "labels", "updated_at"])
    return saved


@transaction.atomic
def rename_query(*, saved: SavedQuery, name: str) -> SavedQuery:
    _name_free(saved.project, name, but=saved)
    saved.name = name
    saved.save(update_fields=["name", "updated_at"])
    return saved


@transaction.atomic
def delete_query(*, saved: SavedQuery) -> None:
    saved.delete()


def follow_merge(*, source: Code, target: Code) -> int:
    """Makes every saved query of the project that names `source` name `target` instead; returns how many.

    Called by `coding.recoding.merge_codes` inside its transaction. A term naming both becomes one term; the
    label is the target's path as the query will show it."""
    old, new = str(source.pk), str(target.pk)
    changed = []
    for saved in SavedQuery.objects.filter(project=source.project).select_for_update():
        touched = False
        for name in CODE_FIELDS:
            values = saved.fields.get(name, [])
            if old in values:
                saved.fields[name] = list(dict.fromkeys(new if v == old else v for v in values))
                touched = True
        if touched:
            codes = saved.labels.setdefault("codes", {})
            codes.pop(old, None)
            codes.setdefault(new, target.name)
            changed.append(saved)
    SavedQuery.objects.bulk_update(changed, ["fields", "labels"])
    return len(changed)
