from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from accounts.people import CONSENSUS_USERNAME, PersonChoiceField, by_name, display_name
from cases.models import Project, Transcript
from codebook.models import Code
from coding.models import Segment, Valence, hidden_by_blind_coding
from coding.workspace.actions import InVivo
from coding.workspace.page import count_here
from config.choice_fields import ModelChoiceField, ModelMultipleChoiceField


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
    """Codes a selection with existing codes and/or a new open (in-vivo) code.

    It checks what was sent; the in-vivo code is found or made by the apply itself (`actions.apply_codes`), in
    its transaction.
    """

    codes = ModelMultipleChoiceField(queryset=Code.objects.none(), required=False)
    valence = forms.ChoiceField(choices=Valence.choices, required=False)
    new_code = forms.CharField(max_length=200, required=False, strip=True)
    new_code_parent = ModelChoiceField(queryset=Code.objects.none(), required=False)

    def __init__(self, *args, project: Project, transcript: Transcript, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this project's codes: an id from another project fails validation like any unknown id. Each
        # comes with its count in the transcript, so the answer to a new quotation need not count again.
        here = Coalesce(
            count_here(OuterRef("pk"), transcript_id=transcript.pk, membership=project.membership), 0
        )
        self.fields["codes"].queryset = project.codes.filter(is_codable=True).annotate(here=here)
        # The page offers only codable codes of this codebook: an id not among them is one that was merged,
        # deleted or made a category since the page was drawn (or does not belong here at all).
        self.fields["codes"].error_messages["invalid_choice"] = (
            "A chosen code is not one you can apply any more (it was merged, deleted or made a category): "
            "reload to see the codebook as it is now."
        )
        self.fields["new_code_parent"].queryset = project.codes.all()

    def clean_valence(self):
        return self.cleaned_data.get("valence") or Valence.NONE

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("codes") and not cleaned.get("new_code") and not self.errors:
            raise forms.ValidationError("Choose at least one code, or name a new one.")
        return cleaned

    def in_vivo(self) -> InVivo | None:
        name = self.cleaned_data.get("new_code")
        return InVivo(name=name, parent=self.cleaned_data.get("new_code_parent")) if name else None


class ValenceForm(forms.Form):
    valence = forms.ChoiceField(choices=Valence.choices)


class MemoForm(forms.Form):
    memo = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)


class WorkspaceFilterForm(forms.Form):
    """Which codings the text shows: some codes, only mine, or one coder's. The consensus layer, once the
    project has one, is a choice of coder: its codings are shown only when it is chosen."""

    code = ModelMultipleChoiceField(queryset=Code.objects.none(), required=False)
    coder = PersonChoiceField(queryset=None, required=False, empty_label="Everyone")
    mine = forms.BooleanField(required=False)

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = project.codes.all()
        if hidden_by_blind_coding(project.membership):
            # Blind: there is no one else to choose, and naming another coder in the URL is an invalid choice.
            members = get_user_model().objects.filter(pk=project.membership.user_id)
            self.fields["coder"].empty_label = "Only mine (blind coding)"
        else:
            adjudicated = Exists(Segment.objects.filter(project=project, created_by=OuterRef("pk")))
            members = get_user_model().objects.filter(
                Q(memberships__project=project) | Q(adjudicated, username=CONSENSUS_USERNAME)
            )
        self.fields["coder"].queryset = members.select_related("profile").order_by(by_name(), "username")
        self.fields["coder"].label_from_instance = _coder_label


def _coder_label(user) -> str:
    return "Consensus layer" if user.get_username() == CONSENSUS_USERNAME else display_name(user)
