import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import F, Q

from cases.models import Case, Project, Transcript
from codebook.models import Code


def quotation_id(number: int) -> str:
    """How people cite a quotation: its number in the project (Q1, Q2, …), never the database id."""
    return f"Q{number}"


class QuotationSequence(models.Model):
    """The highest quotation number a project has handed out; a row per project that has quotations.

    A counter rather than one more than the highest number in use, so that the number of a deleted quotation
    is never given to another (an old export or a paper may cite it).
    """

    project = models.OneToOneField(Project, primary_key=True, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.project_id}: {quotation_id(self.last_number)}"

    @classmethod
    def take(cls, *, project_id, count: int = 1, using: str = "default") -> range:
        """Hands out the next `count` numbers of the project.

        One statement that creates or raises the counter and returns it. The row it writes stays locked until
        the caller's transaction ends, so two coders applying at the same instant in one project wait for each
        other here, for the rest of a short transaction, and never get the same number.
        """
        # The ORM's upsert can only overwrite the counter, not add to it; both databases take this SQL.
        connection = connections[using]
        table, key, last = map(connection.ops.quote_name, (cls._meta.db_table, "project_id", "last_number"))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({key}, {last}) VALUES (%s, %s) ON CONFLICT ({key}) "
                f"DO UPDATE SET {last} = {table}.{last} + excluded.{last} RETURNING {last}",
                [cls._meta.pk.get_db_prep_value(project_id, connection), count],
            )
            highest = cursor.fetchone()[0]
        return range(highest - count + 1, highest + 1)


class SegmentQuerySet(models.QuerySet):
    def bulk_create(self, objs: Iterable["Segment"], *args, **kwargs) -> list["Segment"]:
        """Numbers the new quotations first, as `Segment.save` does, so that every way of making one numbers
        it; a project's share of the batch takes its numbers in one statement, in the batch's order."""
        objs = list(objs)
        unnumbered: dict = defaultdict(list)
        for segment in objs:
            segment.project_id = segment.project_id or segment.transcript.case.project_id
            if segment.number is None:
                unnumbered[segment.project_id].append(segment)
        with transaction.atomic(using=self.db, savepoint=False):
            for project_id, segments in unnumbered.items():
                numbers = QuotationSequence.take(project_id=project_id, count=len(segments), using=self.db)
                for segment, number in zip(segments, numbers, strict=True):
                    segment.number = number
            return super().bulk_create(objs, *args, **kwargs)


class Segment(models.Model):
    """A quotation: `text[start:end]` of one transcript, in code points, end exclusive.

    `number` is the quotation's place in its project (Q1, Q2, …), handed out by `QuotationSequence` when it is
    first saved and never reused. `project` repeats the transcript's project (a transcript never changes
    project) so that the database can hold the numbers unique per project.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="segments", editable=False)
    number = models.PositiveIntegerField(editable=False)
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField(help_text="Snapshot of the quoted text.")
    memo = models.TextField(blank=True)
    # The quotation's name in REFI-QDA exchange (a selection's GUID), kept so that re-imports recognise it.
    guid = models.UUIDField("GUID", default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="segments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SegmentQuerySet.as_manager()

    class Meta:
        ordering = ["transcript_id", "start", "end"]  # the column: no join to order
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="segment_span_valid"
            ),
            # One quotation per coder and span: applying more codes to the same passage adds to it.
            models.UniqueConstraint(
                fields=["transcript", "start", "end", "created_by"], name="segment_unique_span"
            ),
            models.UniqueConstraint(fields=["project", "number"], name="segment_unique_number"),
            models.UniqueConstraint(fields=["project", "guid"], name="segment_unique_guid"),
        ]
        indexes = [models.Index(fields=["transcript", "start", "end"], name="segment_position_idx")]

    def __str__(self) -> str:
        return f"{self.citable_id} [{self.start}:{self.end}]"

    def clean(self) -> None:
        text = self.transcript.text
        if not 0 <= self.start < self.end <= len(text):
            raise ValidationError(
                f"A quotation must lie inside the transcript (0 ≤ start < end ≤ {len(text)}), "
                f"got [{self.start}, {self.end})."
            )

    def save(self, *args, **kwargs) -> None:
        # end <= len(text) spans two tables, so it is checked on every write here and the quote re-taken.
        self.clean()
        self.quote = self.transcript.text[self.start : self.end]
        self.project_id = self.project_id or self.transcript.case.project_id
        if self.number is not None:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(Segment, instance=self)
        with transaction.atomic(using=using, savepoint=False):  # a number is handed out with its row
            self.number = QuotationSequence.take(project_id=self.project_id, using=using)[0]
            return super().save(*args, **kwargs)

    @property
    def citable_id(self) -> str:
        return quotation_id(self.number)


class Valence(models.TextChoices):
    POSITIVE = "positive", "+ pulls together"
    NEGATIVE = "negative", "− pushes apart"
    NONE = "none", "none"


class Coding(models.Model):
    """One code applied to one segment by one coder."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="codings")
    valence = models.CharField(max_length=10, choices=Valence.choices, default=Valence.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "code", "coder"], name="coding_unique_per_coder"),
            models.CheckConstraint(condition=Q(valence__in=Valence.values), name="coding_valence_valid"),
        ]
        indexes = [
            models.Index(fields=["code", "segment"], name="coding_code_segment_idx"),
            models.Index(fields=["coder", "code"], name="coding_coder_code_idx"),
            # The workspace lists each coder's recently used codes.
            models.Index(fields=["coder", "-created_at"], name="coding_coder_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.segment} by {self.coder}"

    @property
    def sign(self) -> str:
        return {Valence.POSITIVE: "+", Valence.NEGATIVE: "−"}.get(self.valence, "")


class Memo(models.Model):
    """Free text by a user, attached to the project or to exactly one of its objects."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memos")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="memos"
    )
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    guid = models.UUIDField("GUID", default=uuid.uuid4, editable=False, help_text="Its REFI-QDA note's GUID.")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    transcript = models.ForeignKey(
        Transcript, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(case__isnull=True, transcript__isnull=True, code__isnull=True, segment__isnull=True)
                    | Q(case__isnull=False, transcript__isnull=True, code__isnull=True, segment__isnull=True)
                    | Q(case__isnull=True, transcript__isnull=False, code__isnull=True, segment__isnull=True)
                    | Q(case__isnull=True, transcript__isnull=True, code__isnull=False, segment__isnull=True)
                    | Q(case__isnull=True, transcript__isnull=True, code__isnull=True, segment__isnull=False)
                ),
                name="memo_at_most_one_target",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="memo_text_not_empty"),
            models.UniqueConstraint(fields=["project", "guid"], name="memo_unique_guid"),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:60]


class UndoStep(models.Model):
    """One write a coder can take back in the workspace, newest first.

    Written in the same transaction as the change it reverts, so a step exists exactly when its change does,
    whichever tabs or requests of the coder run at once.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="+")
    record = models.JSONField(help_text="What `coding.workspace.undo.revert` needs to revert the change.")
    start = models.PositiveIntegerField(help_text="The passage to redraw once undone.")
    end = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "transcript", "-id"], name="undo_newest_idx")]

    def __str__(self) -> str:
        return f"{self.record.get('op')} on {self.transcript_id} by {self.user_id}"
