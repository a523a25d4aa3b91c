"""Forms of the analysis pages (matrix, co-occurrence, retrieval) and their exports.

All are GET forms: a matrix or a search is a URL a PI can bookmark and send. Their choices come from the
project's `Facets`, loaded once per request, so a code, case, coder or attribute value from another project is
not a valid choice and validating costs no query of its own.
"""

from dataclasses import replace

from django import forms
from django.http import QueryDict
from django.utils.http import urlencode

from codebook.models import Framework, Level
from coding.analysis.matrix import TOTAL, VALUE_PREFIX, Measure, Spec, counted_criteria
from coding.analysis.retrieval import MAX_TEXT, NO_VALUE, Condition, Criteria, Facets
from coding.models import SavedQuery, Valence

DATE = forms.DateInput(attrs={"type": "date"})
MAX_COOCCURRENCE_CODES = 60
# Codes one AND / OR / NOT clause may name: each is a condition of its own in the query, and a sub-code tree
# is asked for by ticking its parent (sub-codes included), not by listing every code of it.
MAX_CLAUSE_CODES = 20


def code_choices(facets: Facets) -> list[tuple[int, str]]:
    return [(code.pk, f"{'  ' * code.depth}{code.name}") for code in facets.tree.codes]


class CodePicker(forms.SelectMultiple):
    """A multiple select of the codebook's codes whose options carry each code's path and depth:
    static/js/codepicker.js turns it into a searchable tree with chips; without JavaScript it stays a
    select."""

    def __init__(self, attrs=None):
        super().__init__({"data-code-picker": "", **(attrs or {})})
        self.tree = None

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        code = self.tree.by_id.get(int(value)) if self.tree is not None and str(value).isdigit() else None
        if code is not None:
            option["attrs"].update(
                {"data-name": code.name, "data-path": code.path, "data-depth": str(code.depth)}
            )
        return option


def use_code_picker(form: forms.Form, facets: Facets, *names: str) -> None:
    """Gives the fields `names` the code picker, over the project's tree and with the codes as choices."""
    choices = code_choices(facets)
    for name in names:
        field = form.fields[name]
        field.widget = CodePicker()
        field.widget.tree = facets.tree
        field.choices = choices


def case_choices(facets: Facets) -> list[tuple[int, str]]:
    return [(case.pk, case.name) for case in facets.cases]


def coder_choices(facets: Facets) -> list:
    layer = [(facets.consensus.pk, "Consensus layer")] if facets.consensus is not None else []
    return [("", "Everyone"), *layer, *facets.coder_names.items()]


def where_choices(facets: Facets) -> list:
    groups = []
    for dimension in facets.dimensions.values():
        values = facets.values.get(dimension.key, [])
        if values:
            groups.append(
                (dimension.label, [(f"{dimension.key}:{value.key}", value.label) for value in values])
            )
    return groups


class ScopeForm(forms.Form):
    """What every analysis counts: whose codings, coded when, in which interviews."""

    coder = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    coded_from = forms.DateField(required=False, widget=DATE, label="Coded from")
    coded_to = forms.DateField(required=False, widget=DATE, label="Coded until")
    where = forms.MultipleChoiceField(
        required=False,
        label="Interviews where",
        help_text="Values of one attribute are alternatives (or); different attributes all apply (and).",
    )
    within = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Within saved query",
        help_text="Counts only the passages the saved query finds.",
    )

    def __init__(self, data=None, *, facets: Facets, **kwargs):
        super().__init__(data, **kwargs)
        self.facets = facets
        # Choices are callables: a field left empty is valid without them, so the members, attribute values
        # and saved queries are read only for a page that shows the form or a filter that names one.
        if facets.own_coder_id is not None:
            # Blind coding: the only coder there is to choose. Another's id in the URL is an invalid choice.
            self.fields["coder"].choices = [(facets.own_coder_id, "Your codings only (blind coding)")]
        else:
            self.fields["coder"].choices = lambda: coder_choices(facets)
        self.fields["where"].choices = lambda: where_choices(facets)
        self.fields["within"].choices = lambda: [("", "Every passage"), *facets.saved_queries.items()]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("coded_from"), cleaned.get("coded_to")
        if start and end and start > end:
            self.add_error("coded_to", "The end of the date range is before its start.")
        if cleaned.get("within"):
            saved = SavedQuery.objects.filter(project=self.facets.project, pk=cleaned["within"]).first()
            form = None if saved is None else saved_query_form(saved, facets=self.facets)
            if form is None:
                self.add_error("within", "That saved query was deleted a moment ago.")
            elif form.is_valid():
                cleaned["within_criteria"], cleaned["within_name"] = form.criteria(), saved.name
            else:
                self.add_error("within", form.unusable)
        return cleaned

    def conditions(self) -> tuple[Condition, ...]:
        keys: dict[str, set[str]] = {}
        for choice in self.cleaned_data.get("where", []):
            dimension, _, key = choice.partition(":")
            keys.setdefault(dimension, set()).add(key)
        return tuple(
            Condition(self.facets.dimensions[dimension], frozenset(values))
            for dimension, values in keys.items()
        )

    def scope(self) -> dict:
        data = self.cleaned_data
        return {
            "coder_id": self.facets.own_coder_id or data.get("coder"),
            "coded_from": data.get("coded_from"),
            "coded_to": data.get("coded_to"),
            "where": self.conditions(),
            **(
                {
                    "within": data["within_criteria"],
                    "within_id": data["within"],
                    "within_name": data["within_name"],
                }
                if data.get("within_criteria")
                else {}
            ),
        }

    def chosen(self) -> list[str]:
        """What the form asks for, field by field in words: the one line that stands for the folded filters.
        A field left at a choice that means "no filter" ("Everyone", "All levels") is left out."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        words = []
        for bound in self:
            field, value = bound.field, self.cleaned_data.get(bound.name)
            if isinstance(field, forms.BooleanField):
                if value:
                    words.append(str(field.label))
                continue
            choices = getattr(field, "choices", None)
            if choices is None:
                if value not in (None, ""):
                    words.append(f"{bound.label}: {value}")
                continue
            labels = {}
            for key, label in choices:
                if isinstance(label, list | tuple):  # a group of choices
                    labels.update({str(k): f"{key} {inner}" for k, inner in label})
                else:
                    labels[str(key)] = str(label).strip()
            values = value if isinstance(value, list) else [value]
            values = [str(v) for v in values if v not in (None, "")]
            if not values:
                first = next(iter(labels), None)
                if isinstance(field, forms.MultipleChoiceField) or first in (None, ""):
                    continue  # the empty choice, which filters nothing
                values = [first]
            words.append(f"{bound.label}: {', '.join(labels.get(v, v) for v in values)}")
        return words

    def query(self, **changes) -> str:
        """This form's submitted values as a query string, with `changes` applied (None removes a field)."""
        data = QueryDict(mutable=True)
        if self.is_bound:
            for name in self.fields:
                values = [v for v in self.data.getlist(name) if v != ""]
                if values:
                    data.setlist(name, values)
        for name, value in changes.items():
            data.pop(name, None)
            if value is not None:
                data.setlist(name, value if isinstance(value, list) else [value])
        return data.urlencode()


class RowsMixin(forms.Form):
    framework = forms.ChoiceField(choices=[("", "All frameworks"), *Framework.choices], required=False)
    level = forms.ChoiceField(choices=[("", "All levels"), *Level.choices], required=False)
    depth = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        required=False,
        label="Tree depth",
        choices=[("", "Every level of the tree"), (1, "Top level"), (2, "Two levels"), (3, "Three levels")],
    )


class MatrixForm(RowsMixin, ScopeForm):
    measure = forms.ChoiceField(choices=Measure.choices, required=False)
    columns = forms.ChoiceField(required=False)
    view = forms.ChoiceField(
        choices=[("counts", "Counts"), ("valence", "Valence: + / − / net")], required=False
    )
    hide_empty = forms.BooleanField(required=False, label="Hide rows without codings")

    field_order = ["measure", "columns", "view", "framework", "level", "depth", "hide_empty"]

    def __init__(self, *args, facets: Facets, **kwargs):
        super().__init__(*args, facets=facets, **kwargs)
        self.fields["columns"].choices = [(key, d.label) for key, d in facets.dimensions.items()]

    def spec(self) -> Spec:
        data = self.cleaned_data
        return Spec(
            dimension=self.facets.dimensions[data.get("columns") or "case"],
            measure=data.get("measure") or Measure.SEGMENTS,
            valence=data.get("view") == "valence",
            criteria=Criteria(**self.scope()),
            framework=data.get("framework", ""),
            level=data.get("level", ""),
            depth=data.get("depth"),
            hide_empty=data.get("hide_empty", False),
        )

    def excerpt_query(self) -> str | None:
        """The retrieval (and excerpt export) of every coding this matrix counts; None if it counts none."""
        counted = counted_criteria(tree=self.facets.tree, spec=self.spec())
        return None if counted is None else criteria_query(counted)


class CellForm(MatrixForm):
    """A matrix cell to drill into: the row's code (or 0 for "any code"), the column, and + or −."""

    node = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    col = forms.CharField(required=False)
    sign = forms.ChoiceField(
        choices=[("", "Any"), *[(v, label) for v, label in Valence.choices if v != Valence.NONE]],
        required=False,
    )

    def __init__(self, *args, facets: Facets, **kwargs):
        super().__init__(*args, facets=facets, **kwargs)
        self.fields["node"].choices = [(0, "Any code"), *code_choices(facets)]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("node") is None:
            self.add_error("node", "Choose a cell of the matrix: its code is missing.")
        column = cleaned.get("col", "")
        dimension = self.facets.dimensions.get(cleaned.get("columns") or "case")
        if column == TOTAL:
            cleaned["column_key"] = None
        elif column.startswith(VALUE_PREFIX) and dimension is not None:
            key = column.removeprefix(VALUE_PREFIX)
            known = {value.key for value in self.facets.values.get(dimension.key, [])} | {NO_VALUE}
            if key not in known:
                self.add_error("col", f"“{key}” is not a value of {dimension.label}.")
            cleaned["column_key"] = key
        else:
            self.add_error("col", "Choose a cell of the matrix: its column is missing.")
        if not self.errors and counted_criteria(tree=self.facets.tree, spec=self.spec()) is None:
            self.add_error("node", "No code of the codebook is a row of this matrix.")
        return cleaned

    def criteria(self) -> Criteria:
        """The quotations behind the cell: what the matrix counts, in the cell's column, of the row's code
        (and sub-codes) and sign."""
        data = self.cleaned_data
        spec = self.spec()
        counted = counted_criteria(tree=self.facets.tree, spec=spec)
        where = list(counted.where)
        if data["column_key"] is not None:
            where.append(Condition(spec.dimension, frozenset({data["column_key"]})))
        return replace(
            counted,
            any_codes=(data["node"],) if data["node"] else counted.any_codes,
            where=tuple(where),
            valences=(data["sign"],) if data.get("sign") else counted.valences,
        )

    def title(self) -> str:
        data = self.cleaned_data
        code = self.facets.tree.by_id.get(data["node"])
        column = (
            "all columns"
            if data["column_key"] is None
            else self.facets.label(self.spec().dimension.key, data["column_key"])
        )
        sign = f" · {Valence(data['sign']).label}" if data.get("sign") else ""
        return f"{code.name if code else 'Any code'} × {column}{sign}"

    def retrieval_query(self) -> str:
        """The same quotations on the retrieval page (and its exports)."""
        return criteria_query(self.criteria())


def criteria_query(criteria: Criteria) -> str:
    """Criteria as the query string of the retrieval page and its exports (`RetrievalForm` reads it back)."""
    params: list[tuple[str, str]] = []
    for name, codes in (("all_codes", criteria.all_codes), ("any_codes", criteria.any_codes)):
        params += [(name, str(code)) for code in codes]
    params += [("not_codes", str(code)) for code in criteria.not_codes]
    if not criteria.subcodes:
        params.append(("subcodes", "no"))
    params += [("case", str(pk)) for pk in criteria.cases]
    params += [("not_case", str(pk)) for pk in criteria.not_cases]
    params += [("valence", valence) for valence in criteria.valences]
    for condition in criteria.where:
        params += [("where", f"{condition.dimension.key}:{key}") for key in sorted(condition.keys)]
    if criteria.coder_id:
        params.append(("coder", str(criteria.coder_id)))
    if criteria.coded_from:
        params.append(("coded_from", criteria.coded_from.isoformat()))
    if criteria.coded_to:
        params.append(("coded_to", criteria.coded_to.isoformat()))
    if criteria.text:
        params.append(("text", criteria.text))
    if criteria.within_id:
        params.append(("within", str(criteria.within_id)))
    return urlencode(params)


class RetrievalForm(ScopeForm):
    """Passages by their codes (AND / OR / NOT), narrowed by case, attribute, coder, valence and text."""

    all_codes = forms.TypedMultipleChoiceField(coerce=int, required=False, label="All of these codes (AND)")
    any_codes = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Any of these codes (OR)")
    not_codes = forms.TypedMultipleChoiceField(coerce=int, required=False, label="None of these codes (NOT)")
    subcodes = forms.ChoiceField(
        choices=[("yes", "A code includes the codes beneath it"), ("no", "Only the code itself")],
        required=False,
        label="Sub-codes",
    )
    case = forms.TypedMultipleChoiceField(coerce=int, required=False, label="In cases")
    not_case = forms.TypedMultipleChoiceField(coerce=int, required=False, label="Not in cases")
    valence = forms.MultipleChoiceField(
        choices=Valence.choices,
        required=False,
        help_text="Of the codings found by AND / OR: “Data ownership” and “− pushes apart” finds passages "
        "coded negative for data ownership.",
    )
    text = forms.CharField(max_length=MAX_TEXT, required=False, label="Passage contains")

    field_order = ["all_codes", "any_codes", "not_codes", "subcodes", "valence", "case", "not_case", "text"]

    def __init__(self, *args, facets: Facets, **kwargs):
        super().__init__(*args, facets=facets, **kwargs)
        use_code_picker(self, facets, "all_codes", "any_codes", "not_codes")
        self.fields["case"].choices = lambda: case_choices(facets)
        self.fields["not_case"].choices = lambda: case_choices(facets)

    def clean(self):
        cleaned = super().clean()
        for name in ("all_codes", "any_codes", "not_codes"):
            if len(cleaned.get(name, [])) > MAX_CLAUSE_CODES:
                self.add_error(
                    name,
                    f"Choose at most {MAX_CLAUSE_CODES} codes here ({len(cleaned[name])} were chosen): pick "
                    "a parent code instead, with “A code includes the codes beneath it”.",
                )
        positive = set(cleaned.get("all_codes", [])) | set(cleaned.get("any_codes", []))
        both = positive & set(cleaned.get("not_codes", []))
        if both:
            names = ", ".join(sorted(self.facets.tree.by_id[pk].name for pk in both))
            self.add_error("not_codes", f"A code cannot be both wanted and excluded: {names}.")
        overlap = set(cleaned.get("case", [])) & set(cleaned.get("not_case", []))
        if overlap:
            self.add_error("not_case", "A case cannot be both included and excluded.")
        return cleaned

    def criteria(self) -> Criteria:
        data = self.cleaned_data
        return Criteria(
            all_codes=tuple(data.get("all_codes", [])),
            any_codes=tuple(data.get("any_codes", [])),
            not_codes=tuple(data.get("not_codes", [])),
            subcodes=data.get("subcodes") != "no",
            cases=tuple(data.get("case", [])),
            not_cases=tuple(data.get("not_case", [])),
            valences=tuple(data.get("valence", [])),
            text=data.get("text", ""),
            **self.scope(),
        )


class ExcerptExportForm(RetrievalForm):
    excel = forms.BooleanField(required=False, label="For Excel (adds a byte-order mark)")


class ReportForm(RetrievalForm):
    format = forms.ChoiceField(choices=[("html", "Printable page"), ("docx", "Word (DOCX)")], required=False)


class MatrixExportForm(MatrixForm):
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], required=False)
    excel = forms.BooleanField(required=False, label="CSV for Excel (adds a byte-order mark)")


class CooccurrenceForm(RowsMixin, ScopeForm):
    """Codes × codes: which codes share passages (or interviews)."""

    codes = forms.TypedMultipleChoiceField(
        coerce=int, required=False, help_text="Leave empty to use the framework, level and tree depth."
    )
    unit = forms.ChoiceField(
        choices=[("segments", "Passages coded with both"), ("transcripts", "Interviews mentioning both")],
        required=False,
        label="Count",
    )

    field_order = ["unit", "codes", "framework", "level", "depth"]

    def __init__(self, *args, facets: Facets, **kwargs):
        super().__init__(*args, facets=facets, **kwargs)
        use_code_picker(self, facets, "codes")
        self.fields["depth"].choices = [
            ("", "Top two levels"),
            (1, "Top level"),
            (3, "Three levels"),
            (99, "Every level"),
        ]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            count = len(self.nodes())
            if count > MAX_COOCCURRENCE_CODES:
                raise forms.ValidationError(
                    f"That is {count} codes; choose at most {MAX_COOCCURRENCE_CODES} "
                    "(pick codes, a framework, a level or fewer levels of the tree)."
                )
        return cleaned

    def nodes(self) -> list[int]:
        data = self.cleaned_data
        if data.get("codes"):
            chosen = set(data["codes"])
            return [code.pk for code in self.facets.tree.codes if code.pk in chosen]
        depth = data.get("depth") or 2
        return [
            code.pk
            for code in self.facets.tree.codes
            if code.depth < depth
            and (not data.get("framework") or code.framework == data["framework"])
            and (not data.get("level") or code.level == data["level"])
        ]

    def criteria(self) -> Criteria:
        return Criteria(**self.scope())


class CooccurrenceCellForm(CooccurrenceForm):
    a = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)
    b = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)

    def __init__(self, *args, facets: Facets, **kwargs):
        super().__init__(*args, facets=facets, **kwargs)
        self.fields["a"].choices = code_choices(facets)
        self.fields["b"].choices = code_choices(facets)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("a") is None or cleaned.get("b") is None:
            raise forms.ValidationError("Choose a cell of the co-occurrence table: two codes are needed.")
        return cleaned

    def cell_criteria(self) -> Criteria:
        """Passages with both codes; for interviews, passages with either code in interviews with both."""
        data = self.cleaned_data
        pair = tuple(dict.fromkeys((data["a"], data["b"])))
        scope = self.scope()
        if data.get("unit") == "transcripts":
            return Criteria(any_codes=pair, in_transcripts_with=pair, **scope)
        return Criteria(all_codes=pair, **scope)

    def retrieval_query(self) -> str:
        """The same passages on the retrieval page, where it can say so: passages with both codes. (Interviews
        with both have no retrieval term.)"""
        if self.cleaned_data.get("unit") == "transcripts":
            return ""
        return criteria_query(self.cell_criteria())

    def title(self) -> str:
        by_id = self.facets.tree.by_id
        return f"{by_id[self.cleaned_data['a']].name} × {by_id[self.cleaned_data['b']].name}"


# Saved queries ---------------------------------------------------------------------------------------------

# The retrieval's own fields that a saved query keeps: everything it selects by, not its page or its scope.
SAVED_FIELDS = (
    "all_codes",
    "any_codes",
    "not_codes",
    "subcodes",
    "valence",
    "case",
    "not_case",
    "where",
    "text",
    "coder",
    "coded_from",
    "coded_to",
)


def saved_fields(form: "RetrievalForm") -> dict[str, list[str]]:
    """A valid retrieval form's submitted values as a saved query keeps them: field → values, by id."""
    return {
        name: [v for v in form.data.getlist(name) if v != ""] for name in SAVED_FIELDS if form.data.get(name)
    }


def saved_labels(form: "RetrievalForm") -> dict[str, dict[str, str]]:
    """The names of the codes and cases a retrieval names, to say which one a saved query lost later."""
    data, facets = form.cleaned_data, form.facets
    codes = {*data.get("all_codes", []), *data.get("any_codes", []), *data.get("not_codes", [])}
    cases = {*data.get("case", []), *data.get("not_case", [])}
    names = {case.pk: case.name for case in facets.cases}
    return {
        "codes": {str(pk): facets.tree.by_id[pk].path for pk in sorted(codes)},
        "cases": {str(pk): names[pk] for pk in sorted(cases)},
    }


class SavedQueryForm(forms.Form):
    """A saved query's name (unique in the project whatever the letter case: `saved_queries` checks)."""

    name = forms.CharField(max_length=200, strip=True)


def saved_query_form(saved: SavedQuery, *, facets: Facets) -> "RetrievalForm":
    """The retrieval form of a saved query, bound to what it keeps. Not valid when something it names is gone:
    `form.unusable` then says what, and how to mend it."""
    data = QueryDict(mutable=True)
    for name, values in saved.fields.items():
        if name in SAVED_FIELDS:
            data.setlist(name, [str(value) for value in values])
    form = RetrievalForm(data, facets=facets)
    form.unusable = ""
    if not form.is_valid():
        lost = [
            f"the code “{path}”"
            for pk, path in saved.labels.get("codes", {}).items()
            if int(pk) not in facets.tree.by_id
        ]
        known = {case.pk for case in facets.cases}
        lost += [
            f"the case “{name}”" for pk, name in saved.labels.get("cases", {}).items() if int(pk) not in known
        ]
        what = ", ".join(lost) if lost else "something it selects by (a coder, attribute value or date)"
        form.unusable = (
            f"The saved query “{saved.name}” names {what}, deleted since; it is not run, because leaving it "
            "out would change what the query finds. Open it in the retrieval, choose again and save it anew."
        )
    return form
