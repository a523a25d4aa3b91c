"""The workspace's undo: each coder's last writes on a transcript, kept in the database.

A view pushes a step in the transaction of its change; `take_back` reverts the newest. Only the newest `DEPTH`
steps per coder and transcript can be taken back. Older ones are forgotten when the coder opens the transcript
or undoes, not on every push: that would add a query to every write for rows nobody reads.
"""

from django.db import transaction

from cases.models import Transcript
from cases.refusals import Refused
from coding.models import UndoStep
from coding.workspace import actions as ops

DEPTH = 20


def _steps(user, transcript: Transcript):
    return UndoStep.objects.filter(user=user, transcript=transcript)


def push(*, user, transcript: Transcript, record: ops.Undo, span: tuple[int, int]) -> None:
    """Keeps `record` as the newest step; call it inside the transaction of the change."""
    UndoStep.objects.create(user=user, transcript=transcript, record=record, start=span[0], end=span[1])


def _prune(user, transcript: Transcript) -> bool:
    """Forgets the steps beyond the newest `DEPTH`; says whether any are left. One query unless some go."""
    newest = list(_steps(user, transcript).order_by("-pk").values_list("pk", flat=True)[: DEPTH + 1])
    if len(newest) > DEPTH:
        _steps(user, transcript).filter(pk__lte=newest[DEPTH]).delete()
    return bool(newest)


def can_undo(*, user, transcript: Transcript) -> bool:
    return _prune(user, transcript)


def take_back(*, user, transcript: Transcript) -> tuple[str, tuple[int, int]]:
    """Reverts the newest step and forgets it; returns what was undone, in words, and the passage it touched.

    A step that can no longer be reverted (that passage changed since) is forgotten all the same, so the next
    undo reaches the step before it; `Refused` then says why.
    """
    with transaction.atomic():
        _prune(user, transcript)
        step = _steps(user, transcript).select_for_update().order_by("-pk").first()
        if step is None:
            raise Refused("There is nothing to undo.")
        step.delete()
        try:
            with transaction.atomic():  # a refused revert rolls back alone; the step stays forgotten
                return ops.undo(record=step.record, transcript=transcript, user=user), (step.start, step.end)
        except Refused as refusal:
            refused = refusal  # raised once the forgetting is committed
    raise refused
