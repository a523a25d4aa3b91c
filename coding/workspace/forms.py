from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from cases.models import Project
from cases.refusals import Refused
from codebook.changes import create_code
from codebook.models import Code, Framework, Level
from coding.models import Valence


class SpanForm(forms.Form):
    start = forms.IntegerField(min_value=0)
    end = forms.IntegerField(min_value=1)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None and start >= end:
            raise forms.ValidationError("A quotation must end after it starts.")
        return cleaned


class ApplyForm(SpanForm):
    """Codes a selection with existing codes and/or a new open (in-vivo) code."""

    codes = forms.ModelMultipleChoiceField(queryset=Code.objects.none(), required=False)
    valence = forms.ChoiceField(choices=Valence.choices, required=False)
    new_code = forms.CharField(max_length=200, required=False, strip=True)
    new_code_parent = forms.ModelChoiceField(queryset=Code.objects.none(), required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        # Only this project's codes: an id from another project fails validation like any unknown id.
        self.fields["codes"].queryset = project.codes.filter(is_codable=True)
        self.fields["new_code_parent"].queryset = project.codes.all()

    def clean_valence(self):
        return self.cleaned_data.get("valence") or Valence.NONE

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("new_code")
        if not cleaned.get("codes") and not name and not self.errors:
            raise forms.ValidationError("Choose at least one code, or name a new one.")
        if name:
            parent = cleaned.get("new_code_parent")
            siblings = self.project.codes.filter(Q(parent=parent) if parent else Q(parent__isnull=True))
            existing = siblings.filter(name__iexact=name).first()
            if existing is not None and not existing.is_codable:
                self.add_error("new_code", f"“{existing.name}” is a category and cannot be applied.")
            cleaned["existing_new_code"] = existing
        return cleaned

    def new_code_instance(self, *, user) -> Code | None:
        """The in-vivo code to apply: the sibling of that name if it exists, else a new open code."""
        name = self.cleaned_data.get("new_code")
        if not name:
            return None
        if self.cleaned_data.get("existing_new_code"):
            return self.cleaned_data["existing_new_code"]
        parent = self.cleaned_data.get("new_code_parent")
        code = Code(
            project=self.project,
            parent=parent,
            name=name,
            level=Level.OPEN,
            framework=Framework.EMERGENT,
            colour=parent.colour if parent else "#fdd0a2",
        )
        try:
            return create_code(code=code, user=user)  # placed last among its siblings, and in the history
        except Refused as refusal:  # a sibling of that name appeared since the form was checked
            raise Refused(refusal.message) from refusal


class ValenceForm(forms.Form):
    valence = forms.ChoiceField(choices=Valence.choices)


class MemoForm(forms.Form):
    memo = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)


class WorkspaceFilterForm(forms.Form):
    """Which codings the text shows: some codes, only mine, or one coder's."""

    code = forms.ModelMultipleChoiceField(queryset=Code.objects.none(), required=False)
    coder = forms.ModelChoiceField(queryset=None, required=False, empty_label="Everyone")
    mine = forms.BooleanField(required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = project.codes.all()
        self.fields["coder"].queryset = get_user_model().objects.filter(memberships__project=project)
