"""The forms of a .qdpx import: the upload, the confirmation of a previewed archive, linking a coder."""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.models import Identity
from accounts.people import by_name, display_name
from cases.models import Case, Project
from cases.refusals import Refused
from coding.exchange.qdpx import previews
from coding.exchange.qdpx.archive import Package, read_archive
from coding.exchange.qdpx.importing import imported_coders


class UploadForm(forms.Form):
    """Step one: the archive is read and placed; nothing is written to the project."""

    file = forms.FileField(
        label="REFI-QDA project (.qdpx)",
        help_text="Exported by NVivo, ATLAS.ti, MAXQDA, QualCoder, qc or another REFI-QDA program.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.MAX_UPLOAD_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(f"The archive is larger than {limit} MB, the limit for one upload.")
        self.filename = PurePath(upload.name or "project.qdpx").name[:200]
        self.content = upload.read()
        try:
            self.package: Package = read_archive(self.content, filename=self.filename)
        except Refused as refusal:
            raise forms.ValidationError(refusal.message) from refusal
        return upload


class ConfirmForm(forms.Form):
    """Step two: the kept archive (see `previews`), read again, and where its transcripts go."""

    token = forms.CharField(widget=forms.HiddenInput)
    name = forms.CharField(label="Project name", max_length=200, required=False)
    case = forms.ModelChoiceField(
        label="Case for transcripts no case of the archive lists",
        queryset=Case.objects.none(),
        required=False,
        empty_label="A new case, named below",
    )
    case_name = forms.CharField(label="New case", max_length=200, required=False)
    study_name = forms.CharField(
        label="As a study named",
        max_length=200,
        required=False,
        help_text="For a meta-analysis: the archive's codes are kept as they were, under the study, and "
        "mapped onto this project's codebook in the crosswalk. Leave empty to merge them into this codebook.",
    )

    def __init__(self, *args, project: Project | None, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.project, self.user = project, user
        if project is None:
            del self.fields["case"]
            del self.fields["study_name"]
            self.fields["name"].required = True
        else:
            del self.fields["name"]
            self.fields["case"].queryset = project.cases.order_by("name")

    @property
    def scope(self) -> str:
        return str(self.project.pk) if self.project else "new"

    def clean_token(self):
        try:
            self.filename, data, self.kept = previews.load(
                token=self.cleaned_data["token"], scope=self.scope, user=self.user
            )
            self.package = read_archive(data, filename=self.filename)
        except Refused as refusal:
            raise forms.ValidationError(refusal.message) from refusal
        return self.cleaned_data["token"]


class LinkForm(forms.Form):
    identity = forms.ModelChoiceField(label="Imported coder", queryset=get_user_model().objects.none())
    member = forms.ModelChoiceField(label="Member", queryset=get_user_model().objects.none())

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identity"].queryset = imported_coders(project)
        self.fields["member"].queryset = (
            get_user_model()
            .objects.filter(memberships__project=project)
            .exclude(profile__kind__in=[Identity.IMPORTED, Identity.CONSENSUS])
            .select_related("profile")
            .order_by(by_name())
        )
        for field in ("identity", "member"):
            self.fields[field].label_from_instance = display_name
