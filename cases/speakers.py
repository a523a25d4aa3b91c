"""A transcript's speaker labels: stored at import, read by every page and export, reviewed per transcript.

Labels annotate `Transcript.text` and never change it, so each edit here works the same before and after
coding: the text and every quotation stay where they are. The owner of the project and the coder who
uploaded the transcript may review its speakers (`may_review`).
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from cases.importing.extract import extract
from cases.importing.recognise import recognise
from cases.models import Membership, SpeakerLabel, Transcript
from cases.refusals import Refused
from cases.turns import Label

logger = logging.getLogger(__name__)
_NAME_LENGTH = SpeakerLabel._meta.get_field("speaker").max_length


@dataclass(frozen=True)
class Speaker:
    name: str
    count: int  # labels naming this speaker


def may_review(*, membership: Membership, transcript: Transcript) -> bool:
    """Whether the member may change the transcript's speakers: an owner, or the coder who uploaded it."""
    if membership.is_owner:
        return True
    return membership.can_code and transcript.created_by_id == membership.user_id


def labels_of(transcript: Transcript, *, within: tuple[int, int] | None = None) -> list[Label]:
    """The transcript's labels in text order, or with `within` (start, end) only those that overlap it: one
    query."""
    labels = SpeakerLabel.objects.filter(transcript_id=transcript.pk)
    if within is not None:
        labels = labels.filter(start__lt=within[1], end__gt=within[0])
    return labels_by_transcript(labels).get(transcript.pk, [])


def labels_for(transcript_ids: Iterable[int] | QuerySet) -> dict[int, list[Label]]:
    """Labels of each of the transcripts, in text order: one query for any number of transcripts.

    `transcript_ids` may be a queryset of transcript ids, which then runs inside the same query.
    """
    if not isinstance(transcript_ids, QuerySet):
        transcript_ids = list(transcript_ids)
    return labels_by_transcript(SpeakerLabel.objects.filter(transcript_id__in=transcript_ids))


def labels_by_transcript(labels: QuerySet[SpeakerLabel]) -> dict[int, list[Label]]:
    """`labels`, each transcript's in text order: one query."""
    result: dict[int, list[Label]] = defaultdict(list)
    rows = labels.order_by("transcript_id", "start").values_list(
        "transcript_id", "start", "end", "speaker", "trailing"
    )
    for transcript_id, start, end, speaker, trailing in rows:
        result[transcript_id].append(Label(start=start, end=end, speaker=speaker, trailing=trailing))
    return dict(result)


def labels_around(*, transcript: str, offset: str) -> tuple[Subquery, Subquery]:
    """The ids of the label at or before an offset and of the label after it (NULL where there is none), as
    expressions over the fields of another query that name the transcript and the offset: the two labels
    `cases.turns.speaker_at` needs, each found by one step down the labels' index. Fetched by id
    (`labels_by_id`) they cost a query for any number of quotations."""
    labels = SpeakerLabel.objects.filter(transcript_id=OuterRef(transcript))
    before = labels.filter(start__lte=OuterRef(offset)).order_by("-start").values("pk")[:1]
    after = labels.filter(start__gt=OuterRef(offset)).order_by("start").values("pk")[:1]
    return Subquery(before), Subquery(after)


def labels_by_id(ids: Iterable[int]) -> dict[int, Label]:
    """The labels with these ids: one query."""
    rows = SpeakerLabel.objects.filter(pk__in=list(ids)).values_list(
        "pk", "start", "end", "speaker", "trailing"
    )
    return {
        pk: Label(start=start, end=end, speaker=speaker, trailing=trailing)
        for pk, start, end, speaker, trailing in rows
    }


def speakers(labels: Iterable[Label]) -> list[Speaker]:
    """Each speaker named by `labels` with its number of labels, in order of first appearance."""
    counts = Counter(label.speaker for label in labels)
    return [Speaker(name=name, count=count) for name, count in counts.items()]


def store(*, transcript: Transcript, labels: Sequence[Label]) -> None:
    """Saves `labels` as the transcript's (a new transcript's, or after recognition was turned back on)."""
    SpeakerLabel.objects.bulk_create(_rows(transcript, labels))


def _rows(transcript: Transcript, labels: Iterable[Label]) -> list[SpeakerLabel]:
    return [
        SpeakerLabel(
            transcript=transcript,
            start=label.start,
            end=label.end,
            speaker=label.speaker[:_NAME_LENGTH],
            trailing=label.trailing,
        )
        for label in labels
    ]


def store_recognised(*, transcripts: Iterable[Transcript]) -> int:
    """Recognises and saves the labels of transcripts made from text (demo data, generated corpora)."""
    rows = [row for transcript in transcripts for row in _rows(transcript, recognise(transcript.text))]
    SpeakerLabel.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


@transaction.atomic
def turn_off(*, transcript: Transcript) -> int:
    """Removes every label of the transcript and keeps recognition off; returns how many were removed."""
    removed, _ = transcript.speaker_labels.all().delete()
    Transcript.objects.filter(pk=transcript.pk).update(speakers_recognised=False)
    transcript.speakers_recognised = False
    return removed


@transaction.atomic
def turn_on(*, transcript: Transcript) -> int:
    """Recognises the speakers of the (frozen) text again, replacing any labels; returns how many it found.

    The original file, when it still gives exactly this text, also supplies the labels its format declares
    (bold names, voice tags); otherwise only the text itself is read.
    """
    transcript.speaker_labels.all().delete()
    labels = recognise_again(transcript)
    store(transcript=transcript, labels=labels)
    Transcript.objects.filter(pk=transcript.pk).update(speakers_recognised=True)
    transcript.speakers_recognised = True
    return len(labels)


@transaction.atomic
def rename(*, transcript: Transcript, speaker: str, to: str) -> int:
    """Names every label of `speaker` `to` instead (merging it into `to` if that speaker exists)."""
    to = " ".join(to.split())
    if not to:
        raise Refused("Give the speaker a name.")
    if len(to) > _NAME_LENGTH:
        raise Refused(f"A speaker's name can be at most {_NAME_LENGTH} characters long.")
    changed = transcript.speaker_labels.filter(speaker=speaker).update(speaker=to)
    if not changed:
        raise Refused(f"This transcript has no speaker “{speaker}”.")
    return changed


@transaction.atomic
def unmark(*, transcript: Transcript, label_id: int | None = None, speaker: str | None = None) -> int:
    """Removes one label (`label_id`) or every label of `speaker`; the text stays as it is."""
    labels = transcript.speaker_labels.all()
    if label_id is not None:
        labels = labels.filter(pk=label_id)
    elif speaker is not None:
        labels = labels.filter(speaker=speaker)
    else:
        raise Refused("Choose a label or a speaker to unmark.")
    removed, _ = labels.delete()
    if not removed:
        raise Refused("That label is not in this transcript any more.")
    return removed


def recognise_again(transcript: Transcript) -> list[Label]:
    """The speaker labels of the transcript's stored text, found again as at its upload.

    The labels a format declares (a bold name in Word) are not in the text: they come from the original file,
    re-read, when it still gives exactly the stored text. Otherwise (no original, or a text imported by an
    older version) the text alone is read.
    """
    if transcript.original:
        try:
            with transcript.original.open("rb") as original:
                data = original.read()
            extracted = extract(filename=transcript.original_name or transcript.original.name, data=data)
        except (Refused, OSError):
            logger.info("Original of transcript %s not re-read for speakers", transcript.pk, exc_info=True)
        else:
            if extracted.text == transcript.text:
                return list(extracted.labels)
    return recognise(transcript.text)
