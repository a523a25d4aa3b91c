"""The workspace's undo: each coder's last writes on a transcript, kept in the database.

Every action in `coding.workspace.actions` pushes a step (a small JSON-able record of the old state) in the
transaction of its change, so undo survives a reload and other tabs; `take_back` reverts the newest. Only the
newest `DEPTH` steps per coder and transcript can be taken back. Older ones are forgotten when the coder opens
the transcript or undoes, not on every push: that would add a query to every write for rows nobody reads.
"""

from dataclasses import dataclass

from django.db import transaction

from cases.models import Transcript
from cases.refusals import Refused
from codebook import history
from codebook.changes import lock_codes
from codebook.models import Code, CodebookAction
from coding.models import Coding, Segment, UndoStep

DEPTH = 20

Undo = dict


def _steps(user, transcript: Transcript):
    return UndoStep.objects.filter(user=user, transcript=transcript)


def push(*, user, segment: Segment, record: Undo, span: tuple[int, int] | None = None) -> None:
    """Keeps `record` as the newest step of `user` on the segment's transcript; called inside the transaction
    of the change. `span` is the passage to redraw once undone, by default the segment's."""
    start, end = span or (segment.start, segment.end)
    step = UndoStep(user=user, transcript_id=segment.transcript_id, record=record, start=start, end=end)
    step.save()


def _prune(user, transcript: Transcript, *, lock: bool = False) -> list[UndoStep]:
    """Forgets the steps beyond the newest `DEPTH`; returns the newest `DEPTH` (with `lock`, locked).

    One query unless some go."""
    steps = _steps(user, transcript).order_by("-pk")
    newest = list((steps.select_for_update() if lock else steps.only("pk"))[: DEPTH + 1])
    if len(newest) > DEPTH:
        _steps(user, transcript).filter(pk__lte=newest[DEPTH].pk).delete()
    return newest[:DEPTH]


def can_undo(*, user, transcript: Transcript) -> bool:
    return bool(_prune(user, transcript))


@dataclass(frozen=True)
class Undone:
    message: str  # what was undone, in words
    span: tuple[int, int]  # the passage it touched
    more: bool  # whether there is a step left to take back


def take_back(*, user, transcript: Transcript) -> Undone:
    """Reverts the newest step and forgets it.

    The newest steps are locked while it is reverted, so two tabs undoing at once take back two steps, not
    one twice. A step that can no longer be reverted (that passage changed since) is forgotten all the same,
    so the next undo reaches the step before it; `Refused` then says why. That is why this is not one atomic
    block: the forgetting commits, the refused revert rolls back alone.
    """
    with transaction.atomic():
        newest = _prune(user, transcript, lock=True)
        if not newest:
            raise Refused("There is nothing to undo.")
        step = newest[0]
        step.delete()
        try:
            with transaction.atomic():
                message = revert(record=step.record, transcript=transcript, user=user)
                return Undone(message=message, span=(step.start, step.end), more=len(newest) > 1)
        except Refused as refusal:
            refused = refusal  # raised once the forgetting is committed
    raise refused


def snapshot(segment: Segment) -> dict:
    """Everything needed to bring a quotation back with the same ids and number, so older steps still apply
    and its citations still point at it. Taken in the deleting transaction, with the quotation locked."""
    return {
        "id": segment.pk,
        "number": segment.number,
        "transcript": segment.transcript_id,
        "start": segment.start,
        "end": segment.end,
        "memo": segment.memo,
        "created_by": segment.created_by_id,
        # Locked: a valence being set meanwhile is waited for, and the step keeps it.
        "codings": [
            coding_row(coding) for coding in segment.codings.select_for_update(no_key=True).order_by("pk")
        ],
    }


def coding_row(coding: Coding) -> list:
    """A coding as `revert` brings it back."""
    return [coding.pk, coding.code_id, coding.coder_id, coding.valence]


@transaction.atomic(savepoint=False)
def revert(*, record: Undo, transcript: Transcript, user) -> str:
    """Reverts one step on `transcript`; returns what was undone, in words.

    Locks as the actions do (`coding.workspace.actions`), in their order: codes, then the quotation. Bringing
    codings back locks their codes, so a code merged or deleted meanwhile is skipped, not its codings lost;
    removing a quotation or an in-vivo code locks it before asking whether anything else uses it now.
    """
    project = transcript.case.project
    segments = Segment.objects.filter(transcript=transcript)
    match record["op"]:
        case "unapply":
            if record.get("new_code"):
                lock_codes(project, [record["new_code"]])
            if record["delete_segment"]:
                list(segments.select_for_update(no_key=True).filter(pk=record["segment"]).values_list("pk"))
            Coding.objects.filter(pk__in=record["codings"], segment__in=segments).delete()
            if record["delete_segment"]:
                segments.filter(pk=record["segment"], codings__isnull=True, memo="").delete()
            if record.get("new_code"):  # the in-vivo code made for it, unless used since
                unused = Code.objects.filter(
                    pk=record["new_code"], codings__isnull=True, children__isnull=True
                )
                for code in unused.select_related("project"):
                    history.record(
                        project=code.project,
                        user=user,
                        action=CodebookAction.DELETE,
                        summary=f"Removed the in-vivo code “{code.name}” by undoing its first use",
                        detail={"code": history.snapshot(code)},
                    )
                    code.delete()
            return "Undid applying codes."
        case "restore":
            data = record["segment"]
            codes = _codes_left(project, data["codings"])
            if (
                Segment.objects.filter(pk=data["id"]).exists()
                or segments.filter(
                    start=data["start"], end=data["end"], created_by_id=data["created_by"]
                ).exists()
            ):
                raise Refused("That passage has been coded again since; nothing to restore.")
            segment = Segment(
                pk=data["id"],
                project_id=transcript.case.project_id,
                number=data.get("number"),  # steps from before numbering get a new one
                transcript=transcript,
                start=data["start"],
                end=data["end"],
                memo=data["memo"],
                created_by_id=data["created_by"],
            )
            segment.save(force_insert=True)
            _recode(segment, data["codings"], codes)
            return "Restored the deleted quotation."
        case "recode":
            codes = _codes_left(project, record["codings"])
            _recode(_still_there(segments, record["segment"]), record["codings"], codes)
            return "Restored the removed code."
        case "span":
            segment = _still_there(segments, record["segment"])
            segment.transcript = transcript
            segment.start, segment.end = record["start"], record["end"]
            segment.save(update_fields=["start", "end", "quote", "updated_at"])
            return "Restored the previous boundaries."
        case "valence":
            updated = Coding.objects.filter(pk=record["coding"], segment__in=segments).update(
                valence=record["valence"]
            )
            if not updated:
                raise Refused("That coding no longer exists.")
            return "Restored the previous valence."
        case "memo":
            if not segments.filter(pk=record["segment"]).update(memo=record["memo"]):
                raise Refused("That quotation no longer exists.")
            return "Restored the previous memo."
    raise Refused("Nothing to undo.")


def _still_there(segments, segment_id: int) -> Segment:
    """The quotation, locked until the transaction ends."""
    segment = segments.select_for_update(no_key=True).filter(pk=segment_id).first()
    if segment is None:
        raise Refused("That quotation no longer exists.")
    return segment


def _codes_left(project, codings: list) -> set[int]:
    """The codes of `codings` (undo rows) still in the codebook, locked until the transaction ends."""
    return lock_codes(project, [code_id for _, code_id, _, _ in codings])


def _recode(segment: Segment, codings: list, codes: set[int]) -> None:
    taken = set(Coding.objects.filter(pk__in=[pk for pk, _, _, _ in codings]).values_list("pk", flat=True))
    Coding.objects.bulk_create(
        [
            Coding(pk=pk, segment=segment, code_id=code_id, coder_id=coder_id, valence=valence)
            for pk, code_id, coder_id, valence in codings
            if code_id in codes and pk not in taken  # a code deleted meanwhile cannot come back
        ]
    )
