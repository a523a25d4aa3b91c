from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordMixin

from accounts.forms import ProfileForm
from cases.attributes import AttributeFormMixin
from cases.importing.extract import ACCEPTED_EXTENSIONS
from cases.invitations import username_for
from cases.models import (
    ASSIGNABLE_ROLES,
    AssignmentStatus,
    Attribute,
    AttributeTarget,
    Case,
    CaseAttributeValue,
    Invitation,
    Project,
    Role,
    Transcript,
    TranscriptAttributeValue,
)
from config.choice_fields import ModelChoiceField, ModelMultipleChoiceField

User = get_user_model()


def error_sentence(form: forms.BaseForm) -> str:
    """Every error of a bound form as one line, for answers that have no room for the form itself."""
    return " ".join(error for errors in form.errors.values() for error in errors)


class ProjectForm(forms.ModelForm):
    seed_icaf = forms.BooleanField(
        label="Seed with ICAF (participation dilemmas in cross-agency data sharing)", required=False
    )
    seed_ior = forms.BooleanField(
        label="Seed with IOR (inter-organisational relations and interagency data sharing)", required=False
    )

    class Meta:
        model = Project
        fields = ["name", "description"]


class ProjectEditForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description", "require_two_factor"]


class InvitationForm(forms.Form):
    """Whom to invite, with which role; `cases.invitations.invite` refuses members and waiting invitations."""

    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(choices=Role.choices, initial=Role.CODER)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class NewMemberForm(SetPasswordMixin, ProfileForm):
    """What a person new to Crosscase chooses when accepting an invitation: their display name and password.

    The username and address come from the invitation, never from the form.
    """

    password1, password2 = SetPasswordMixin.create_password_fields(label2="Password again")

    def __init__(self, *args, invitation: Invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].label = "Your name"
        self.fields["display_name"].widget.attrs.update(autocomplete="name")
        self.invitation = invitation

    def clean(self):
        cleaned = super().clean()
        self.validate_passwords()
        # The validators compare the password with the username and address the account will have.
        user = User(username=username_for(self.invitation.email), email=self.invitation.email)
        self.validate_password_for_user(user, password_field_name="password1")
        return cleaned


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class AssignmentsForm(forms.Form):
    """Ticked transcripts × ticked people, to assign or take back; only this project's transcripts, and only
    its members who code (coders and owners)."""

    transcript = ModelMultipleChoiceField(
        queryset=Transcript.objects.none(),
        error_messages={
            "required": "Tick at least one transcript.",
            "invalid_choice": "A ticked transcript is not one of this project's (it may have been deleted).",
            "invalid_pk_value": "A ticked transcript is not one of this project's.",
        },
    )
    coder = ModelMultipleChoiceField(
        queryset=User.objects.none(),
        error_messages={
            "required": "Tick at least one coder.",
            "invalid_choice": "Only the project's coders and owners can be given transcripts: a ticked "
            "person is not one of them.",
            "invalid_pk_value": "A ticked coder is not a member of this project.",
        },
    )
    action = forms.ChoiceField(choices=[("assign", "Assign"), ("unassign", "Take back")], initial="assign")

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transcript"].queryset = project.transcripts.defer("text")
        self.fields["coder"].queryset = User.objects.filter(
            memberships__project=project, memberships__role__in=ASSIGNABLE_ROLES
        ).select_related("profile")


class BlindCodingForm(forms.Form):
    """Starting blind coding needs nothing more; ending it shows every coder everyone's work, so it asks."""

    blind = forms.TypedChoiceField(
        choices=[("on", "Start blind coding"), ("off", "End blind coding")], coerce=lambda v: v == "on"
    )
    confirm = forms.BooleanField(
        required=False, label="Yes, show every coder the other coders' codings from now on"
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("blind") is False and not cleaned.get("confirm"):
            self.add_error(
                "confirm",
                "Ending blind coding shows every coder the others' codings: tick the box to confirm.",
            )
        return cleaned


class AssignmentStatusForm(forms.Form):
    status = forms.ChoiceField(
        choices=AssignmentStatus.choices,
        error_messages={"invalid_choice": "Mark the transcript not started, in progress or done."},
    )


class AttributeForm(forms.ModelForm):
    class Meta:
        model = Attribute
        fields = ["name", "applies_to", "kind", "description"]

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        if self.instance.pk:
            # Changing the type of an attribute with values would orphan them.
            self.fields["kind"].disabled = self.instance.has_values()
            self.fields["applies_to"].disabled = True

    def clean(self):
        cleaned = super().clean()
        name, applies_to = cleaned.get("name"), cleaned.get("applies_to")
        if name and applies_to:
            clash = Attribute.objects.filter(
                project=self.instance.project, applies_to=applies_to, name__iexact=name
            ).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "This project already has an attribute with that name.")
        return cleaned


class CaseForm(AttributeFormMixin, forms.ModelForm):
    value_model = CaseAttributeValue
    owner_field = "case"

    class Meta:
        model = Case
        fields = ["name", "description"]

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.project = project
        self.add_attribute_fields(list(project.attributes.filter(applies_to=AttributeTarget.CASE)))

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = self.instance.project.cases.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("This project already has a case with that name.")
        return name

    def save(self, commit=True):
        case = super().save()
        self.save_attributes(case)
        return case


class TranscriptMetadataForm(AttributeFormMixin, forms.ModelForm):
    value_model = TranscriptAttributeValue
    owner_field = "transcript"

    class Meta:
        model = Transcript
        fields = ["case", "title", "respondent", "respondent_role", "interview_date", "language", "note"]
        field_classes = {"case": ModelChoiceField}
        widgets = {"interview_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this project's cases can be chosen: a posted id from another project is a validation error.
        self.fields["case"].queryset = project.cases.all()
        self.add_attribute_fields(list(project.attributes.filter(applies_to=AttributeTarget.TRANSCRIPT)))

    def save(self, commit=True):
        transcript = super().save()
        self.save_attributes(transcript)
        return transcript


# What researchers meet in practice; "detect" reads byte-order marks, UTF-8 and the common legacy encodings.
ENCODINGS = [
    ("", "Detect automatically"),
    ("utf-8", "UTF-8"),
    ("gb18030", "Chinese, mainland (GB18030 / GBK), simplified or traditional"),
    ("big5", "Chinese, traditional (Big5)"),
    ("utf-16", "UTF-16 with a byte-order mark"),
    ("utf-16-le", "UTF-16 little-endian, no byte-order mark"),
    ("utf-16-be", "UTF-16 big-endian, no byte-order mark"),
    ("cp1252", "Western European (Windows-1252)"),
    ("shift_jis", "Japanese (Shift JIS)"),
    ("euc-jp", "Japanese (EUC-JP)"),
    ("euc-kr", "Korean (EUC-KR)"),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; each is checked by the importer, not here."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ",".join(ACCEPTED_EXTENSIONS)}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        files = [file for file in files if file]
        if not files:
            raise forms.ValidationError("Choose at least one file.")
        return files


class UploadForm(forms.Form):
    files = MultipleFileField(
        label="Transcript files",
        help_text="Word, ODT, PDF (with a text layer), RTF, plain text, Markdown, HTML, WebVTT or SRT.",
    )
    encoding = forms.ChoiceField(
        choices=ENCODINGS,
        required=False,
        help_text="For plain-text files only: choose one if the detected encoding garbles the text.",
    )
    language = forms.CharField(max_length=35, required=False, help_text="e.g. en, zh-Hans, zh-Hant")
    respondent_role = forms.CharField(max_length=120, required=False)
    interview_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class SpeakerChangeForm(forms.Form):
    """One change to a transcript's speakers: turn recognition off or on, rename (or merge), unmark."""

    ACTIONS = {"off": "turn off", "on": "turn on", "rename": "rename", "unmark": "unmark"}

    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    speaker = forms.CharField(max_length=120, required=False)
    to = forms.CharField(max_length=120, required=False, label="New name")
    label = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args, speakers: list[str], label_ids: set[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.speakers = speakers
        self.label_ids = label_ids

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if (
            action in ("rename", "unmark")
            and not data.get("label")
            and data.get("speaker") not in self.speakers
        ):
            raise forms.ValidationError("Choose one of this transcript's speakers.")
        if action == "rename" and not " ".join((data.get("to") or "").split()):
            raise forms.ValidationError("Give the speaker a name.")
        if action == "unmark" and data.get("label") and data["label"] not in self.label_ids:
            raise forms.ValidationError("That label is not in this transcript any more.")
        return data
