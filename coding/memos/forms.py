"""The memo form (what it is about, title, text, linked quotations and codes) and the memo list's filters.

Every choice comes from the project: a case, transcript, code, relation or quotation of another project is
refused with a form error, never linked.
"""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from accounts.people import PersonChoiceField, by_name
from cases.models import Project
from codebook.forms import tree_choices
from codebook.models import Code
from coding.memos.listing import MemoFilters, target_label
from coding.models import MEMO_TARGET_MODELS, Memo, MemoTarget, quotation_id
from config.choice_fields import ModelChoiceField, ModelMultipleChoiceField

MAX_TEXT = 100_000
MAX_QUERY = 200
_QUOTATION = re.compile(r"^[Qq]?(\d{1,9})$")


def target_key(target) -> str:
    """The `about` value of a target: "project", "case:3", "relation:12"…"""
    kind = MEMO_TARGET_MODELS.get(type(target))
    return f"{kind}:{target.pk}" if kind else MemoTarget.PROJECT


class MemoForm(forms.Form):
    about = forms.ChoiceField(label="About")
    title = forms.CharField(max_length=200, required=False)
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), max_length=MAX_TEXT, label="Memo")
    codes = ModelMultipleChoiceField(
        queryset=Code.objects.none(),
        required=False,
        label="Codes it discusses",
        help_text="Hold Ctrl (⌘ on a Mac) to choose several.",
    )
    quotations = forms.CharField(
        required=False,
        max_length=2000,
        label="Quotations it discusses",
        help_text="Their numbers, e.g. Q3, Q12.",
    )

    def __init__(self, *args, project: Project, memo: Memo | None = None, **kwargs):
        if memo is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "about": target_key(memo.target),
                "title": memo.title,
                "text": memo.text,
                "codes": [code.pk for code in memo.codes.all()],
                "quotations": ", ".join(quotation_id(s.number) for s in memo.quotations.order_by("number")),
            }
        super().__init__(*args, **kwargs)
        self.project = project
        codes = project.codes.in_tree_order()
        self.targets = {MemoTarget.PROJECT: project}
        groups = [(MemoTarget.PROJECT, "The project")]

        def group(label: str, kind: str, objects, name) -> None:
            options = []
            for obj in objects:
                self.targets[f"{kind}:{obj.pk}"] = obj
                options.append((f"{kind}:{obj.pk}", name(obj)))
            if options:
                groups.append((label, options))

        group("Cases", MemoTarget.CASE, project.cases.order_by("name"), lambda case: case.name)
        group(
            "Transcripts",
            MemoTarget.TRANSCRIPT,
            project.transcripts.select_related("case").order_by("case__name", "title", "pk"),
            lambda transcript: f"{transcript.case.name} › {transcript.title}",
        )
        group("Codes", MemoTarget.CODE, codes, lambda code: "\u2003" * code.depth + code.name)
        group(
            "Relations",
            MemoTarget.RELATION,
            project.code_relations.select_related("source", "target").order_by("source__name", "kind", "pk"),
            lambda r: f"{r.source.name} {r.kind_label} {r.target.name}",
        )
        if memo is not None and memo.target_kind == MemoTarget.SEGMENT:
            # Quotations are written about in the workspace; a memo already on one can stay there.
            group("Quotations", MemoTarget.SEGMENT, [memo.segment], lambda s: target_label(memo))
        self.fields["about"].choices = groups
        self.fields["codes"].queryset = project.codes.all()
        self.fields["codes"].choices = tree_choices(codes)
        self.fields["codes"].widget.attrs["size"] = 8

    def written(self) -> dict:
        """The memo as `coding.memos.writing` takes it: target, title, text and links."""
        data = self.cleaned_data
        keys = ("title", "text", "quotations", "codes")
        return {"target": data["about"], **{key: data[key] for key in keys}}

    def clean_about(self):
        return self.targets[self.cleaned_data["about"]]  # ChoiceField checked it is one of them

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise forms.ValidationError("Write the memo's text.")
        return text

    def clean_quotations(self):
        wanted: dict[int, str] = {}
        for token in filter(None, re.split(r"[\s,;]+", self.cleaned_data["quotations"])):
            match = _QUOTATION.match(token)
            if not match:
                raise forms.ValidationError(f"“{token}” is not a quotation number such as Q12.")
            wanted[int(match[1])] = token
        found = {segment.number: segment for segment in self.project.segments.filter(number__in=wanted)}
        missing = [quotation_id(number) for number in wanted if number not in found]
        if missing:
            raise forms.ValidationError(
                f"This project has no quotation {', '.join(missing)}.", code="unknown_quotation"
            )
        return [found[number] for number in sorted(found)]


class MemoFilterForm(forms.Form):
    """The memo list's filters: a GET form, so a filtered list is a link to send."""

    q = forms.CharField(required=False, max_length=MAX_QUERY, label="Search memos")
    about = forms.ChoiceField(required=False, label="About", choices=[("", "Anything"), *MemoTarget.choices])
    author = PersonChoiceField(queryset=None, required=False, empty_label="Anyone", label="Author")
    code = ModelChoiceField(queryset=Code.objects.none(), required=False, label="Code")
    case = ModelChoiceField(queryset=None, required=False, empty_label="Any case", label="Case")

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["author"].queryset = (
            get_user_model()
            .objects.filter(  # members, and authors who have left
                Q(pk__in=project.memberships.values("user_id"))
                | Q(pk__in=Memo.objects.filter(project=project).values("author_id"))
            )
            .select_related("profile")
            .order_by(by_name(), "username")
        )
        self.fields["code"].queryset = project.codes.all()
        self.fields["code"].choices = tree_choices(project.codes.in_tree_order(), blank="Any code")
        self.fields["case"].queryset = project.cases.order_by("name")

    def filters(self) -> MemoFilters:
        data = self.cleaned_data
        return MemoFilters(
            kind=data["about"],
            author_id=data["author"].pk if data["author"] else None,
            code=data["code"],
            case=data["case"],
            query=data["q"].strip(),
        )
