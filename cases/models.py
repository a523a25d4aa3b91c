import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.people import by_name, display_name
from cases.turns import paragraph_spans


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    CODER = "coder", "Coder"
    VIEWER = "viewer", "Viewer"


# What each role may do, in increasing order: a role includes everything below it.
ROLE_RANK = {Role.VIEWER: 0, Role.CODER: 1, Role.OWNER: 2}
# Who can be given transcripts to code: the roles that code.
ASSIGNABLE_ROLES = (Role.CODER, Role.OWNER)


class ProjectQuerySet(models.QuerySet):
    def for_user(self, user) -> "ProjectQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def by_id_or_name(self, value: str) -> "Project | None":
        """The project with this UUID, or else with exactly this name: how management commands name one."""
        try:
            return self.filter(pk=uuid.UUID(value)).first()
        except ValueError:
            return self.filter(name=value).first()


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
    blind_coding = models.BooleanField(
        "Blind coding",
        default=False,
        help_text="While on, coders see only their own codings; owners see all and end the blind phase.",
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


class MembershipQuerySet(models.QuerySet):
    def by_name(self) -> "MembershipQuerySet":
        """With each member's name, in the order of their display names."""
        return self.select_related("user__profile").order_by(by_name("user"), "user__username")


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

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

    @property
    def sees_only_own_codings(self) -> bool:
        """While the project codes blind, every member but its owners sees only their own codings and
        quotations (`coding.models` `visible_to`, the one filter that hides the rest)."""
        return self.project.blind_coding and not self.is_owner

    @property
    def can_be_assigned(self) -> bool:
        """Transcripts are assigned to the people who code: coders and owners, not viewers."""
        return self.role in ASSIGNABLE_ROLES


# What each role does, in the words the team page, the invitation e-mail and its page use.
ROLE_DUTIES = {
    Role.OWNER: "sets up the project, its cases and codebook, and manages the team",
    Role.CODER: "codes transcripts, writes memos, creates open codes and uploads transcripts",
    Role.VIEWER: "reads the project and exports its results",
}


class InvitationQuerySet(models.QuerySet):
    def open(self) -> "InvitationQuerySet":
        """Neither accepted nor revoked: the database allows one per project and address."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)

    def pending(self) -> "InvitationQuerySet":
        """Open and not yet expired: its link still lets someone join."""
        return self.open().filter(expires_at__gt=timezone.now())

    def to(self, email: str) -> "InvitationQuerySet":
        return self.filter(email=email.strip().lower())


class Invitation(models.Model):
    """An owner's invitation of an e-mail address into a project with a role.

    Only the SHA-256 of the link's token is stored (`cases.invitations`): the token itself is in the e-mail
    alone, so the database, its backups and the admin never hold a working link.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("e-mail address")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CODER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="invitation_role_valid"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="invitation_email_lower_case"),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("sent_at")), name="invitation_expires_after_sending"
            ),
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.project} ({self.role})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def inviter_name(self) -> str:
        """Who sent the link, or whom to ask once their account is gone (select `invited_by__profile`)."""
        return display_name(self.invited_by) if self.invited_by_id else "an owner of the project"


class TeamEvent(models.TextChoices):
    INVITED = "invited", "Invited"
    INVITATION_RESENT = "invitation_resent", "Invitation sent again"
    INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
    JOINED = "joined", "Joined"
    ROLE_CHANGED = "role_changed", "Role changed"
    REMOVED = "removed", "Removed"
    LEFT = "left", "Left"
    ASSIGNED = "assigned", "Transcripts assigned"
    UNASSIGNED = "unassigned", "Assignments removed"
    BLIND_STARTED = "blind_started", "Blind coding started"
    BLIND_ENDED = "blind_ended", "Blind coding ended"


class MembershipEvent(models.Model):
    """One entry of a project's team activity: who invited, joined, changed a role or removed whom, and when.

    Names are copied in when the event is written, so the log still reads right after a member leaves, changes
    their display name or their account is deleted.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="membership_events")
    kind = models.CharField(max_length=20, choices=TeamEvent.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    subject_name = models.CharField(max_length=254, help_text="The member's display name, or the address.")
    role = models.CharField(max_length=10, choices=Role.choices, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TeamEvent.values), name="membership_event_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[*Role.values, ""]), name="membership_event_role_valid"
            ),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="membership_event_recent_idx")]

    def __str__(self) -> str:
        return self.sentence()

    def sentence(self) -> str:
        """What happened, as the team page reads it: "Wei Li invited lee@uni.example as coder"."""
        actor, subject = self.actor_name, self.subject_name
        role = Role(self.role).label.lower() if self.role else ""
        said = {
            TeamEvent.INVITED: f"{actor} invited {subject} as {role}",
            TeamEvent.INVITATION_RESENT: f"{actor} sent the invitation to {subject} again",
            TeamEvent.INVITATION_REVOKED: f"{actor} revoked the invitation to {subject}",
            TeamEvent.JOINED: f"{subject} joined as {role}",
            TeamEvent.ROLE_CHANGED: f"{actor} changed the role of {subject} to {role}",
            TeamEvent.REMOVED: f"{actor} removed {subject}",
            TeamEvent.LEFT: f"{subject} left the project",
            TeamEvent.ASSIGNED: f"{actor} assigned transcripts to {subject}",
            TeamEvent.UNASSIGNED: f"{actor} took transcripts back from {subject}",
            TeamEvent.BLIND_STARTED: f"{actor} started blind coding",
            TeamEvent.BLIND_ENDED: f"{actor} ended blind coding: coders see each other's codings again",
        }[self.kind]
        return f"{said} ({self.detail})" if self.detail else said


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
    # REFI-QDA names every object by a GUID: kept with the row so that exports and re-imports recognise it.
    guid = models.UUIDField("GUID", default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["applies_to", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "guid"], name="attribute_unique_guid"),
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
    # REFI-QDA names every object by a GUID: kept with the row so that exports and re-imports recognise it.
    guid = models.UUIDField("GUID", default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="case_unique_name"),
            models.UniqueConstraint(fields=["project", "guid"], name="case_unique_guid"),
        ]

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
        return self.select_related("case", "study").defer("text").order_by("case__name", "title")


def project_originals_folder(project_id) -> str:
    """The storage folder holding every original file uploaded to one project (and nothing else)."""
    return f"originals/{project_id}"


def original_upload_path(transcript: "Transcript", filename: str) -> str:
    return f"{project_originals_folder(transcript.case.project_id)}/{uuid.uuid4().hex}/{filename}"


class Study(models.Model):
    """A completed study brought into a meta-analysis project: its transcripts, quotations and codes, kept as
    they were coded, with where they came from. Its codes are mapped onto the project's codebook by the
    crosswalk, and the analysis counts its codings through that mapping."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="studies")
    name = models.CharField(max_length=200)
    producer = models.CharField(max_length=200, blank=True, help_text="The program that exported it.")
    source_name = models.CharField(max_length=255, blank=True, help_text="The file it was imported from.")
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "project", name="study_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="study_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


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
    study = models.ForeignKey(
        Study,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="transcripts",
        help_text="The prior study this interview was imported with, if any.",
    )
    # Off when the speakers were turned off for this transcript: its labels are gone and stay gone.
    speakers_recognised = models.BooleanField(default=True)
    # Unique within its case only: the database cannot reach the project from here, and an export names the
    # transcript's file after it, so `coding.exchange.qdpx.export` refuses a project holding one twice.
    guid = models.UUIDField("GUID", default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TranscriptQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [models.UniqueConstraint(fields=["case", "guid"], name="transcript_unique_guid")]
        indexes = [models.Index(fields=["case", "title"], name="transcript_case_title_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cases:transcript_detail", args=[self.case.project_id, self.pk])

    def paragraphs(self) -> list[tuple[int, int, str]]:
        """(start, end, text) of each paragraph, in code points; paragraphs are separated by a blank line."""
        return paragraph_spans(self.text)


class AssignmentStatus(models.TextChoices):
    NOT_STARTED = "not_started", "not started"
    IN_PROGRESS = "in_progress", "in progress"
    DONE = "done", "done"


class AssignmentQuerySet(models.QuerySet):
    def in_project(self, project: Project) -> "AssignmentQuerySet":
        return self.filter(transcript__case__project=project)

    def of_coder(self, user) -> "AssignmentQuerySet":
        return self.filter(coder_id=user.pk)

    def status_counts(self) -> dict[int, dict[str, int]]:
        """coder id → status → how many of these assignments; one query."""
        counts: dict[int, dict[str, int]] = {}
        rows = self.order_by().values_list("coder_id", "status").annotate(n=Count("pk"))
        for coder_id, status, n in rows.values_list("coder_id", "status", "n"):
            counts.setdefault(coder_id, dict.fromkeys(AssignmentStatus.values, 0))[status] = n
        return counts


class Assignment(models.Model):
    """A transcript an owner gave a coder to code; the coder marks how far they are.

    For agreement, a transcript a coder was not assigned is missing data for them, not uncoded text.
    """

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="assignments")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    status = models.CharField(
        max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.NOT_STARTED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["transcript_id", "coder_id"]
        constraints = [
            models.UniqueConstraint(fields=["transcript", "coder"], name="assignment_unique_coder"),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="assignment_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["coder", "status"], name="assignment_coder_status_idx")]

    def __str__(self) -> str:
        return f"{self.transcript_id} → {self.coder_id} ({self.status})"


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


class AccessAction(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGNED_OUT = "signed_out", "Signed out"
    UPLOADED = "uploaded", "Uploaded a transcript"
    DOWNLOADED_ORIGINAL = "downloaded_original", "Downloaded an original"
    EXPORTED = "exported", "Exported"
    DELETED = "deleted", "Deleted"
    TEAM = "team", "Changed the team"


class AccessEventQuerySet(models.QuerySet):
    def of_project(self, project: Project) -> "AccessEventQuerySet":
        return self.filter(project_ref=project.pk)

    def older_than(self, days: int) -> "AccessEventQuerySet":
        return self.filter(at__lt=timezone.now() - timedelta(days=days))


class AccessEvent(models.Model):
    """Who signed in, uploaded, downloaded, exported, deleted or changed the team, when and from where.

    Append-only: on PostgreSQL a trigger refuses to change or delete a row, except the pruning of rows past
    ACCESS_LOG_DAYS (`manage.py prune_access_log`); on SQLite it refuses changes. People and projects are
    referred to by id and name, not by foreign key, so the log outlives the accounts and projects it names.
    """

    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=30, choices=AccessAction.choices)
    user_ref = models.BigIntegerField(null=True, blank=True, help_text="The account's id, if any.")
    user_name = models.CharField(max_length=254, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    project_ref = models.UUIDField(null=True, blank=True)
    project_name = models.CharField(max_length=200, blank=True)
    detail = models.CharField(max_length=500, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AccessAction.values), name="access_event_action_valid"
            )
        ]
        indexes = [
            models.Index(fields=["project_ref", "-at"], name="access_event_project_idx"),
            models.Index(fields=["at"], name="access_event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_name or 'someone'}: {self.get_action_display()}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "waiting to start"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


def job_file_path(job: "Job", filename: str) -> str:
    folder = project_jobs_folder(job.project_id) if job.project_id else "jobs/new-projects"
    return f"{folder}/{job.pk}/{filename}"


def project_jobs_folder(project_id) -> str:
    """The storage folder holding the files of one project's background jobs (archives in and out)."""
    return f"jobs/{project_id}"


class JobQuerySet(models.QuerySet):
    def finished(self) -> "JobQuerySet":
        return self.filter(status__in=[JobStatus.DONE, JobStatus.FAILED])


class Job(models.Model):
    """Work too long for a request (importing or exporting a whole project), run by the task worker.

    The row is what the person who started it watches: its stage and progress are written as the work goes,
    outside the work's own transaction, and `result` holds what the result page shows. `upload` is the file it
    reads (deleted once it has run, unless a later job takes it over) and `output` the file it produced for
    download. A job without a project reads an archive for a project not made yet: only its starter sees it,
    and the import that makes the project then records it here.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    stage = models.CharField(max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True, help_text="Why it failed, in one sentence.")
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    upload = models.FileField(upload_to=job_file_path, blank=True, max_length=500)
    upload_name = models.CharField(max_length=255, blank=True)
    output = models.FileField(upload_to=job_file_path, blank=True, max_length=500)
    output_name = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobStatus.values), name="job_status_valid"),
            models.CheckConstraint(condition=Q(done__lte=F("total")) | Q(total=0), name="job_progress_valid"),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="job_project_recent_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    def get_absolute_url(self) -> str:
        if self.project_id is None:
            return reverse("cases:own_job_detail", args=[self.pk])
        return reverse("cases:job_detail", args=[self.project_id, self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.DONE, JobStatus.FAILED}

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.total) if self.total else None


class SetKind(models.TextChoices):
    TRANSCRIPTS = "transcripts", "Interviews"
    CASES = "cases", "Cases"


class InterviewSet(models.Model):
    """A named group of interviews: picked one by one, or as whole cases (then every interview of them).

    Membership is stored, never recomputed: a set made from an attribute filter keeps the interviews or cases
    the filter found when it was made (`made_from` says which filter), so a matrix by sets does not change
    under a PI's feet when an attribute is edited. Members belong to the set's project (its form checks).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="interview_sets")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=SetKind.choices, default=SetKind.TRANSCRIPTS)
    cases = models.ManyToManyField(Case, blank=True, related_name="interview_sets")
    transcripts = models.ManyToManyField(Transcript, blank=True, related_name="interview_sets")
    made_from = models.CharField(max_length=500, blank=True, help_text="The attribute filter, in words.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = [Lower("name")]
        constraints = [
            models.UniqueConstraint("project", Lower("name"), name="interview_set_unique_name"),
            models.CheckConstraint(condition=~Q(name=""), name="interview_set_name_not_empty"),
            models.CheckConstraint(condition=Q(kind__in=SetKind.values), name="interview_set_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


def set_members(project: Project) -> dict[int, list[int]]:
    """Interview id → ids of the project's sets holding it (directly or through its case); two queries."""
    members: dict[int, list[int]] = {}
    direct = InterviewSet.transcripts.through.objects.filter(interviewset__project=project)
    for transcript_id, set_id in direct.values_list("transcript_id", "interviewset_id"):
        members.setdefault(transcript_id, []).append(set_id)
    by_case = Transcript.objects.filter(case__project=project, case__interview_sets__isnull=False)
    for transcript_id, set_id in by_case.values_list("pk", "case__interview_sets"):
        members.setdefault(transcript_id, []).append(set_id)
    return members
