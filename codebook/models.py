import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from cases.models import Project, Study


class Level(models.TextChoices):
    OPEN = "open", "Open"
    AXIAL = "axial", "Axial"
    SELECTIVE = "selective", "Selective"


class Framework(models.TextChoices):
    ICAF = "icaf", "ICAF"
    IOR = "ior", "IOR"
    EMERGENT = "emergent", "Emergent"
    IMPORTED = "imported", "Imported"


COLOUR_PATTERN = r"^#[0-9a-f]{6}$"
_COLOUR_INPUT = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def normalise_colour(value: str) -> str | None:
    """`#RRGGBB`, `RRGGBB` or `#RGB` in any case as the lowercase `#rrggbb` the database holds; else None."""
    match = _COLOUR_INPUT.match(value.strip())
    if not match:
        return None
    digits = match.group(1).lower()
    return "#" + (digits if len(digits) == 6 else "".join(digit * 2 for digit in digits))


class CodeQuerySet(models.QuerySet):
    def descendant_ids(self, code_id: int) -> set[int]:
        """The ids of every code below `code_id` in this queryset's tree (not the code itself); one query."""
        children: dict[int | None, list[int]] = {}
        for pk, parent_id in self.values_list("pk", "parent_id"):
            children.setdefault(parent_id, []).append(pk)
        found: set[int] = set()
        stack = list(children.get(code_id, []))
        while stack:
            pk = stack.pop()
            if pk not in found:
                found.add(pk)
                stack.extend(children.get(pk, []))
        return found

    def in_tree_order(self) -> list["Code"]:
        """All codes, depth-first in sibling order, each with `.depth` set; one query."""
        return tree_order(list(self.order_by(*SIBLING_ORDER)))


SIBLING_ORDER = ("position", Lower("name"))


def tree_order(codes: list["Code"]) -> list["Code"]:
    """`codes` (in sibling order) depth-first, each with `.depth` set; a code whose parent is not among them
    is left out with its sub-tree."""
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    ordered: list[Code] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for code in children.get(parent_id, []):
            code.depth = depth
            ordered.append(code)
            walk(code.pk, depth + 1)

    walk(None, 0)
    return ordered


class Code(models.Model):
    """A node of the project's codebook tree."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=10, choices=Level.choices, default=Level.OPEN)
    framework = models.CharField(max_length=20, choices=Framework.choices, default=Framework.EMERGENT)
    definition = models.TextField(blank=True)
    inclusion = models.TextField("inclusion criteria", blank=True)
    exclusion = models.TextField("exclusion criteria", blank=True)
    example = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#9ecae1")
    is_codable = models.BooleanField("codable", default=True, help_text="Categories can be non-codable.")
    is_core = models.BooleanField(
        "core category", default=False, help_text="A selective code the analysis is integrated around."
    )
    # Unique within a project, not across projects: a codebook exported from one project and imported into
    # another is the same codebook, and keeping its GUIDs lets tools exchanging it recognise its codes.
    guid = models.UUIDField("GUID", default=uuid.uuid4, editable=False)
    # A study's codes are kept under one top-level code named after the study, as its coders made them; the
    # crosswalk maps them onto the project's own codes, which are the ones the analysis shows.
    study = models.ForeignKey(
        Study,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="codes",
        help_text="The prior study whose codebook this code belongs to, if any.",
    )
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CodeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            # Sibling names are unique regardless of case; top-level codes have no parent, and NULLs
            # never collide in a unique index, so they need their own partial constraint.
            models.UniqueConstraint(
                Lower("name"),
                "project",
                "parent",
                name="code_unique_sibling_name",
                condition=Q(parent__isnull=False),
            ),
            models.UniqueConstraint(
                Lower("name"), "project", name="code_unique_top_level_name", condition=Q(parent__isnull=True)
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="code_not_own_parent"),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="code_level_valid"),
            models.CheckConstraint(condition=Q(colour__regex=COLOUR_PATTERN), name="code_colour_hex"),
            models.CheckConstraint(condition=~Q(name=""), name="code_name_not_empty"),
            models.CheckConstraint(condition=Q(framework__in=Framework.values), name="code_framework_valid"),
            # Only a selective code can be the category the analysis is integrated around.
            models.CheckConstraint(
                condition=Q(is_core=False) | Q(level=Level.SELECTIVE), name="code_core_is_selective"
            ),
            models.UniqueConstraint(fields=["project", "guid"], name="code_unique_guid"),
        ]
        indexes = [models.Index(fields=["project", "parent", "position"], name="code_tree_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("codebook:code_detail", args=[self.project_id, self.pk])

    def guidance(self) -> list[tuple[str, str]]:
        """What a coder reads before applying the code, as the codebook labels it; empty parts left out."""
        parts = (
            ("Definition", self.definition),
            ("Apply when", self.inclusion),
            ("Do not apply when", self.exclusion),
            ("Example", self.example),
        )
        return [(label, value) for label, value in parts if value]


class RelationKind(models.TextChoices):
    IS_PART_OF = "is-part-of", "is part of"
    IS_CAUSE_OF = "is-cause-of", "is cause of"
    STRENGTHENS = "strengthens", "strengthens"
    WEAKENS = "weakens", "weakens"
    CONTRADICTS = "contradicts", "contradicts"
    IS_ASSOCIATED_WITH = "is-associated-with", "is associated with"


class CodeRelation(models.Model):
    """A typed, directed link between two codes of one project (axial coding)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="code_relations")
    source = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="outgoing_relations")
    target = models.ForeignKey(Code, on_delete=models.CASCADE, related_name="incoming_relations")
    kind = models.CharField(
        max_length=60, help_text="One of the built-in kinds or a project-defined one, as a short phrase."
    )
    memo = models.TextField(blank=True)
    guid = models.UUIDField("GUID", default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source__name", "kind", "target__name"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="relation_unique"),
            models.CheckConstraint(condition=~Q(source=F("target")), name="relation_not_self"),
            models.CheckConstraint(condition=~Q(kind=""), name="relation_kind_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind_label} {self.target}"

    @property
    def kind_label(self) -> str:
        return RelationKind(self.kind).label if self.kind in RelationKind.values else self.kind


class CodebookAction(models.TextChoices):
    CREATE = "create", "created"
    EDIT = "edit", "edited"
    DELETE = "delete", "deleted"
    MOVE = "move", "moved"
    MERGE = "merge", "merged"
    SPLIT = "split", "split"
    LEVEL = "level", "changed level"
    RELATE = "relate", "related"
    RELATION_EDIT = "relation-edit", "edited relation"
    UNRELATE = "unrelate", "removed relation"
    IMPORT = "import", "imported"
    SEED = "seed", "seeded"
    MAP = "map", "mapped"


class CodebookEventQuerySet(models.QuerySet):
    def newest_first(self) -> "CodebookEventQuerySet":
        return self.order_by("-created_at", "-pk")


class CodebookEvent(models.Model):
    """One change to a project's codebook: who did what, when, and enough detail to see what it changed.

    Written in the same transaction as the change, so the history never records a change that was rolled back
    and never misses one that was made.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="codebook_events")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The code the change is about, while it exists; the detail keeps names and GUIDs for after it is gone.
    code = models.ForeignKey(Code, null=True, blank=True, on_delete=models.SET_NULL, related_name="events")
    action = models.CharField(max_length=20, choices=CodebookAction.choices)
    summary = models.CharField(max_length=500)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = CodebookEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=CodebookAction.values), name="event_action_valid"),
            models.CheckConstraint(condition=~Q(summary=""), name="event_summary_not_empty"),
        ]
        indexes = [models.Index(fields=["project", "-created_at"], name="event_project_recent_idx")]

    def __str__(self) -> str:
        return self.summary
