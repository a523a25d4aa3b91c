"""The disagreement view's choice of two coders, and an owner's decision on one difference."""

from django import forms

from accounts.people import display_name
from cases.models import Project
from coding.models import Decision
from config.choice_fields import ModelChoiceField

MAX_MEMO = 20_000


class PairForm(forms.Form):
    """Two of the coders who coded the transcript (the consensus layer is not one of them)."""

    a = forms.TypedChoiceField(coerce=int, label="Coder A")
    b = forms.TypedChoiceField(coerce=int, label="Coder B")

    def __init__(self, *args, coders: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.coders = {user.pk: user for user in coders}
        choices = [(user.pk, display_name(user)) for user in coders]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices
        for name in ("a", "b"):
            self.fields[name].error_messages["invalid_choice"] = (
                "Choose a coder who has coded this transcript."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("a") is not None and cleaned.get("a") == cleaned.get("b"):
            raise forms.ValidationError("Choose two different coders to compare.")
        return cleaned

    def pair(self) -> tuple:
        return self.coders[self.cleaned_data["a"]], self.coders[self.cleaned_data["b"]]


class DecisionForm(PairForm):
    """One difference (its code and extent) and what to accept of it."""

    code = ModelChoiceField(
        queryset=None, error_messages={"invalid_choice": "That code is not one of this project's."}
    )
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(
        choices=Decision.choices,
        error_messages={"invalid_choice": "Choose what to accept: A's codings, B's, both or neither."},
    )
    memo = forms.CharField(required=False, max_length=MAX_MEMO, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, coders: list, project: Project, **kwargs):
        super().__init__(*args, coders=coders, **kwargs)
        self.fields["code"].queryset = project.codes.all()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and start >= end:
            raise forms.ValidationError("A difference must end after it starts.")
        return cleaned
