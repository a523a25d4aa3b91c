"""The agreement report's form: whom to compare, at which unit, over which transcripts, cases and codes.

A GET form, so a report is a URL to bookmark and send. Choices come from the project (its coders, codes, cases
and transcripts, loaded once per request), so an id from another project is a clear error, not a guess.
"""

from django import forms

from coding.agreement.units import Coder, Unit
from coding.analysis.forms import ScopeForm, code_choices
from coding.analysis.retrieval import Facets

MAX_CODERS = 8


def _unknown(what: str) -> dict:
    return {"invalid_choice": f"%(value)s is not {what} of this project."}


class AgreementForm(forms.Form):
    unit = forms.ChoiceField(choices=Unit.choices, required=False, initial=Unit.PARAGRAPHS)
    coders = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        error_messages=_unknown("a coder"),
        help_text="Two or more; leave empty for everyone with codings or assignments in the project.",
    )
    codes = forms.TypedMultipleChoiceField(
        coerce=int, required=False, error_messages=_unknown("a code"), help_text="Leave empty for every code."
    )
    cases = forms.TypedMultipleChoiceField(
        coerce=int, required=False, error_messages=_unknown("a case"), help_text="Leave empty for every case."
    )
    transcripts = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        error_messages=_unknown("a transcript"),
        help_text="Leave empty for every transcript of the chosen cases.",
    )
    overlap = forms.IntegerField(
        min_value=1,
        max_value=100,
        required=False,
        label="Overlap threshold (%)",
        help_text="Quotations unit: how much two quotations must overlap to agree.",
    )
    format = forms.ChoiceField(choices=[("csv", "CSV"), ("xlsx", "Excel (XLSX)")], required=False)
    excel = forms.BooleanField(required=False, label="CSV for Excel (adds a byte-order mark)")

    def __init__(self, data=None, *, facets: Facets, coders: list[Coder], transcripts: list, **kwargs):
        super().__init__(data, **kwargs)
        self.facets = facets
        self.coder_list = coders
        self.transcript_list = transcripts
        self.fields["coders"].choices = [(coder.pk, coder.name) for coder in coders]
        self.fields["codes"].choices = code_choices(facets)
        self.fields["cases"].choices = [(case.pk, case.name) for case in facets.cases]
        case_names = {case.pk: case.name for case in facets.cases}
        self.fields["transcripts"].choices = [
            (pk, f"{title} ({case_names.get(case_id, '')})") for pk, title, case_id in transcripts
        ]

    def clean(self):
        cleaned = super().clean()
        chosen = cleaned.get("coders")
        if chosen and len(set(chosen)) < 2:
            self.add_error("coders", "Choose two or more coders to compare.")
        elif len(set(chosen or self.coder_list)) > MAX_CODERS:
            self.add_error("coders", f"Choose at most {MAX_CODERS} coders to compare.")
        cases, transcripts = cleaned.get("cases"), cleaned.get("transcripts")
        if cases and transcripts:
            case_of = {pk: case_id for pk, _, case_id in self.transcript_list}
            outside = [pk for pk in transcripts if case_of[pk] not in set(cases)]
            if outside:
                self.add_error("transcripts", "Some chosen transcripts are not in the chosen cases.")
        return cleaned

    def spec(self) -> dict:
        """What `build_report` and `load_material` need, in the project's order."""
        data = self.cleaned_data
        chosen_coders = set(data.get("coders") or [])
        coders = [coder for coder in self.coder_list if not chosen_coders or coder.pk in chosen_coders]
        chosen_codes = set(data.get("codes") or [])
        codes = [code for code in self.facets.tree.codes if not chosen_codes or code.pk in chosen_codes]
        chosen_transcripts = set(data.get("transcripts") or [])
        chosen_cases = set(data.get("cases") or [])
        transcript_ids = [
            pk
            for pk, _, case_id in self.transcript_list
            if (not chosen_transcripts or pk in chosen_transcripts)
            and (not chosen_cases or case_id in chosen_cases)
        ]
        in_scope = {case_id for pk, _, case_id in self.transcript_list if pk in set(transcript_ids)}
        # A chosen case without transcripts is a row of zero units, not left out.
        cases = [case for case in self.facets.cases if case.pk in (chosen_cases or in_scope)]
        return {
            "unit": data.get("unit") or Unit.PARAGRAPHS,
            "coders": coders,
            "codes": codes,
            "cases": cases,
            "transcript_ids": transcript_ids,
            "overlap": data.get("overlap") or 50,
        }

    # The submitted values as a query string with `changes` applied, as every analysis form makes it.
    query = ScopeForm.query
