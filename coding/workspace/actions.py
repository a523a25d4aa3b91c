"""Writing quotations and codings, and undoing the last writes.

Every operation returns an undo record, a small JSON-able dict that `undo()` turns back into the old state.
The workspace keeps the last few in the database (`coding.workspace.undo`), so undo survives a reload and
other tabs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import IntegrityError, transaction

from cases.models import Membership, Transcript
from cases.refusals import Refused
from codebook import history
from codebook.models import Code, CodebookAction
from coding.models import Coding, Segment, Valence

Undo = dict
T = TypeVar("T")


@dataclass(frozen=True)
class Applied:
    segment: Segment
    created: list[Coding]
    undo: Undo


def trimmed_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without surrounding whitespace; refuses spans outside the text or made only of whitespace."""
    if not 0 <= start < end <= len(text):
        raise Refused(f"The selection [{start}, {end}) lies outside the transcript (0–{len(text)}).")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise Refused("The selection holds only white space: select some words.")
    return start, end


def can_edit_segment(segment: Segment, membership: Membership) -> bool:
    return membership.is_owner or segment.created_by_id == membership.user_id


def can_edit_coding(coding: Coding, membership: Membership) -> bool:
    return membership.is_owner or coding.coder_id == membership.user_id


def retry_once(operation: Callable[[], T]) -> T:
    """Runs `operation` in a transaction, and once more if it lost a race on a unique constraint.

    Two requests of one coder on one passage (a double click) both see no segment and both insert; the
    loser's transaction rolls back whole, and on the second run it finds the winner's rows.
    """
    try:
        with transaction.atomic():
            return operation()
    except IntegrityError:
        with transaction.atomic():
            return operation()


# Each write below joins the caller's transaction if there is one (the view's, which keeps the undo step).
# Nothing here recovers from an error part-way, so no savepoint: it would cost two round trips.
@transaction.atomic(savepoint=False)
def apply_codes(
    *, transcript: Transcript, start: int, end: int, codes: list[Code], coder, valence: str = Valence.NONE
) -> Applied:
    """Codes `text[start:end]` (trimmed) with each code; the coder's segment on that span is reused."""
    start, end = trimmed_span(transcript.text, start, end)
    # Not get_or_create: its savepoint costs two round trips on every apply. A concurrent request of the same
    # coder on the same span can still win the race; the unique constraint then fails this transaction whole
    # and the caller runs it again (`retry_once`), finding that segment.
    segment = Segment.objects.filter(transcript=transcript, start=start, end=end, created_by=coder).first()
    segment_created = segment is None
    if segment_created:
        segment = Segment(transcript=transcript, start=start, end=end, created_by=coder)
        segment.save()
    present = (
        set()
        if segment_created
        else set(segment.codings.filter(coder=coder).values_list("code_id", flat=True))
    )
    created = Coding.objects.bulk_create(
        [
            Coding(segment=segment, code_id=code.pk, coder=coder, valence=valence)
            for code in codes
            if code.pk not in present
        ]
    )
    undo = {
        "op": "unapply",
        "segment": segment.pk,
        "codings": [coding.pk for coding in created],
        "delete_segment": segment_created,
    }
    return Applied(segment=segment, created=created, undo=undo)


def _snapshot(segment: Segment) -> dict:
    """Everything needed to bring a quotation back with the same ids, so older undo records still apply."""
    return {
        "id": segment.pk,
        "transcript": segment.transcript_id,
        "start": segment.start,
        "end": segment.end,
        "memo": segment.memo,
        "created_by": segment.created_by_id,
        "codings": [
            [coding.pk, coding.code_id, coding.coder_id, coding.valence]
            for coding in segment.codings.order_by("pk")
        ],
    }


@transaction.atomic(savepoint=False)
def delete_segment(*, segment: Segment) -> Undo:
    undo = {"op": "restore", "segment": _snapshot(segment)}
    segment.delete()
    return undo


@transaction.atomic(savepoint=False)
def remove_coding(*, coding: Coding) -> Undo:
    """Removes one code from a passage; a passage left with no code and no memo goes too."""
    segment = coding.segment
    undo = {"op": "restore", "segment": _snapshot(segment)}
    coding_id = coding.pk
    coding.delete()
    if not segment.memo and not segment.codings.exists():
        segment.delete()
    else:
        undo = {
            "op": "recode",
            "segment": segment.pk,
            "codings": [[coding_id, coding.code_id, coding.coder_id, coding.valence]],
        }
    return undo


@transaction.atomic(savepoint=False)
def change_span(*, segment: Segment, start: int, end: int) -> Undo:
    start, end = trimmed_span(segment.transcript.text, start, end)
    clash = Segment.objects.filter(
        transcript=segment.transcript_id, start=start, end=end, created_by=segment.created_by_id
    ).exclude(pk=segment.pk)
    if clash.exists():
        raise Refused("You already have a quotation on exactly that passage: add the codes to it instead.")
    undo = {"op": "span", "segment": segment.pk, "start": segment.start, "end": segment.end}
    segment.start, segment.end = start, end
    segment.save()
    return undo


@transaction.atomic(savepoint=False)
def set_valence(*, coding: Coding, valence: str) -> Undo:
    undo = {"op": "valence", "coding": coding.pk, "valence": coding.valence}
    coding.valence = valence
    coding.save(update_fields=["valence", "updated_at"])
    return undo


@transaction.atomic(savepoint=False)
def set_memo(*, segment: Segment, memo: str) -> Undo:
    undo = {"op": "memo", "segment": segment.pk, "memo": segment.memo}
    segment.memo = memo
    segment.save(update_fields=["memo", "updated_at"])
    return undo


@transaction.atomic(savepoint=False)
def undo(*, record: Undo, transcript: Transcript, user) -> str:
    """Reverts one operation on `transcript`; returns what was undone, in words."""
    segments = Segment.objects.filter(transcript=transcript)
    match record["op"]:
        case "unapply":
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
            if (
                Segment.objects.filter(pk=data["id"]).exists()
                or segments.filter(
                    start=data["start"], end=data["end"], created_by_id=data["created_by"]
                ).exists()
            ):
                raise Refused("That passage has been coded again since; nothing to restore.")
            segment = Segment.objects.create(
                pk=data["id"],
                transcript=transcript,
                start=data["start"],
                end=data["end"],
                memo=data["memo"],
                created_by_id=data["created_by"],
            )
            _recode(segment, data["codings"], transcript)
            return "Restored the deleted quotation."
        case "recode":
            segment = segments.filter(pk=record["segment"]).first()
            if segment is None:
                raise Refused("That quotation no longer exists.")
            _recode(segment, record["codings"], transcript)
            return "Restored the removed code."
        case "span":
            segment = segments.filter(pk=record["segment"]).first()
            if segment is None:
                raise Refused("That quotation no longer exists.")
            segment.start, segment.end = record["start"], record["end"]
            segment.save()
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


def _recode(segment: Segment, codings: list, transcript: Transcript) -> None:
    wanted = [code_id for _, code_id, _, _ in codings]
    codes = set(
        Code.objects.filter(project=transcript.case.project_id, pk__in=wanted).values_list("pk", flat=True)
    )
    taken = set(Coding.objects.filter(pk__in=[pk for pk, _, _, _ in codings]).values_list("pk", flat=True))
    Coding.objects.bulk_create(
        [
            Coding(pk=pk, segment=segment, code_id=code_id, coder_id=coder_id, valence=valence)
            for pk, code_id, coder_id, valence in codings
            if code_id in codes and pk not in taken  # a code deleted meanwhile cannot come back
        ]
    )
