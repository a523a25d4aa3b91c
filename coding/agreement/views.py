"""The agreement report page and its CSV / XLSX download.

Members open it; while the project codes blind, only owners do, since the figures would show a coder how the
others coded. Loading costs a fixed number of queries whatever the data: the facets, the coder and transcript
choices, then the chosen transcripts, their assignments, the codings (and speaker labels for turns).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from cases import access_log
from cases.access import get_project
from cases.models import Project
from coding.agreement.exports import report_csv, report_xlsx
from coding.agreement.forms import AgreementForm
from coding.agreement.units import Unit, coder_choices, load_material, transcript_choices
from coding.analysis.exports import export_filename
from coding.analysis.retrieval import load_facets

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BLIND = (
    "While blind coding is on, only owners of the project can compare coders: the report would show each "
    "coder how the others coded. It opens to every member once an owner ends the blind phase."
)


def _bound(request: HttpRequest, project_id) -> tuple[Project, AgreementForm]:
    project = get_project(request, project_id)
    if project.blind_coding and not project.membership.is_owner:
        raise PermissionDenied(BLIND)
    facets = load_facets(project=project)
    form = AgreementForm(
        request.GET,
        facets=facets,
        coders=coder_choices(project=project),
        transcripts=transcript_choices(project=project),
    )
    return project, form


def _report(project: Project, form: AgreementForm):
    # numpy (some 15 MB) is loaded where a report is built, not in every web process at start
    from coding.agreement.report import build_report

    spec = form.spec()
    unit = Unit(spec["unit"])
    material = load_material(
        coders=spec["coders"],
        code_ids=[code.pk for code in spec["codes"]],
        transcript_ids=spec["transcript_ids"],
        with_text=unit in (Unit.PARAGRAPHS, Unit.TURNS),
        with_labels=unit == Unit.TURNS,
    )
    return build_report(
        material=material,
        unit=unit,
        codes=spec["codes"],
        cases=spec["cases"],
        overlap=spec["overlap"],
        project_name=project.name,
    )


@require_safe
@login_required
def agreement(request: HttpRequest, project_id) -> HttpResponse:
    project, form = _bound(request, project_id)
    context = {"project": project, "form": form}
    status = 200
    if form.is_valid():
        context.update(report=_report(project, form), params=form.query(format=None, excel=None))
    else:
        status = 400
    template = "coding/agreement.html#report-area" if request.htmx else "coding/agreement.html"
    return render(request, template, context, status=status)


@require_safe
@login_required
def agreement_export(request: HttpRequest, project_id) -> HttpResponse:
    project, form = _bound(request, project_id)
    if not form.is_valid():
        return render(request, "coding/agreement.html", {"project": project, "form": form}, status=400)
    report = _report(project, form)
    if form.cleaned_data.get("format") == "xlsx":
        response = HttpResponse(report_xlsx(report), content_type=XLSX)
        extension = "xlsx"
    else:
        response = HttpResponse(report_csv(report, excel=form.cleaned_data["excel"]), content_type=CSV)
        extension = "csv"
    access_log.export(request, project, f"agreement report ({extension})")
    filename = export_filename(project=project, what="agreement", extension=extension)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
