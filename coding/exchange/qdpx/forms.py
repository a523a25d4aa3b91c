"""The forms of a .qdpx import: the upload, the confirmation of a previewed archive, linking a coder."""

import zipfile
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model

from accounts.models import Identity
from accounts.people import PersonChoiceField, by_name
from cases.models import Case, Project
from coding.exchange.qdpx.importing import imported_coders
from config.choice_fields import ModelChoiceField


class UploadForm(forms.Form):
    """Step one: the archive is stored for a job that reads and places it; nothing is written yet."""

    file = forms.FileField(
        label="REFI-QDA project (.qdpx)",
        help_text="Exported by NVivo, ATLAS.ti, MAXQDA, QualCoder, qc or another REFI-QDA program.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = PurePath(upload.name or "project.qdpx").name[:200]
        limit = settings.MAX_ARCHIVE_MB
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                f"“{name}” is larger than {limit} MB, the limit for one project archive."
            )
        if not zipfile.is_zipfile(upload):
            raise forms.ValidationError(
                f"“{name}” is not a readable .qdpx archive (a REFI-QDA project is a zip file); it may be "
                "damaged or another kind of file."
            )
        upload.seek(0)
        upload.name = name
        return upload


class ConfirmForm(forms.Form):
    """Step two: where the previewed archive's transcripts go, and whether it comes in as a study."""

    name = forms.CharField(label="Project name", max_length=200, required=False)
    case = ModelChoiceField(
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

    def __init__(self, *args, project: Project | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.project = project
        if project is None:
            del self.fields["case"]
            del self.fields["study_name"]
            self.fields["name"].required = True
        else:
            del self.fields["name"]
            self.fields["case"].queryset = project.cases.order_by("name")

    def clean_study_name(self):
        name = self.cleaned_data["study_name"].strip()
        if name and self.project.studies.filter(name__iexact=name).exists():
            raise forms.ValidationError(
                f"This project already has a study called “{name}”: choose another name."
            )
        return name

    def options(self) -> dict:
        """What the import job needs, as plain data."""
        data = self.cleaned_data
        case = data.get("case")
        return {
            "name": data.get("name", ""),
            "case": str(case.pk) if case else "",
            "case_name": data.get("case_name", ""),
            "study_name": data.get("study_name", ""),
        }


class LinkForm(forms.Form):
    identity = PersonChoiceField(label="Imported coder", queryset=get_user_model().objects.none())
    member = PersonChoiceField(label="Member", queryset=get_user_model().objects.none())

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
