"""Finding quotations by their codes: AND / OR / NOT over the code tree, narrowed by case, attribute, coder,
valence, coding date and text.

The matrix, co-occurrence, drill-downs and every export select codings through here, so a cell's count, the
quotations behind it and the rows of its export always agree. The vocabulary they share:

- a **code term** stands for the code and, unless sub-codes are left out, every code beneath it (a parent
  rolls up its descendants, as in the matrix);
- a **dimension** slices a project's interviews: the case, the respondent's role, or any case or transcript
  attribute. Matrix columns are a dimension's values; the `where` filters are (dimension, value) pairs;
- **scope** is what every analysis counts: codings by the chosen coder, coded within the date range, on
  passages of the chosen cases and attribute values containing the text. The coder is one coder, the
  consensus layer (the adjudicated codings, `coding.consensus`), or nobody in particular: then every coder's
  codings count but the consensus layer's do not, since a passage adjudicated into it is already counted
  through the coders who coded it. Valence qualifies the AND / OR terms
  (a "negative Data ownership" coding); NOT excludes a passage that carries the code at all within the scope.
"""

import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property, reduce

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Case as Choice
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.urls import reverse
from django.utils import timezone

from accounts.people import CONSENSUS_USERNAME, by_name, consensus_layer, display_name
from cases.models import (
    Attribute,
    AttributeKind,
    AttributeTarget,
    Case,
    CaseAttributeValue,
    InterviewSet,
    Project,
    Transcript,
    TranscriptAttributeValue,
)
from cases.speakers import labels_around, labels_by_id
from cases.turns import Locator, speaker_at
from codebook.models import SIBLING_ORDER, Code, tree_order
from coding.models import Coding, SavedQuery, Segment, Valence, hidden_by_blind_coding

NO_VALUE = ""  # the key of "(no value)": a case or transcript without the attribute, or without a role
NO_VALUE_LABEL = "(no value)"
IN_NO_SET = "(in no set)"  # the "(no value)" of the set dimension
SETS = "set"  # the dimension of the project's interview sets
MAX_TEXT = 200


class CodeTree:
    """A project's codebook in tree order with each code's path, sub-tree and ancestors; one query.

    In a meta-analysis project the tree is the project's own codebook: the codes of its studies are not in it
    but counted through the crosswalk, each as the code it is mapped to (`aliases`, study code → code), so a
    code's sub-tree takes in the study codes mapped to it or beneath it, and a mapping's valence (`implied`)
    stands for the valence of those study codings. Unmapped study codes count nowhere.
    """

    def __init__(
        self,
        codes: list[Code],
        *,
        aliases: dict[int, int] | None = None,
        implied: dict[int, str] | None = None,
        study_codes: list[Code] = (),
    ):
        self.codes = codes  # depth-first in sibling order, each with `.depth`
        # The studies' codes in tree order, each with `.path` within its study (unmapped ones count nowhere).
        self.study_codes = {code.pk: code for code in study_codes}
        self.by_id = {code.pk: code for code in codes}
        self.children: dict[int | None, list[Code]] = {}
        self.aliases = {alias: target for alias, target in (aliases or {}).items() if target in self.by_id}
        self.implied: dict[int, str] = {
            alias: v for alias, v in (implied or {}).items() if alias in self.aliases
        }
        self.aliased: dict[int, list[int]] = {}
        for alias, target in self.aliases.items():
            self.aliased.setdefault(target, []).append(alias)
        for code in codes:
            self.children.setdefault(code.parent_id, []).append(code)
            parent = self.by_id.get(code.parent_id)
            code.path = f"{parent.path} › {code.name}" if parent else code.name
            code.has_children = False
        for code in codes:
            if code.parent_id in self.by_id:
                self.by_id[code.parent_id].has_children = True
        for code in study_codes:
            parent = self.study_codes.get(code.parent_id)
            code.path = f"{parent.path} › {code.name}" if parent else code.name
        self.uncounted = [pk for pk in self.study_codes if pk not in self.aliases]

    @classmethod
    def load(cls, project: Project) -> "CodeTree":
        codes = list(
            Code.objects.filter(project=project)
            .select_related("study")
            .annotate(mapped_to=F("mapping__target_id"), implied_valence=F("mapping__valence"))
            .order_by(*SIBLING_ORDER)
        )
        own = [code for code in codes if code.study_id is None]
        studies = [code for code in codes if code.study_id is not None]
        return cls(
            tree_order(own),
            aliases={code.pk: code.mapped_to for code in studies if code.mapped_to},
            implied={code.pk: code.implied_valence for code in studies if code.implied_valence},
            study_codes=tree_order(studies),
        )

    def __contains__(self, code_id: int) -> bool:
        return code_id in self.by_id

    @property
    def counted_ids(self) -> list[int]:
        """Every code whose codings the analysis counts: the tree's and the study codes mapped into it."""
        return [*self.by_id, *self.aliases]

    def counted_as(self, code_id: int) -> int:
        """The tree's code a coding of `code_id` counts as (itself, or what a study code is mapped to)."""
        return self.aliases.get(code_id, code_id)

    def subtree(self, code_id: int) -> list[int]:
        """The code and every code beneath it, with the study codes mapped to any of them."""
        found = [code_id, *self.aliased.get(code_id, ())]
        for child in self.children.get(code_id, []):
            found.extend(self.subtree(child.pk))
        return found

    def ancestors(self, code_id: int) -> list[Code]:
        """The code, its parent, …, up to its top-level code (for a study code: those of its target)."""
        chain = []
        code = self.by_id.get(self.counted_as(code_id))
        while code is not None:
            chain.append(code)
            code = self.by_id.get(code.parent_id)
        return chain

    def valence_q(self, valences: Iterable[str], prefix: str = "") -> Q:
        """Codings whose valence is one of `valences`: a study coding's mapping may imply its valence."""
        valences = set(valences)
        q = Q(**{f"{prefix}valence__in": valences})
        if not self.implied:
            return q
        implied = list(self.implied)
        chosen = [alias for alias, valence in self.implied.items() if valence in valences]
        return (q & ~Q(**{f"{prefix}code_id__in": implied})) | Q(**{f"{prefix}code_id__in": chosen})

    def valence_of(self, code_id: int, valence: str) -> str:
        return self.implied.get(code_id, valence)

    def valence_expression(self, prefix: str = ""):
        """The valence each coding counts with, as an expression (the matrix groups by it)."""
        field = F(f"{prefix}valence")
        if not self.implied:
            return field
        by_valence: dict[str, list[int]] = {}
        for alias, valence in self.implied.items():
            by_valence.setdefault(valence, []).append(alias)
        whens = [
            When(**{f"{prefix}code_id__in": ids}, then=Value(v)) for v, ids in sorted(by_valence.items())
        ]
        return Choice(*whens, default=field, output_field=CharField())


@dataclass(frozen=True)
class DimensionValue:
    key: str  # as it travels in URLs and forms; NO_VALUE for "(no value)"
    label: str


@dataclass(frozen=True)
class Dimension:
    """A way to slice a project's interviews: by case, respondent role, or a case or transcript attribute."""

    key: str  # "case", "role" or "attr-<id>"
    label: str
    attribute: Attribute | None = None

    @property
    def per_case(self) -> bool:
        """Whether every interview of a case has the same value (so respondents never span two values)."""
        return self.key == "case" or (
            self.attribute is not None and self.attribute.applies_to == AttributeTarget.CASE
        )

    @property
    def overlapping(self) -> bool:
        """Whether an interview can have several values: sets may share interviews."""
        return self.key == SETS

    def annotate(self, queryset: QuerySet, *, to_transcript: str) -> tuple[QuerySet, str]:
        """`queryset` joined to this dimension's value, and the path naming it; `to_transcript` is the path
        from the queryset's model to its transcript ("segment__transcript__", "transcript__" or "").

        For sets, the path names the interview: an interview can be in several sets, so the caller maps it
        to its sets (`cases.models.set_members`) instead of joining one value per row.
        """
        if self.key == SETS:
            return queryset, f"{to_transcript.removesuffix('__')}_id" if to_transcript else "pk"
        if self.key == "case":
            return queryset, f"{to_transcript}case_id"
        if self.key == "role":
            return queryset, f"{to_transcript}respondent_role"
        attribute = self.attribute
        owner = f"{to_transcript}case__" if attribute.applies_to == AttributeTarget.CASE else to_transcript
        # A LEFT JOIN on the one attribute: interviews without a value keep their rows, with NULL.
        joined = queryset.annotate(
            dimension_value=FilteredRelation(
                f"{owner}attribute_values",
                condition=Q(**{f"{owner}attribute_values__attribute_id": attribute.pk}),
            )
        )
        return joined, f"dimension_value__{attribute.value_field}"

    def key_of(self, raw) -> str:
        """The key of a value as the database returns it (raw SQL gives SQLite's 0/1, floats and strings)."""
        if raw is None or raw == "":
            return NO_VALUE
        if self.key in ("case", "role", SETS):
            return str(raw)
        match self.attribute.kind:
            case AttributeKind.BOOLEAN:
                return "yes" if raw in (True, 1, "1") else "no"
            case AttributeKind.NUMBER:
                return f"{Decimal(str(raw)).normalize():f}"
            case AttributeKind.DATE:
                return raw.isoformat() if isinstance(raw, date) else str(raw)[:10]
            case _:
                return str(raw)

    def condition(self, keys: Iterable[str], *, to_transcript: str) -> Q:
        """Interviews whose value is any of `keys` (NO_VALUE included); `to_transcript` as for `annotate`."""
        keys = set(keys)
        if self.key == SETS:
            chosen = [int(key) for key in keys if key != NO_VALUE]
            q = in_sets_q(InterviewSet.objects.filter(pk__in=chosen), to_transcript=to_transcript)
            if NO_VALUE in keys:
                q |= ~in_sets_q(InterviewSet.objects.all(), to_transcript=to_transcript)
            return q
        if self.key == "case":
            return Q(**{f"{to_transcript}case_id__in": [int(key) for key in keys]})
        if self.key == "role":
            return Q(**{f"{to_transcript}respondent_role__in": keys})
        attribute = self.attribute
        if attribute.applies_to == AttributeTarget.CASE:
            values = CaseAttributeValue.objects.filter(case_id=OuterRef(f"{to_transcript}case_id"))
        else:
            values = TranscriptAttributeValue.objects.filter(transcript_id=OuterRef(f"{to_transcript}pk"))
        values = values.filter(attribute=attribute)
        alternatives = []
        typed = [self.typed(key) for key in keys if key != NO_VALUE]
        if typed:
            alternatives.append(Q(Exists(values.filter(**{f"{attribute.value_field}__in": typed}))))
        if NO_VALUE in keys:
            alternatives.append(~Q(Exists(values)))
        return reduce(operator.or_, alternatives)

    def typed(self, key: str):
        match self.attribute.kind:
            case AttributeKind.BOOLEAN:
                return key == "yes"
            case AttributeKind.NUMBER:
                return Decimal(key)
            case AttributeKind.DATE:
                return date.fromisoformat(key)
            case _:
                return key


def in_sets_q(sets: QuerySet[InterviewSet], *, to_transcript: str) -> Q:
    """Interviews in any of `sets`: picked themselves, or in a case that was picked."""
    ids = sets.values("pk")
    direct = InterviewSet.transcripts.through.objects.filter(interviewset_id__in=ids).values("transcript_id")
    by_case = InterviewSet.cases.through.objects.filter(interviewset_id__in=ids).values("case_id")
    return Q(**{f"{to_transcript}pk__in": direct}) | Q(**{f"{to_transcript}case_id__in": by_case})


def _sort_key(dimension: Dimension, key: str):
    if dimension.attribute is not None and dimension.attribute.kind == AttributeKind.NUMBER:
        try:
            return (0, Decimal(key), "")
        except InvalidOperation:
            return (1, Decimal(0), key)
    if dimension.attribute is not None and dimension.attribute.kind == AttributeKind.BOOLEAN:
        return (0, Decimal(key != "yes"), "")
    return (0, Decimal(0), key.casefold())


class Facets:
    """What a project's codings can be filtered and sliced by: its codes, cases, coders, dimensions and their
    values; forms take their choices from it.

    Given every part, it holds them. Made by `load_facets`, it reads each part from the database when first
    asked for (one or two queries a part), so a request pays only for what it uses: an export needs the codes
    and the attribute columns, not every value of every attribute.
    """

    def __init__(
        self,
        project: Project,
        tree: CodeTree,
        cases: list[Case],
        coders: list,
        dimensions: dict[str, Dimension],
        values: dict[str, list[DimensionValue]],
        consensus=None,  # the consensus layer's coder, when the project has consensus codings
        own_coder_id: int | None = None,
        saved_queries: dict[int, str] | None = None,  # id → name
    ):
        self.project = project
        self.tree = tree
        self.cases = cases
        self.coders = coders
        self.dimensions = dimensions
        self.values = values
        self.consensus = consensus
        # While the project codes blind, the coder (or viewer) whose codings alone every analysis counts.
        self.own_coder_id = own_coder_id
        self.saved_queries = saved_queries if saved_queries is not None else {}

    @classmethod
    def of(cls, project: Project) -> "Facets":
        """The project's facets, each part read when first used. The member the project was loaded for
        (`cases.access.get_project` sets `project.membership`) decides what blind coding hides: while it is
        on, a coder or viewer has no coder to choose but themselves, and every analysis built on these
        facets (`ScopeForm.scope`) counts only their codings."""
        facets = cls.__new__(cls)
        facets.project = project
        membership = getattr(project, "membership", None)
        facets.own_coder_id = membership.user_id if hidden_by_blind_coding(membership) else None
        return facets

    def label(self, dimension_key: str, value_key: str) -> str:
        if value_key == NO_VALUE:
            return IN_NO_SET if dimension_key == SETS else NO_VALUE_LABEL
        for value in self.values.get(dimension_key, []):
            if value.key == value_key:
                return value.label
        return value_key

    @cached_property
    def coder_names(self) -> dict[int, str]:
        return {user.pk: display_name(user) for user in self.coders}

    # The parts `Facets.of` reads on first use (a part given to the constructor is an instance attribute,
    # which Python reads before these).

    @cached_property
    def tree(self) -> CodeTree:
        return CodeTree.load(self.project)

    @cached_property
    def cases(self) -> list[Case]:
        return list(self.project.cases.order_by("name"))

    @cached_property
    def coders(self) -> list:
        return self._members[0]

    @cached_property
    def consensus(self):
        return self._members[1]

    @cached_property
    def dimensions(self) -> dict[str, Dimension]:
        dimensions = {"case": Dimension("case", "Case"), "role": Dimension("role", "Respondent role")}
        for attribute in self._attributes:
            where = "case" if attribute.applies_to == AttributeTarget.CASE else "interview"
            dimensions[f"attr-{attribute.pk}"] = Dimension(
                f"attr-{attribute.pk}", f"{attribute.name} ({where})", attribute
            )
        if self._named[0]:
            dimensions[SETS] = Dimension(SETS, "Set")
        return dimensions

    @cached_property
    def values(self) -> dict[str, list[DimensionValue]]:
        return _dimension_values(self)

    @cached_property
    def saved_queries(self) -> dict[int, str]:
        return self._named[1]

    @cached_property
    def _members(self) -> tuple[list, object | None]:
        """The coders to choose from, and the consensus layer's coder if it has coded here: one query."""
        project = self.project
        if self.own_coder_id is not None:
            members = get_user_model().objects.filter(pk=self.own_coder_id)
        else:
            adjudicated = Exists(Segment.objects.filter(project=project, created_by=OuterRef("pk")))
            members = get_user_model().objects.filter(
                Q(memberships__project=project) | Q(adjudicated, username=CONSENSUS_USERNAME)
            )
        coders = list(members.select_related("profile").order_by(by_name(), "username"))
        consensus = next((user for user in coders if user.username == CONSENSUS_USERNAME), None)
        return [user for user in coders if user is not consensus], consensus

    @cached_property
    def _attributes(self) -> list[Attribute]:
        return list(self.project.attributes.all())

    @cached_property
    def _named(self) -> tuple[list[DimensionValue], dict[int, str]]:
        return _named(self.project)


def _named(project: Project) -> tuple[list[DimensionValue], dict[int, str]]:
    """The project's interview sets and saved queries, by name: one query for both."""
    sets = (
        InterviewSet.objects.filter(project=project)
        .annotate(what=Value(SETS))
        .values_list("what", "pk", "name")
    )
    queries = SavedQuery.objects.filter(project=project).annotate(what=Value("query"))
    rows = sets.order_by().union(queries.order_by().values_list("what", "pk", "name"), all=True)
    found = sorted(rows, key=lambda row: (row[2].casefold(), row[1]))
    values = [DimensionValue(str(pk), name) for what, pk, name in found if what == SETS]
    return values, {pk: name for what, pk, name in found if what != SETS}


def _dimension_values(facets: Facets) -> dict[str, list[DimensionValue]]:
    """Every dimension's values, sorted, with "(no value)" where an interview or case lacks one: the roles,
    the case values and the transcript values, three queries (and the cases, attributes and sets)."""
    project, dimensions, cases = facets.project, facets.dimensions, facets.cases
    attributes = [dimension.attribute for dimension in dimensions.values() if dimension.attribute is not None]
    role_counts = dict(
        project.transcripts.order_by()
        .values_list("respondent_role")
        .annotate(n=Count("pk"))
        .values_list("respondent_role", "n")
    )
    roles = set(role_counts)
    values: dict[str, list[DimensionValue]] = {
        "case": [DimensionValue(str(case.pk), case.name) for case in cases],
        "role": [DimensionValue(role, role) for role in sorted(roles - {""}, key=str.casefold)]
        + ([DimensionValue(NO_VALUE, NO_VALUE_LABEL)] if "" in roles else []),
    }
    by_attribute: dict[int, set[str]] = {attribute.pk: set() for attribute in attributes}
    owners: dict[int, set[int]] = {attribute.pk: set() for attribute in attributes}
    fields = ("attribute_id", "value_text", "value_number", "value_date", "value_boolean")
    for model, owner in ((CaseAttributeValue, "case_id"), (TranscriptAttributeValue, "transcript_id")):
        rows = model.objects.filter(attribute__project=project).values_list(owner, *fields)
        for owner_id, attribute_id, *raw in rows:
            dimension = dimensions[f"attr-{attribute_id}"]
            by_attribute[attribute_id].add(dimension.key_of(next((v for v in raw if v is not None), None)))
            owners[attribute_id].add(owner_id)
    transcript_count = sum(role_counts.values())
    for attribute in attributes:
        dimension = dimensions[f"attr-{attribute.pk}"]
        keys = sorted(by_attribute[attribute.pk] - {NO_VALUE}, key=lambda k, d=dimension: _sort_key(d, k))
        values[dimension.key] = [DimensionValue(key, key) for key in keys]
        if attribute.applies_to == AttributeTarget.CASE:
            missing = len(owners[attribute.pk]) < len(cases)
        else:
            missing = len(owners[attribute.pk]) < transcript_count
        if missing:
            values[dimension.key].append(DimensionValue(NO_VALUE, NO_VALUE_LABEL))
    sets = facets._named[0]
    if sets:
        values[SETS] = [*sets, DimensionValue(NO_VALUE, IN_NO_SET)]
    return values


def load_facets(*, project: Project) -> Facets:
    """The project's facets, each part read on first use (`Facets.of`): at most eight queries, for codes,
    cases, members (with the consensus layer, if it has coded here), attributes, roles, case values,
    transcript values, and the sets and saved queries together."""
    return Facets.of(project)


@dataclass(frozen=True)
class Condition:
    """Interviews whose `dimension` has one of `keys`."""

    dimension: Dimension
    keys: frozenset[str]


@dataclass(frozen=True)
class Criteria:
    """Which codings and quotations an analysis looks at. Empty means everything in the project."""

    all_codes: tuple[int, ...] = ()  # the passage carries each of these (AND)
    any_codes: tuple[int, ...] = ()  # … and at least one of these (OR)
    not_codes: tuple[int, ...] = ()  # … and none of these (NOT)
    subcodes: bool = True  # a code term includes the codes beneath it
    in_transcripts_with: tuple[int, ...] = ()  # the interview (not the passage) carries each of these
    cases: tuple[int, ...] = ()
    not_cases: tuple[int, ...] = ()
    where: tuple[Condition, ...] = ()
    coder_id: int | None = None  # one coder's codings, or the consensus layer's; None: every coder's
    valences: tuple[str, ...] = ()
    coded_from: date | None = None
    coded_to: date | None = None
    text: str = ""
    # Only passages that the saved query `within_id` (named `within_name`) retrieves, with its criteria.
    within: "Criteria | None" = None
    within_id: int | None = None
    within_name: str = ""

    @property
    def has_code_terms(self) -> bool:
        return bool(self.all_codes or self.any_codes)


@dataclass
class Selection:
    """Criteria resolved against a project's code tree: ready to filter querysets."""

    project: Project
    criteria: Criteria
    tree: CodeTree

    def codes(self, code_id: int) -> list[int]:
        return self.tree.subtree(code_id) if self.criteria.subcodes else [code_id]

    def interview_q(self, to_transcript: str, *, project: bool = True) -> Q:
        """Conditions on the interview: project, cases and `where`; `to_transcript` leads to Transcript.

        `project=False` leaves out the project for a query already confined to it another way (by its codes).
        """
        criteria = self.criteria
        q = Q(**{f"{to_transcript}case__project": self.project}) if project else Q()
        if criteria.cases:
            q &= Q(**{f"{to_transcript}case_id__in": criteria.cases})
        if criteria.not_cases:
            q &= ~Q(**{f"{to_transcript}case_id__in": criteria.not_cases})
        for condition in criteria.where:
            q &= condition.dimension.condition(condition.keys, to_transcript=to_transcript)
        return q

    def passage_q(self, prefix: str, *, project: bool = True) -> Q:
        """Conditions on the passage and its interview; `prefix` leads to Segment ("" or "segment__").

        The project is named by the passage's own column rather than through its interview's case: the planner
        estimates a column, where through the join it expects one passage and walks the whole project's.
        """
        q = self.interview_q(f"{prefix}transcript__", project=False)
        if project:
            q &= Q(**{f"{prefix}project": self.project})
        if self.criteria.text:
            q &= Q(**{f"{prefix}quote__icontains": self.criteria.text})
        if self.criteria.within is not None:
            found = Selection(self.project, self.criteria.within, self.tree).segments().values("pk")
            q &= Q(**{f"{prefix}pk__in": found})
        return q

    def coding_q(self, prefix: str = "") -> Q:
        """Conditions on the coding itself that define the scope: coder and coding date (and, in a
        meta-analysis, a code the crosswalk counts). Without a coder, every coder's codings but not the
        consensus layer's."""
        criteria = self.criteria
        q = Q()
        if self.tree.uncounted:  # a study's code not mapped by the crosswalk counts nowhere
            q &= ~Q(**{f"{prefix}code_id__in": self.tree.uncounted})
        if criteria.coder_id:
            q &= Q(**{f"{prefix}coder_id": criteria.coder_id})
        else:
            q &= ~Q(**{f"{prefix}coder_id__in": consensus_layer()})
        if criteria.coded_from:
            q &= Q(**{f"{prefix}created_at__date__gte": criteria.coded_from})
        if criteria.coded_to:
            q &= Q(**{f"{prefix}created_at__date__lte": criteria.coded_to})
        return q

    def qualifying_q(self, prefix: str = "") -> Q:
        """A coding that counts towards the AND / OR terms: in scope and of a chosen valence."""
        q = self.coding_q(prefix)
        if self.criteria.valences:
            q &= self.tree.valence_q(self.criteria.valences, prefix)
        return q

    def qualifies(self, coding: Coding) -> bool:
        """`qualifying_q` and the AND / OR terms, for a coding already in memory."""
        criteria = self.criteria
        coded = timezone.localtime(coding.created_at).date()
        return (
            (coding.code_id not in self.tree.study_codes or coding.code_id in self.tree.aliases)
            and (
                coding.coder_id == criteria.coder_id
                if criteria.coder_id
                else coding.coder.get_username() != CONSENSUS_USERNAME
            )
            and (not criteria.coded_from or coded >= criteria.coded_from)
            and (not criteria.coded_to or coded <= criteria.coded_to)
            and (
                not criteria.valences
                or self.tree.valence_of(coding.code_id, coding.valence) in criteria.valences
            )
            and (not criteria.has_code_terms or coding.code_id in self.positive_code_set)
        )

    @cached_property
    def positive_code_set(self) -> frozenset[int]:
        return frozenset(self.positive_codes())

    def positive_codes(self) -> list[int]:
        found: list[int] = []
        for code_id in (*self.criteria.all_codes, *self.criteria.any_codes):
            found.extend(self.codes(code_id))
        return found

    def scoped_codings(self, *, transcript_ids: list[int] | None = None) -> QuerySet[Coding]:
        """Every coding the analysis counts (the matrix's input): in scope, on passages that qualify.

        With `transcript_ids` (the project's), the project is named by literal ids of its codes and interviews
        rather than by a join to its cases: the planner then estimates from the columns' statistics and reads
        only this project's passages, instead of walking cases → interviews → passages → codings through
        indexes (3× slower at 450k codings) or scanning every project's passages.
        """
        if transcript_ids is None:
            return Coding.objects.filter(self.passage_q("segment__"), self.coding_q())
        return Coding.objects.filter(
            self.passage_q("segment__", project=False),
            self.coding_q(),
            code_id__in=self.tree.counted_ids,
            segment__transcript_id__in=transcript_ids,
        )

    def segments(self) -> QuerySet[Segment]:
        """The passages matching the criteria."""
        criteria = self.criteria
        segments = Segment.objects.filter(self.passage_q(""))
        here = Coding.objects.filter(segment=OuterRef("pk"))
        qualifying = here.filter(self.qualifying_q())
        for code_id in criteria.all_codes:
            segments = segments.filter(Exists(qualifying.filter(code_id__in=self.codes(code_id))))
        if criteria.any_codes:
            codes = [c for code_id in criteria.any_codes for c in self.codes(code_id)]
            segments = segments.filter(Exists(qualifying.filter(code_id__in=codes)))
        if not criteria.has_code_terms:
            # Without code terms a passage still needs one coding in scope (and of the valence asked for).
            segments = segments.filter(Exists(qualifying))
        scoped = here.filter(self.coding_q())
        for code_id in criteria.not_codes:
            segments = segments.exclude(Exists(scoped.filter(code_id__in=self.codes(code_id))))
        in_interview = Coding.objects.filter(segment__transcript_id=OuterRef("transcript_id")).filter(
            self.coding_q()
        )
        for code_id in criteria.in_transcripts_with:
            segments = segments.filter(Exists(in_interview.filter(code_id__in=self.codes(code_id))))
        return segments

    def codings(self) -> QuerySet[Coding]:
        """The codings an export lists: those of the matching passages that qualify, and belong to the AND /
        OR terms when there are any (a passage found by "Data ownership" exports its Data ownership row).

        The conditions of `segments`, put to each coding's own passage (EXISTS on its segment) rather than as
        "segment IN (matching passages)", which the planner joins badly once passages number thousands.
        """
        criteria = self.criteria
        codings = Coding.objects.filter(self.passage_q("segment__"), self.qualifying_q())
        same_passage = Coding.objects.filter(segment_id=OuterRef("segment_id"))
        qualifying = same_passage.filter(self.qualifying_q())
        if criteria.has_code_terms:
            codings = codings.filter(code_id__in=self.positive_codes())
        for code_id in criteria.all_codes:
            codings = codings.filter(Exists(qualifying.filter(code_id__in=self.codes(code_id))))
        if criteria.any_codes and criteria.all_codes:
            codes = [c for code_id in criteria.any_codes for c in self.codes(code_id)]
            codings = codings.filter(Exists(qualifying.filter(code_id__in=codes)))
        scoped = same_passage.filter(self.coding_q())
        for code_id in criteria.not_codes:
            codings = codings.exclude(Exists(scoped.filter(code_id__in=self.codes(code_id))))
        in_interview = Coding.objects.filter(
            segment__transcript_id=OuterRef("segment__transcript_id")
        ).filter(self.coding_q())
        for code_id in criteria.in_transcripts_with:
            codings = codings.filter(Exists(in_interview.filter(code_id__in=self.codes(code_id))))
        return codings


def select(*, project: Project, criteria: Criteria, tree: CodeTree) -> Selection:
    return Selection(project=project, criteria=criteria, tree=tree)


def describe_criteria(*, facets: Facets, criteria: Criteria) -> str:
    """The criteria in words, complete: what a retrieval page, report or export says it selected by, so that
    evidence pasted into a paper carries how it was chosen ("all of these codes (AND): Determinants › Data
    ownership; valence − pushes apart; not in cases City Y")."""
    paths = facets.tree.by_id

    def codes(ids: tuple[int, ...]) -> str:
        return ", ".join(paths[pk].path if pk in paths else f"code {pk}" for pk in ids)

    parts = []
    if criteria.all_codes:
        parts.append(f"all of these codes (AND): {codes(criteria.all_codes)}")
    if criteria.any_codes:
        parts.append(f"any of these codes (OR): {codes(criteria.any_codes)}")
    if criteria.not_codes:
        parts.append(f"none of these codes (NOT): {codes(criteria.not_codes)}")
    if criteria.has_code_terms or criteria.not_codes:
        parts.append(
            "each code with the codes beneath it" if criteria.subcodes else "only the codes themselves"
        )
    if criteria.in_transcripts_with:
        parts.append(f"in interviews that carry each of: {codes(criteria.in_transcripts_with)}")
    if criteria.valences:
        labels = dict(Valence.choices)
        parts.append("valence " + " or ".join(str(labels.get(v, v)) for v in criteria.valences))
    if criteria.cases or criteria.not_cases:
        names = {case.pk: case.name for case in facets.cases}
        if criteria.cases:
            parts.append("in cases " + ", ".join(names.get(pk, str(pk)) for pk in criteria.cases))
        if criteria.not_cases:
            parts.append("not in cases " + ", ".join(names.get(pk, str(pk)) for pk in criteria.not_cases))
    for condition in criteria.where:
        values = " or ".join(sorted(facets.label(condition.dimension.key, key) for key in condition.keys))
        parts.append(f"{condition.dimension.label} is {values}")
    if criteria.coder_id and criteria.coder_id == facets.own_coder_id:
        name = facets.coder_names.get(criteria.coder_id, criteria.coder_id)
        parts.append(f"your codings only (blind coding: coded by {name})")
    else:
        parts.extend(describe_layer(facets=facets, coder_id=criteria.coder_id))
    if criteria.coded_from or criteria.coded_to:
        start = criteria.coded_from.isoformat() if criteria.coded_from else "the start"
        end = criteria.coded_to.isoformat() if criteria.coded_to else "today"
        parts.append(f"coded from {start} to {end}")
    if criteria.text:
        parts.append(f"text contains “{criteria.text}”")
    if criteria.within is not None:
        inner = describe_criteria(facets=facets, criteria=criteria.within)
        parts.append(f"within the passages of the saved query “{criteria.within_name}” ({inner})")
    return "; ".join(parts) if parts else "every coding of the project"


def describe_layer(*, facets: Facets, coder_id: int | None) -> list[str]:
    """Whose codings are counted, in words: nothing to say when a project without a consensus layer counts
    everyone's."""
    if coder_id and facets.consensus is not None and coder_id == facets.consensus.pk:
        return ["the consensus layer (adjudicated codings) only"]
    if coder_id:
        return [f"coded by {facets.coder_names.get(coder_id, coder_id)}"]
    if facets.consensus is not None:
        return ["coded by every coder (the consensus layer not counted)"]
    return []


# Quotations as a reader sees them ---------------------------------------------------------------------------


def citation(*, case: str, respondent: str, title: str) -> str:
    """A ready-to-paste source for a quotation, such as "(City X, respondent R07)"."""
    return f"({case}, respondent {respondent})" if respondent else f"({case}, {title})"


@dataclass
class Quotation:
    segment: Segment
    codings: list[Coding] = field(default_factory=list)
    speaker: str = ""
    paragraph: int = 0
    workspace_url: str = ""

    @property
    def citation(self) -> str:
        transcript = self.segment.transcript
        return citation(case=transcript.case.name, respondent=transcript.respondent, title=transcript.title)


# What a listed quotation shows of each coding and `Selection.qualifies` reads: the code's name and colour,
# the coder's name, the effect and the date; none of the code's guidance or the accounts' other details.
QUOTED_CODING_FIELDS = (
    "segment_id",
    "valence",
    "created_at",
    "code__name",
    "code__colour",
    "coder__username",
    "coder__profile__display_name",
)


def quotations(
    *, project: Project, segments: list[Segment], selection: Selection | None = None
) -> list[Quotation]:
    """The passages with their codings, speaker, paragraph and workspace link: three queries for any number.

    `segments` must come as `ordered_segments` gives them: with `transcript__case` selected and the speaker
    labels around them named. With a selection, the codings that qualify for it are marked
    (`coding.matched`), so a drill-down shows why a passage is listed.
    """
    if not segments:
        return []
    by_segment: dict[int, Quotation] = {segment.pk: Quotation(segment) for segment in segments}
    codings = (
        Coding.objects.visible_to(getattr(project, "membership", None))
        .filter(segment_id__in=by_segment)
        .select_related("code", "coder__profile")
        .only(*QUOTED_CODING_FIELDS)
        .order_by("code__position", "code__name", "pk")
    )
    tree = selection.tree if selection is not None else None
    for coding in codings:
        coding.matched = selection is not None and selection.qualifies(coding)
        if tree is not None and coding.code_id in tree.aliases:  # a study's code, shown as what it counts as
            coding.counted_as = tree.by_id[tree.aliases[coding.code_id]]
            coding.study_name = tree.study_codes[coding.code_id].study.name
            coding.valence = tree.valence_of(coding.code_id, coding.valence)
        by_segment[coding.segment_id].codings.append(coding)
    transcript_ids = {segment.transcript_id for segment in segments}
    texts = dict(Transcript.objects.filter(pk__in=transcript_ids).values_list("pk", "text"))
    labels = labels_by_id({pk for s in segments for pk in (s.label_before, s.label_after) if pk is not None})
    locators = {pk: Locator(text) for pk, text in texts.items()}
    for quotation in by_segment.values():
        segment = quotation.segment
        text = texts[segment.transcript_id]
        before, after = labels.get(segment.label_before), labels.get(segment.label_after)
        quotation.speaker = speaker_at(text, segment.start, before, after)
        quotation.paragraph = locators[segment.transcript_id].paragraph(segment.start)
        quotation.workspace_url = (
            reverse("coding:workspace", args=[project.pk, segment.transcript_id]) + f"#s{segment.pk}"
        )
    return list(by_segment.values())


# As many quotations as a reader scans before turning a page, as other QDA tools show them; every page
# costs a request, whatever it holds.
QUOTATIONS_PER_PAGE = 50


def quotation_page(*, selection: Selection, page_number, per_page: int) -> tuple[Page, list[Quotation]]:
    """One page of the selection's passages in reading order, as quotations, for every list of them.

    The page is found by a narrow query, the passages' ids in reading order with the total beside them (a
    window count), so the sort that OFFSET needs carries only ids, and the speaker labels are looked up for
    the passages shown rather than for every one before them; a second query reads those passages. Page
    numbers behave as `Paginator.get_page`'s: anything but a number is the first page, past the end the last.
    """
    segments = selection.segments()
    number = _page_number(page_number)
    ids, total = _page_of_ids(segments, number, per_page)
    if not ids and number > 1:  # past the end: the last page, as get_page gives
        total = segments.count()
        number = max(1, -(-total // per_page))
        ids, total = _page_of_ids(segments, number, per_page)
    paginator = Paginator((), per_page)
    paginator.count = total  # a cached property: the window counted it
    page = paginator.page(number)  # 1 when nothing matches: the fallback above makes it so
    found = {segment.pk: segment for segment in ordered_segments(Segment.objects.filter(pk__in=ids))}
    page.object_list = [found[pk] for pk in ids]
    return page, quotations(project=selection.project, segments=page.object_list, selection=selection)


def _page_number(raw) -> int:
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 1


def _page_of_ids(segments: QuerySet[Segment], number: int, per_page: int) -> tuple[list[int], int]:
    """The ids on page `number` in reading order, and how many passages there are in all (0 when none)."""
    offset = (number - 1) * per_page
    rows = list(
        segments.annotate(total=Window(Count("pk")))
        .order_by(*READING_ORDER)
        .values_list("pk", "total")[offset : offset + per_page]
    )
    return [pk for pk, _ in rows], (rows[0][1] if rows else 0)


# What a listed quotation shows (`_quotations.html`, `Quotation.citation`): its text, number, memo and place,
# and its interview's title, respondent, role, language and case; not the interview's text.
LISTED_SEGMENT_FIELDS = (
    "number",
    "transcript_id",
    "start",
    "end",
    "quote",
    "memo",
    "transcript__title",
    "transcript__respondent",
    "transcript__respondent_role",
    "transcript__language",
    "transcript__case__name",
)

READING_ORDER = ("transcript__case__name", "transcript__title", "transcript_id", "start", "end", "pk")


def ordered_segments(segments: QuerySet[Segment]) -> QuerySet[Segment]:
    """Passages in reading order (case, interview, position) with what a list shows of them, each
    naming the speaker labels around its start (`label_before`, `label_after`), which decide its speaker."""
    label_before, label_after = labels_around(transcript="transcript_id", offset="start")
    return (
        segments.select_related("transcript__case")
        .only(*LISTED_SEGMENT_FIELDS)
        .annotate(label_before=label_before, label_after=label_after)
        .order_by(*READING_ORDER)
    )
