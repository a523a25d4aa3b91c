"""The crosswalk page: a meta-analysis project's study codes and the project codes each counts as."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cases.access import get_project
from cases.models import Project, Role
from cases.refusals import Refused
from codebook.models import Code
from coding import crosswalk
from coding.analysis.retrieval import CodeTree
from coding.models import Valence
from config.choice_fields import ModelChoiceField, ModelMultipleChoiceField

KEEP = ""
VALENCES = [
    (KEEP, "each coding's own valence"),
    (Valence.POSITIVE, "+ pulls together"),
    (Valence.NEGATIVE, "− pushes apart"),
]


class CodeChoice(ModelChoiceField):
    def label_from_instance(self, code: Code) -> str:
        return code.path


class MappingForm(forms.Form):
    """Map the ticked study codes (or the one a row's button names) to a project code, or unmap them."""

    codes = ModelMultipleChoiceField(queryset=Code.objects.none(), required=False)
    target = CodeChoice(queryset=Code.objects.none(), required=False, label="Count them as")
    valence = forms.ChoiceField(choices=VALENCES, required=False, label="with valence")
    action = forms.ChoiceField(choices=[("map", "map"), ("unmap", "unmap")])

    def __init__(self, *args, project: Project, tree: CodeTree, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["codes"].queryset = Code.objects.filter(
            project=project, study__isnull=False
        ).select_related("study")
        self.fields["target"].queryset = Code.objects.filter(project=project, study__isnull=True)
        self.fields["target"].choices = [("", "Choose a code…"), *[(c.pk, c.path) for c in tree.codes]]

    def clean(self):
        data = super().clean()
        if not data.get("codes"):
            raise forms.ValidationError("Tick at least one study code.")
        if data.get("action") == "map" and not data.get("target"):
            raise forms.ValidationError("Choose the project code they count as.")
        return data


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def crosswalk_page(request: HttpRequest, project_id) -> HttpResponse:
    role = Role.OWNER if request.method == "POST" else Role.VIEWER
    project = get_project(request, project_id, role=role)
    tree = CodeTree.load(project)
    data = request.POST or None
    if data is not None and "accept" in data:  # a row's "accept the suggestion" button
        code_id, _, target_id = data["accept"].partition(":")
        data = {"codes": [code_id], "target": target_id, "action": "map", "valence": KEEP}
    form = MappingForm(data, project=project, tree=tree)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            target = data["target"] if data["action"] == "map" else None
            try:
                changed = crosswalk.map_codes(
                    project=project,
                    user=request.user,
                    codes=list(data["codes"]),
                    target=target,
                    valence=data.get("valence") or KEEP,
                )
            except Refused as refusal:
                form.add_error(None, refusal.message)
            else:
                codes = f"{changed} study code{'' if changed == 1 else 's'}"
                done = f"Mapped {codes} to “{target.name}”." if target else f"Unmapped {codes}."
                messages.success(request, done)
                return redirect(request.get_full_path())
        status = 400
    studies = crosswalk.load(project=project, framework_codes=tree.codes)
    unmapped_only = request.GET.get("show") == "unmapped"
    context = {
        "project": project,
        "studies": studies,
        "form": form,
        "unmapped_only": unmapped_only,
        "unmapped": sum(study.unmapped for study in studies),
        "may_map": project.membership.allows(Role.OWNER),
        "valences": VALENCES,
    }
    return render(request, "coding/crosswalk.html", context, status=status)
