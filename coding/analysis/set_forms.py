"""The form of an interview set: its name, kind and members, picked by hand and/or found by a filter."""

from django import forms

from cases.models import SetKind, Transcript
from coding.analysis.forms import where_choices
from coding.analysis.retrieval import SETS, Condition, Criteria, Facets, describe_criteria, select


class InterviewSetForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True)
    kind = forms.ChoiceField(choices=SetKind.choices, initial=SetKind.TRANSCRIPTS, label="A set of")
    cases = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Cases"
    )
    transcripts = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Interviews"
    )
    where = forms.MultipleChoiceField(
        required=False,
        label="Add every one where",
        help_text="Values of one attribute are alternatives (or); different attributes all apply (and). The "
        "interviews (or their cases) found now are added; the set does not change when attributes do.",
    )

    def __init__(self, data=None, *, facets: Facets, transcripts: list[Transcript], **kw):
        super().__init__(data, **kw)
        self.facets = facets
        self.fields["cases"].choices = [(case.pk, case.name) for case in facets.cases]
        self.fields["transcripts"].choices = [
            (t.pk, f"{t.title} · {t.case.name}{f' · {t.respondent}' if t.respondent else ''}")
            for t in transcripts
        ]
        # A set is not made from other sets.
        self.fields["where"].choices = [
            group for group in where_choices(facets) if not group[1][0][0].startswith(f"{SETS}:")
        ]

    def criteria(self) -> Criteria | None:
        keys: dict[str, set[str]] = {}
        for choice in self.cleaned_data.get("where", []):
            dimension, _, key = choice.partition(":")
            keys.setdefault(dimension, set()).add(key)
        if not keys:
            return None
        where = tuple(Condition(self.facets.dimensions[d], frozenset(v)) for d, v in keys.items())
        return Criteria(where=where)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        kind = cleaned["kind"]
        cases, transcripts = set(cleaned.get("cases", [])), set(cleaned.get("transcripts", []))
        criteria = self.criteria()
        cleaned["made_from"] = ""
        if criteria is not None:
            selection = select(project=self.facets.project, criteria=criteria, tree=self.facets.tree)
            found = Transcript.objects.filter(selection.interview_q("")).values_list("pk", "case_id")
            for pk, case_id in found:
                transcripts.add(pk)
                cases.add(case_id)
            cleaned["made_from"] = describe_criteria(facets=self.facets, criteria=criteria)
        cleaned["case_ids"] = sorted(cases) if kind == SetKind.CASES else []
        cleaned["transcript_ids"] = sorted(transcripts) if kind == SetKind.TRANSCRIPTS else []
        if not cleaned["case_ids"] and not cleaned["transcript_ids"]:
            what = "case" if kind == SetKind.CASES else "interview"
            raise forms.ValidationError(
                f"The set would be empty: tick at least one {what}, or choose values a filter finds."
            )
        return cleaned
