"""The workspace's actions: apply codes, change a quotation's span or memo, delete it, set a valence, remove a
code. Each is one call that writes the change and its undo step (`coding.workspace.undo`) in one transaction,
so a step exists exactly when its change does; the views parse, call and render.

Who may edit what is the views' question (`can_edit_segment`, `can_edit_coding`): a refusal there is a 403,
while `Refused` here is a sentence about the request itself.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db import IntegrityError, transaction

from cases.models import Membership, Transcript
from cases.refusals import Refused
from codebook.changes import create_code, name_clash
from codebook.models import Code, Framework, Level
from coding.models import Coding, Segment, Valence
from coding.workspace import undo

T = TypeVar("T")


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
    loser's transaction rolls back whole, and on the second run it finds the winner's rows.
    """
    try:
        with transaction.atomic():
            return operation()
    except IntegrityError:
        with transaction.atomic():
            return operation()


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
    # Not get_or_create: its savepoint costs two round trips on every apply. A concurrent request of the same
    # coder on the same span can still win the race; the unique constraint then fails this transaction whole
    # and `retry_once` runs it again, finding that segment.
    segment = Segment.objects.filter(transcript=transcript, start=start, end=end, created_by=coder).first()
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
    """Moves the quotation's boundaries (trimmed); its quote is taken again."""
    start, end = trimmed_span(segment.transcript.text, start, end)
    clash = Segment.objects.filter(
        transcript=segment.transcript_id, start=start, end=end, created_by=segment.created_by_id
    ).exclude(pk=segment.pk)
    if clash.exists():
        raise Refused("You already have a quotation on exactly that passage: add the codes to it instead.")
    old = (segment.start, segment.end)
    segment.start, segment.end = start, end
    segment.save()
    undo.push(
        user=user,
        segment=segment,
        record={"op": "span", "segment": segment.pk, "start": old[0], "end": old[1]},
        span=(min(old[0], start), max(old[1], end)),
    )


@transaction.atomic
def set_memo(*, segment: Segment, memo: str, user) -> None:
    record = {"op": "memo", "segment": segment.pk, "memo": segment.memo}
    segment.memo = memo
    segment.save(update_fields=["memo", "updated_at"])
    undo.push(user=user, segment=segment, record=record)


@transaction.atomic
def delete_segment(*, segment: Segment, user) -> set[int]:
    """Deletes the quotation and its codings; returns the codes it carried."""
    data = undo.snapshot(segment)
    segment.delete()
    undo.push(user=user, segment=segment, record={"op": "restore", "segment": data})
    return {code_id for _, code_id, _, _ in data["codings"]}


@transaction.atomic
def set_valence(*, coding: Coding, valence: str, user) -> None:
    record = {"op": "valence", "coding": coding.pk, "valence": coding.valence}
    coding.valence = valence
    coding.save(update_fields=["valence", "updated_at"])
    segment = coding.segment
    undo.push(user=user, segment=segment, record=record)


@transaction.atomic
def remove_coding(*, coding: Coding, user) -> Segment | None:
    """Removes one code from a passage; a passage left with no code and no memo goes too.

    Returns the quotation, or None when it went.
    """
    segment = coding.segment
    if segment.memo or segment.codings.exclude(pk=coding.pk).exists():
        record = {"op": "recode", "segment": segment.pk, "codings": [undo.coding_row(coding)]}
        coding.delete()
        kept = segment
    else:
        record = {"op": "restore", "segment": undo.snapshot(segment)}
        segment.delete()
        kept = None
    undo.push(user=user, segment=segment, record=record)
    return kept
