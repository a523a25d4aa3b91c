import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Lower

from cases.models import Case, Membership, Project, Transcript
from codebook.models import Code, CodeRelation


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


def hidden_by_blind_coding(membership: Membership | None) -> bool:
    """Whether `membership` sees only its own codings: the one question every `visible_to` asks. Without a
    membership (a command, the benchmark) nothing is hidden."""
    return membership is not None and membership.sees_only_own_codings


class SegmentQuerySet(models.QuerySet):
    def visible_to(self, membership: Membership | None) -> "SegmentQuerySet":
        """The quotations `membership` may see: all of them, or while the project codes blind only those they
        made or coded (the workspace makes a quotation per coder and span, so these are their own; an import
        may have put their coding on another's)."""
        if hidden_by_blind_coding(membership):
            theirs = Coding.objects.filter(segment_id=OuterRef("pk"), coder_id=membership.user_id)
            return self.filter(Q(created_by_id=membership.user_id) | Exists(theirs))
        return self

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


class _AmongIds(models.Expression):
    """`column IN (ids)`, `ids` a subquery; on PostgreSQL `column = ANY(ARRAY(ids))`, which the planner runs
    first and then looks each id up in the column's index, where for `IN` it may hash-join the whole table."""

    output_field = models.BooleanField()

    def __init__(self, column: str, ids: models.QuerySet):
        super().__init__()
        self.column, self.ids = F(column), Subquery(ids)

    def get_source_expressions(self):
        return [self.column, self.ids]

    def set_source_expressions(self, expressions):
        self.column, self.ids = expressions

    def as_sql(self, compiler, connection, template="%s IN %s"):
        column, column_params = compiler.compile(self.column)
        ids, ids_params = compiler.compile(self.ids)  # parenthesised
        return template % (column, ids), (*column_params, *ids_params)

    def as_postgresql(self, compiler, connection):
        return self.as_sql(compiler, connection, template="%s = ANY(ARRAY%s)")


class CodingQuerySet(models.QuerySet):
    def visible_to(self, membership: Membership | None) -> "CodingQuerySet":
        """The codings `membership` may see: all of them, or only their own while the project codes blind."""
        if hidden_by_blind_coding(membership):
            return self.filter(coder_id=membership.user_id)
        return self

    def on_segments(self, segments: models.QuerySet) -> "CodingQuerySet":
        """The codings of `segments` (a queryset of quotations, such as a transcript's), found by the
        quotations' ids: they cost what those quotations' codings cost, however many the project has, where
        joining codings to quotations read every coding of the project."""
        return self.filter(_AmongIds("segment_id", segments.order_by().values("pk")))

    def in_transcript(self, transcript: Transcript | int) -> "CodingQuerySet":
        return self.on_segments(Segment.objects.filter(transcript=transcript))


class Coding(models.Model):
    """One code applied to one segment by one coder."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="codings")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="codings")
    valence = models.CharField(max_length=10, choices=Valence.choices, default=Valence.NONE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CodingQuerySet.as_manager()

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


class CodeMapping(models.Model):
    """The crosswalk: a study's code counted as one of the project's own codes (many study codes to one).

    `valence` is what the study code implies (a study's "lack of trust" is a − of the framework's trust);
    empty keeps each coding's own valence.
    """

    code = models.OneToOneField(Code, on_delete=models.CASCADE, related_name="mapping")
    target = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="mapped_from")
    valence = models.CharField(max_length=10, choices=Valence.choices, blank=True)
    mapped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mapped_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(code=F("target")), name="mapping_not_to_itself"),
            models.CheckConstraint(
                condition=Q(valence="") | Q(valence__in=Valence.values), name="mapping_valence_valid"
            ),
        ]
        indexes = [models.Index(fields=["target"], name="mapping_target_idx")]

    def __str__(self) -> str:
        return f"{self.code_id} → {self.target_id}"


MEMO_TARGETS = ("case", "transcript", "code", "relation", "segment")  # none of them: a memo on the project


class MemoTarget:
    """What a memo is about: the name of its target field, or the project when none is set. No column holds
    it (the target fields and their check constraint do), so it is no stored choice; the labels are what the
    memo list's filter and its rows say."""

    PROJECT = "project"
    CASE = "case"
    TRANSCRIPT = "transcript"
    CODE = "code"
    RELATION = "relation"
    SEGMENT = "segment"
    LABELS = {
        PROJECT: "Project",
        CASE: "Case",
        TRANSCRIPT: "Transcript",
        CODE: "Code",
        RELATION: "Relation",
        SEGMENT: "Quotation",
    }
    choices = list(LABELS.items())


def _one_target_at_most() -> Q:
    unset = {f"{name}__isnull": True for name in MEMO_TARGETS}
    condition = Q(**unset)
    for name in MEMO_TARGETS:
        condition |= Q(**{**unset, f"{name}__isnull": False})
    return condition


class MemoQuerySet(models.QuerySet):
    def about(self, kind: str) -> "MemoQuerySet":
        """Memos whose target is of `kind` (a `MemoTarget` value)."""
        if kind == MemoTarget.PROJECT:
            return self.filter(**{f"{name}__isnull": True for name in MEMO_TARGETS})
        return self.filter(**{f"{kind}__isnull": False})

    def with_targets(self) -> "MemoQuerySet":
        """Joined with what the memo list and pages name: author, target and the target's own names."""
        return self.select_related(
            "author__profile",
            "case",
            "transcript__case",
            "code",
            "relation__source",
            "relation__target",
            "segment__transcript",
        )


class Memo(models.Model):
    """Free text by a user about the project or about exactly one of its objects (a case, a transcript, a
    code, a relation between codes or a quotation), linked to the quotations and codes it discusses.

    `guid` is the memo's identity outside Crosscase, as REFI-QDA notes carry one.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memos")
    guid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="memos"
    )
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    transcript = models.ForeignKey(
        Transcript, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.CASCADE, related_name="memos")
    relation = models.ForeignKey(
        CodeRelation, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.CASCADE, related_name="memos"
    )
    quotations = models.ManyToManyField(Segment, blank=True, related_name="linked_memos")
    codes = models.ManyToManyField(Code, blank=True, related_name="linked_memos")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MemoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=_one_target_at_most(), name="memo_at_most_one_target"),
            models.CheckConstraint(condition=~Q(text=""), name="memo_text_not_empty"),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="memo_project_recent_idx")]

    def __str__(self) -> str:
        return self.title or self.text[:60]

    @property
    def target_kind(self) -> str:
        """The `MemoTarget` value of what the memo is about."""
        for name in MEMO_TARGETS:
            if getattr(self, f"{name}_id") is not None:
                return name
        return MemoTarget.PROJECT

    @property
    def target(self):
        """The object the memo is about, or the project."""
        kind = self.target_kind
        return self.project if kind == MemoTarget.PROJECT else getattr(self, kind)

    def set_target(self, target) -> None:
        """Points the memo at `target` (an object of one of `MEMO_TARGETS`' models, or the project)."""
        for name in MEMO_TARGETS:
            setattr(self, name, None)
        kind = MEMO_TARGET_MODELS.get(type(target))
        if kind is not None:
            setattr(self, kind, target)


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


class Decision(models.TextChoices):
    A = "a", "accept the first coder's"
    B = "b", "accept the second coder's"
    BOTH = "both", "accept both"
    NEITHER = "neither", "accept neither"


class Adjudication(models.Model):
    """An owner's decision on one difference between two coders' codings of one code in one transcript, and
    what it wrote into the consensus layer (`accounts.people.consensus_coder`).

    A difference is named by its code and its extent `[start, end)` (code points): the stretch of text that
    the two coders' overlapping codings of the code cover together. The coders are stored in id order, and
    `decision` is relative to that order. Every decision is kept; the newest of a difference is `current`,
    and deciding again replaces what the current one wrote. `spans` lists the consensus codings it wrote,
    `[start, end, valence]` each.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjudications")
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="adjudications")
    code = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="adjudications")
    coder_a = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    coder_b = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, help_text="The difference as it was classified when decided.")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    spans = models.JSONField(default=list)
    memo = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["transcript_id", "start", "end", "-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(start__lt=F("end")), name="adjudication_span_valid"
            ),
            models.CheckConstraint(condition=Q(coder_a__lt=F("coder_b")), name="adjudication_coders_ordered"),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="adjudication_decision_valid"
            ),
            # One standing decision per difference: two owners deciding at once cannot both write.
            models.UniqueConstraint(
                fields=["transcript", "code", "coder_a", "coder_b", "start", "end"],
                condition=Q(current=True),
                name="adjudication_one_current",
            ),
        ]
        indexes = [models.Index(fields=["transcript", "code"], name="adjudication_transcript_idx")]

    def __str__(self) -> str:
        return f"{self.code_id} [{self.start}:{self.end}] {self.decision}"


class SavedQuery(models.Model):
    """A retrieval kept under a name: the retrieval form's fields as it submitted them, codes, cases,
    attributes and coder by id, so renaming or moving a code in the tree changes nothing it finds.

    `labels` keeps the path of each code and the name of each case it names at saving time, so that once one
    of them is deleted the page can say which (the query then refuses to run until it is saved again). A code
    merged into another is replaced by that code in the same transaction as the merge
    (`coding.analysis.saved_queries.follow_merge`): its codings are that code's now.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="saved_queries")
    name = models.CharField(max_length=200)
    fields = models.JSONField(default=dict, help_text="Retrieval form field → list of submitted values.")
    labels = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint("project", Lower("name"), name="saved_query_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="saved_query_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Extent(models.TextChoices):
    HIT = "hit", "The hit itself"
    SENTENCE = "sentence", "The sentence around it"
    PARAGRAPH = "paragraph", "The paragraph around it"


class CodingBatch(models.Model):
    """One "code all hits" write: a code applied to many search hits across transcripts, undone as one.

    `record` lists what the batch created (quotations and codings), which is all an undo removes: codings
    that were there before stay, and a quotation the batch made stays if someone coded or annotated it since.
    The batches of a project are its coding history for these writes (who, when, what, and who undid it).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="coding_batches")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="coding_batches"
    )
    code = models.ForeignKey(Code, null=True, on_delete=models.SET_NULL, related_name="+")
    code_name = models.CharField(max_length=500, help_text="The code's path when the batch was written.")
    valence = models.CharField(max_length=10, choices=Valence.choices, default=Valence.NONE)
    search = models.CharField(max_length=200)
    extent = models.CharField(max_length=10, choices=Extent.choices, default=Extent.HIT)
    hits = models.PositiveIntegerField(help_text="Hits chosen.")
    quotations_created = models.PositiveIntegerField(default=0)
    codings_created = models.PositiveIntegerField(default=0)
    transcripts = models.PositiveIntegerField(default=0)
    record = models.JSONField(default=dict, help_text="Ids of the quotations and codings it created.")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(valence__in=Valence.values), name="batch_valence_valid"),
            models.CheckConstraint(condition=Q(extent__in=Extent.values), name="batch_extent_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.code_name} on “{self.search}” ({self.codings_created})"


MEMO_TARGET_MODELS = {
    Case: MemoTarget.CASE,
    Transcript: MemoTarget.TRANSCRIPT,
    Code: MemoTarget.CODE,
    CodeRelation: MemoTarget.RELATION,
    Segment: MemoTarget.SEGMENT,
}
