import uuid
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.urls import reverse

from cases.turns import paragraph_spans


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    CODER = "coder", "Coder"
    VIEWER = "viewer", "Viewer"


# What each role may do, in increasing order: a role includes everything below it.
ROLE_RANK = {Role.VIEWER: 0, Role.CODER: 1, Role.OWNER: 2}


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user) -> "ProjectQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)


class Project(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    require_two_factor = models.BooleanField(
        "Require two-factor authentication",
        default=False,
        help_text="Members must sign in with an authenticator app (TOTP) to open this project.",
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="projects")

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:project_detail", args=[self.pk])

    @property
    def transcripts(self) -> "TranscriptQuerySet":
        return Transcript.objects.filter(case__project=self)

    def owner_count(self) -> int:
        return self.memberships.filter(role=Role.OWNER).count()


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_unique_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} ({self.role})"

    def allows(self, role: str) -> bool:
        return ROLE_RANK[self.role] >= ROLE_RANK[role]

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def can_code(self) -> bool:
        return self.allows(Role.CODER)


class AttributeKind(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    BOOLEAN = "boolean", "Yes/no"


class AttributeTarget(models.TextChoices):
    CASE = "case", "Cases"
    TRANSCRIPT = "transcript", "Transcripts"


class Attribute(models.Model):
    """A typed variable recorded for every case or every transcript (REFI-QDA calls them variables)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attributes")
    applies_to = models.CharField(max_length=10, choices=AttributeTarget.choices)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=AttributeKind.choices, default=AttributeKind.TEXT)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["applies_to", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "applies_to", "name"], name="attribute_unique_name"),
            models.CheckConstraint(
                condition=Q(applies_to__in=AttributeTarget.values), name="attribute_target_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=AttributeKind.values), name="attribute_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value_field(self) -> str:
        return f"value_{self.kind}"

    def has_values(self) -> bool:
        return self.case_values.exists() or self.transcript_values.exists()


class AttributeValue(models.Model):
    """One typed value: exactly the column named after the attribute's kind is filled."""

    # NULL, not "", marks the unused columns: the check constraint counts the filled ones.
    value_text = models.CharField(max_length=500, null=True, blank=True)  # noqa: DJ001
    value_number = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    value_boolean = models.BooleanField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.attribute}: {self.display()}"

    @classmethod
    def one_value_constraint(cls, name: str) -> models.CheckConstraint:
        columns = ["value_text", "value_number", "value_date", "value_boolean"]
        only_one = Q()
        for column in columns:
            others = {f"{other}__isnull": True for other in columns if other != column}
            only_one |= Q(**{f"{column}__isnull": False}, **others)
        return models.CheckConstraint(condition=only_one, name=name)

    @property
    def value(self) -> str | Decimal | date | bool | None:
        return getattr(self, self.attribute.value_field)

    def set_value(self, value) -> None:
        for field in ("value_text", "value_number", "value_date", "value_boolean"):
            setattr(self, field, None)
        setattr(self, self.attribute.value_field, value)

    def display(self) -> str:
        value = self.value
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, Decimal):
            return f"{value.normalize():f}"
        return "" if value is None else str(value)


class CaseQuerySet(models.QuerySet):
    def with_transcript_counts(self) -> "CaseQuerySet":
        return self.annotate(transcript_count=Count("transcripts", distinct=True))


class Case(models.Model):
    """A case site, e.g. a city."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="cases")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="case_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("cases:case_detail", args=[self.project_id, self.pk])


class CaseAttributeValue(AttributeValue):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="case_values")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "attribute"], name="case_attribute_unique"),
            AttributeValue.one_value_constraint("case_attribute_one_value"),
        ]
        indexes = [models.Index(fields=["attribute", "value_text"], name="case_attr_text_idx")]


class TranscriptQuerySet(models.QuerySet):
    def for_listing(self) -> "TranscriptQuerySet":
        return self.select_related("case").defer("text").order_by("case__name", "title")


def project_originals_folder(project_id) -> str:
    """The storage folder holding every original file uploaded to one project (and nothing else)."""
    return f"originals/{project_id}"


def original_upload_path(transcript: "Transcript", filename: str) -> str:
    return f"{project_originals_folder(transcript.case.project_id)}/{uuid.uuid4().hex}/{filename}"


class Transcript(models.Model):
    """One interview. `text` is what every segment offset points into: frozen once anything is coded
    (`coding.frozen` refuses the change)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transcripts")
    title = models.CharField(max_length=300)
    respondent = models.CharField("respondent pseudonym", max_length=120, blank=True)
    respondent_role = models.CharField(max_length=120, blank=True)
    interview_date = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=35, blank=True, help_text="e.g. en, zh-Hans, zh-Hant")
    note = models.TextField(blank=True)
    text = models.TextField()
    original = models.FileField(upload_to=original_upload_path, blank=True, max_length=500)
    original_name = models.CharField(max_length=255, blank=True)
    # Off when the speakers were turned off for this transcript: its labels are gone and stay gone.
    speakers_recognised = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TranscriptQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["case", "title"], name="transcript_case_title_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:transcript_detail", args=[self.case.project_id, self.pk])

    def paragraphs(self) -> list[tuple[int, int, str]]:
        """(start, end, text) of each paragraph, in code points; paragraphs are separated by a blank line."""
        return paragraph_spans(self.text)


class SpeakerLabel(models.Model):
    """The characters of `Transcript.text` that name a speaker, and the name as shown: an annotation only.

    `start` and `end` are code points, end exclusive. Renaming, merging or unmarking a label never touches the
    text, so codings and quotations stay where they are. See `cases.turns` for the turns labels open.
    """

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="speaker_labels")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    speaker = models.CharField(max_length=120)
    trailing = models.BooleanField(default=False, help_text="A signature after the speech it signs.")

    class Meta:
        ordering = ["transcript", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=models.F("start")), name="speaker_label_span"
            ),
            models.CheckConstraint(condition=~Q(speaker=""), name="speaker_label_named"),
            models.UniqueConstraint(fields=["transcript", "start"], name="speaker_label_start_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.speaker} [{self.start}:{self.end}]"


class TranscriptAttributeValue(AttributeValue):
    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="attribute_values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="transcript_values")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["transcript", "attribute"], name="transcript_attribute_unique"),
            AttributeValue.one_value_constraint("transcript_attribute_one_value"),
        ]
        indexes = [models.Index(fields=["attribute", "value_text"], name="transcript_attr_text_idx")]
