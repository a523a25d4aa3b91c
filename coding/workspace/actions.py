"""The workspace's actions: apply codes, change a quotation's span or memo, delete it, set a valence, remove a
code. Each is one call that writes the change and its undo step (`coding.workspace.undo`) in one transaction,
so a step exists exactly when its change does; the views parse, call and render.

Who may edit what is the views' question (`can_edit_segment`, `can_edit_coding`): a refusal there is a 403,
while `Refused` here is a sentence about the request itself, and `Conflict` one about a race it lost.

Concurrent requests: applying a code locks the code's row (`codebook.changes.lock_codes`), as merging,
splitting or deleting it does, and every write on a quotation locks the quotation's row first (`_hold`, or the
apply's own lookup). Writes on one code or one quotation therefore happen one after another; the one that
comes second sees what the first left, and if that is nothing, it is refused (`Conflict`) instead of saving a
coding that the other request then deletes, or failing on the foreign key at commit. Locks are taken in one
order, codebook, codes (by id), quotation, quotation number, codings, so that two requests cannot deadlock.
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Membership, Project, Transcript
from cases.refusals import Conflict, Refused
from codebook.changes import create_code, gone, lock_codes, name_clash
from codebook.models import Code, Framework, Level
from coding.models import Coding, Segment, Valence
from coding.workspace import undo

T = TypeVar("T")

logger = logging.getLogger(__name__)

QUOTATION_GONE = "This quotation was deleted a moment ago: reload to see the transcript as it is now."
MUTABLE = ("start", "end", "quote", "memo")  # what another request can change on a quotation
CODING_GONE = (
    "This code was removed from the quotation a moment ago: reload to see the transcript as it is now."
)


@dataclass(frozen=True)
class InVivo:
    """A code named while coding: the sibling of that name under `parent` if there is one, else a new one."""

    name: str
    parent: Code | None = None


@dataclass(frozen=True)
class Applied:
    segment: Segment
    segment_created: bool
    codes: list[Code]  # every code asked for, the in-vivo one included
    created: list[Coding]  # the codings that were not there yet
    in_vivo: Code | None = None


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
    loser's transaction rolls back whole, and on the second run it finds the winner's rows. Losing twice is a
    race too (the winner's quotation deleted in between, and another insert winning again): `Conflict`, with
    the database's words in the log.
    """
    try:
        with transaction.atomic():
            return operation()
    except IntegrityError:
        try:
            with transaction.atomic():
                return operation()
        except IntegrityError as error:
            logger.warning("A write lost its race twice: %s", error)
            raise Conflict(
                "Another request changed this passage at the same moment: reload and try again."
            ) from error


def retried_once(function: Callable[..., T]) -> Callable[..., T]:
    """Makes `function` run as `retry_once` runs an operation."""

    @functools.wraps(function)
    def run(**kwargs) -> T:
        return retry_once(lambda: function(**kwargs))

    return run


@retried_once
def apply_codes(
    *,
    transcript: Transcript,
    start: int,
    end: int,
    codes: list[Code],
    coder,
    valence: str = Valence.NONE,
    in_vivo: InVivo | None = None,
) -> Applied:
    """Codes `text[start:end]` (trimmed) with each code, and with the in-vivo code if one is named.

    The coder's quotation on that span is reused. One transaction with the undo step, run once more if it
    lost a race (`retry_once`); the in-vivo code is made inside it, so a refused apply leaves no code behind.
    """
    start, end = trimmed_span(transcript.text, start, end)
    new_code, made = _in_vivo_code(transcript, in_vivo, coder) if in_vivo else (None, False)
    if new_code is not None and new_code not in codes:
        codes = [*codes, new_code]
    _hold_codes(transcript.case.project, codes)
    # Locked, so that a deletion of this quotation waits for the apply or the apply for it (and then makes a
    # new one). Not get_or_create: its savepoint costs two round trips on every apply. A concurrent request of
    # the same coder on the same span can still win the race; the unique constraint then fails this
    # transaction whole and `retry_once` runs it again, finding that segment.
    segment = (
        Segment.objects.select_for_update(no_key=True)
        .filter(transcript=transcript, start=start, end=end, created_by=coder)
        .first()
    )
    segment_created = segment is None
    if segment_created:
        segment = Segment(transcript=transcript, start=start, end=end, created_by=coder)
        segment.save()
    else:
        segment.created_by = coder  # the lookup matched on them: the panel names them without reading them
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
    record = {
        "op": "unapply",
        "segment": segment.pk,
        "codings": [coding.pk for coding in created],
        "delete_segment": segment_created,
    }
    if made:
        record["new_code"] = new_code.pk  # undoing its first use removes it again, unless used since
    undo.push(user=coder, segment=segment, record=record)
    return Applied(
        segment=segment, segment_created=segment_created, codes=codes, created=created, in_vivo=new_code
    )


def _hold_codes(project: Project, codes: list[Code]) -> None:
    """Locks the codes about to be applied; `Conflict` if one was merged or deleted since the form read it."""
    present = lock_codes(project, [code.pk for code in codes])
    for code in codes:
        if code.pk not in present:
            raise Conflict(f"{gone(project=project, code=code)}: reload to see the codebook as it is now.")


def _hold(segment: Segment) -> None:
    """Locks the quotation's row until the transaction ends and brings `segment` up to date with it (what
    another tab changed meanwhile); `Conflict` if it is gone.

    A statement of its own, before any read the write depends on: in PostgreSQL a statement that waited for a
    lock still reads what was committed when it began.
    """
    now = Segment.objects.select_for_update(no_key=True).filter(pk=segment.pk).values(*MUTABLE).first()
    if now is None:
        raise Conflict(QUOTATION_GONE)
    for name, value in now.items():
        setattr(segment, name, value)


def _in_vivo_code(transcript: Transcript, in_vivo: InVivo, user) -> tuple[Code, bool]:
    """The code to apply for `in_vivo`, and whether it was made now (last among its siblings, and in the
    codebook history)."""
    project = transcript.case.project
    existing = name_clash(project=project, parent=in_vivo.parent, name=in_vivo.name)
    if existing is not None:
        if not existing.is_codable:
            raise Refused(f"“{existing.name}” is a category and cannot be applied.")
        return existing, False
    parent = in_vivo.parent
    code = Code(
        project=project,
        parent=parent,
        name=in_vivo.name,
        level=Level.OPEN,
        framework=Framework.EMERGENT,
        colour=parent.colour if parent else "#fdd0a2",
    )
    code = create_code(code=code, user=user)
    code.here = 0  # its count in the transcript before this apply, as the form gives the chosen codes
    return code, True


@transaction.atomic
def change_span(*, segment: Segment, start: int, end: int, user) -> None:
    """Moves the quotation's boundaries (trimmed); its quote is taken again. Only those are written: a memo
    saved meanwhile in another tab stays."""
    start, end = trimmed_span(segment.transcript.text, start, end)
    _hold(segment)
    clash = Segment.objects.filter(
        transcript=segment.transcript_id, start=start, end=end, created_by=segment.created_by_id
    ).exclude(pk=segment.pk)
    if clash.exists():
        raise Refused("You already have a quotation on exactly that passage: add the codes to it instead.")
    old = (segment.start, segment.end)
    segment.start, segment.end = start, end
    segment.save(update_fields=["start", "end", "quote", "updated_at"])
    undo.push(
        user=user,
        segment=segment,
        record={"op": "span", "segment": segment.pk, "start": old[0], "end": old[1]},
        span=(min(old[0], start), max(old[1], end)),
    )


@transaction.atomic
def set_memo(*, segment: Segment, memo: str, user) -> None:
    """One UPDATE, which locks the row itself: a quotation deleted meanwhile is not updated, and refused."""
    record = {"op": "memo", "segment": segment.pk, "memo": segment.memo}
    if not Segment.objects.filter(pk=segment.pk).update(memo=memo, updated_at=timezone.now()):
        raise Conflict(QUOTATION_GONE)
    segment.memo = memo
    undo.push(user=user, segment=segment, record=record)


@transaction.atomic
def delete_segment(*, segment: Segment, user) -> set[int]:
    """Deletes the quotation and its codings; returns the codes it carried.

    Locked first, so the undo step holds every coding the quotation has when it goes, one added a moment
    before included."""
    _hold(segment)
    data = undo.snapshot(segment)
    segment.delete()
    undo.push(user=user, segment=segment, record={"op": "restore", "segment": data})
    return {code_id for _, code_id, _, _ in data["codings"]}


@transaction.atomic
def set_valence(*, coding: Coding, valence: str, user) -> None:
    """One UPDATE, as `set_memo`: a coding removed meanwhile is refused."""
    record = {"op": "valence", "coding": coding.pk, "valence": coding.valence}
    if not Coding.objects.filter(pk=coding.pk).update(valence=valence, updated_at=timezone.now()):
        raise Conflict(CODING_GONE)
    coding.valence = valence
    segment = coding.segment
    undo.push(user=user, segment=segment, record=record)


@transaction.atomic
def remove_coding(*, coding: Coding, user) -> Segment | None:
    """Removes one code from a passage; a passage left with no code and no memo goes too.

    Returns the quotation, or None when it went. The quotation is locked first, so a code added to it a
    moment before keeps it (and is not deleted with it), and one added after finds it gone.
    """
    segment = coding.segment
    _hold(segment)
    on_it = set(segment.codings.values_list("pk", flat=True))
    if coding.pk not in on_it:
        raise Conflict(CODING_GONE)
    if segment.memo or on_it - {coding.pk}:
        record = {"op": "recode", "segment": segment.pk, "codings": [undo.coding_row(coding)]}
        coding.delete()
        kept = segment
    else:
        record = {"op": "restore", "segment": undo.snapshot(segment)}
        segment.delete()
        kept = None
    undo.push(user=user, segment=segment, record=record)
    return kept
