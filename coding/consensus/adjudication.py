"""Adjudication: an owner resolves a difference between two coders by accepting A's codings, B's, both or
neither into the consensus layer, the coder identity `accounts.people.consensus_coder` that analysis can be
run on. Each decision is an `Adjudication` row, kept; deciding a difference again replaces what the standing
decision wrote and records the new one beside it.

The consensus layer's codings are ordinary quotations and codings (numbered Q1, Q2, … like any) whose coder
and creator is the consensus identity; who decided is in the history, not in the coding. Writing one makes no
undo step: the workspace's undo is a coder's own, and a decision is taken back by deciding again.

Concurrent decisions: the code's row is locked first (`codebook.changes.lock_codes`, as applying the code
does), so two decisions on one code of a transcript run one after the other, and the second recomputes the
difference from what the first left. The database holds one current decision per difference.
"""

from django.db import transaction

from cases.models import Project, Transcript
from cases.refusals import Conflict, Refused
from codebook.changes import gone, lock_codes
from codebook.models import Code
from coding.consensus.differences import Difference, codings_of, compare
from coding.models import Adjudication, Coding, Decision, Segment

STALE = (
    "These codings changed since the page was drawn, so this difference is not there any more: reload to see "
    "the differences as they are now."
)
SWAPPED = {Decision.A: Decision.B, Decision.B: Decision.A}

Span = tuple[int, int, str]  # start, end, valence


def differences_of(*, transcript: Transcript, code: Code, coder_a, coder_b) -> list[Difference]:
    """The two coders' differences on `code` in the transcript, as their codings are now."""
    codings = codings_of(transcript_id=transcript.pk, coder_ids=[coder_a.pk, coder_b.pk], code_id=code.pk)
    return compare(codings[coder_a.pk], codings[coder_b.pk]).differences


def chosen_spans(difference: Difference, decision: str) -> list[Span]:
    """The consensus codings a decision asks for: each accepted coding's span and valence."""
    accepted = {
        Decision.A: difference.a,
        Decision.B: difference.b,
        Decision.BOTH: [*difference.a, *difference.b],
        Decision.NEITHER: [],
    }[decision]
    spans: dict[tuple[int, int], str] = {}
    for coded in accepted:
        if spans.get(coded.span, coded.valence) != coded.valence:
            raise Refused(
                "Both coders coded the same passage with a different valence, and the consensus layer can "
                "hold only one: accept one coder's instead."
            )
        spans[coded.span] = coded.valence
    return sorted((start, end, valence) for (start, end), valence in spans.items())


@transaction.atomic
def decide(
    *,
    project: Project,
    transcript: Transcript,
    code: Code,
    coder_a,
    coder_b,
    start: int,
    end: int,
    decision: str,
    memo: str = "",
    user,
    consensus,
) -> Adjudication:
    """Records the decision on the difference and writes the consensus codings it accepts.

    `Conflict` if the code or the difference is gone (someone changed the codings since the page was drawn);
    `Refused` for "both" where the two coders gave one passage different valences.
    """
    if decision not in Decision.values:
        raise Refused(f"“{decision}” is not a decision: accept A's, B's, both or neither.")
    if coder_a.pk == coder_b.pk:
        raise Refused("Choose two different coders.")
    if coder_a.pk > coder_b.pk:  # stored in id order, whichever way round the page showed them
        coder_a, coder_b = coder_b, coder_a
        decision = SWAPPED.get(decision, decision)
    if code.pk not in lock_codes(project, [code.pk]):
        raise Conflict(f"{gone(project=project, code=code)}: reload to see the codebook as it is now.")
    differences = differences_of(transcript=transcript, code=code, coder_a=coder_a, coder_b=coder_b)
    difference = next((d for d in differences if d.key == (code.pk, start, end)), None)
    if difference is None:
        raise Conflict(STALE)
    spans = chosen_spans(difference, decision)
    key = {"transcript": transcript, "code": code, "coder_a": coder_a, "coder_b": coder_b}
    # What this decision replaces: the standing one on this difference, and standing ones on the same stretch
    # whose difference is gone (the coders changed their codings since), so that none is left beside it.
    open_keys = {d.key for d in differences}
    replaced = [
        standing
        for standing in Adjudication.objects.select_for_update().filter(
            **key, start__lt=end, end__gt=start, current=True
        )
        if (standing.start, standing.end) == (start, end)
        or (code.pk, standing.start, standing.end) not in open_keys
    ]
    if replaced:
        Adjudication.objects.filter(pk__in=[standing.pk for standing in replaced]).update(current=False)
        claimed = _claimed(transcript=transcript, code=code)
        wanted = {(s, e) for s, e, _ in spans}
        _remove(
            transcript=transcript,
            code=code,
            consensus=consensus,
            spans=sorted(
                {
                    (s, e)
                    for standing in replaced
                    for s, e, _ in standing.spans
                    if (s, e) not in wanted and (s, e) not in claimed
                }
            ),
        )
    for span_start, span_end, valence in spans:
        _write(
            transcript=transcript,
            code=code,
            consensus=consensus,
            span=(span_start, span_end),
            valence=valence,
        )
    return Adjudication.objects.create(
        project=project,
        **key,
        start=start,
        end=end,
        kind=difference.kind,
        decision=decision,
        spans=[list(span) for span in spans],
        memo=memo,
        decided_by=user,
    )


def _claimed(*, transcript: Transcript, code: Code) -> set[tuple[int, int]]:
    """The consensus spans of `code` that other standing decisions (of other pairs of coders) wrote."""
    standing = Adjudication.objects.filter(transcript=transcript, code=code, current=True)
    return {(s, e) for spans in standing.values_list("spans", flat=True) for s, e, _ in spans}


def _write(*, transcript: Transcript, code: Code, consensus, span: tuple[int, int], valence: str) -> None:
    """The consensus coding of `code` on `span` with `valence`; its quotation is made (numbered) if the
    consensus layer has none on that span yet, and an existing coding takes the valence."""
    start, end = span
    segment = (
        Segment.objects.select_for_update(no_key=True)
        .filter(transcript=transcript, start=start, end=end, created_by=consensus)
        .first()
    )
    if segment is None:
        segment = Segment(transcript=transcript, start=start, end=end, created_by=consensus)
        segment.save()
    updated = Coding.objects.filter(segment=segment, code=code, coder=consensus).update(valence=valence)
    if not updated:
        Coding.objects.create(segment=segment, code=code, coder=consensus, valence=valence)


def _remove(*, transcript: Transcript, code: Code, consensus, spans: list[tuple[int, int]]) -> None:
    """Takes `code`'s consensus codings off `spans`; a consensus quotation left with no coding and no memo
    goes too."""
    for start, end in spans:
        segment = (
            Segment.objects.select_for_update(no_key=True)
            .filter(transcript=transcript, start=start, end=end, created_by=consensus)
            .first()
        )
        if segment is None:
            continue
        Coding.objects.filter(segment=segment, code=code, coder=consensus).delete()
        if not segment.memo and not segment.codings.exists():
            segment.delete()
