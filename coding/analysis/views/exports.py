"""Downloads: coded excerpts (CSV, streamed), the matrix (CSV, XLSX), the quotation report (page, DOCX) and
the whole project as a REFI-QDA archive (.qdpx), which a background job writes.

Each takes the query string of the page it is linked from, so it exports what that page shows. Invalid
parameters render that page with the form's errors instead of a file.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from cases import access_log
from cases.access import get_project
from cases.models import Project
from codebook.exchange.spreadsheets import csv_stream
from coding.analysis.exports import excerpt_rows, export_filename, matrix_csv, matrix_xlsx
from coding.analysis.forms import ExcerptExportForm, MatrixExportForm, ReportForm
from coding.analysis.matrix import build_matrix
from coding.analysis.reports import build_report, report_docx
from coding.analysis.retrieval import select
from coding.analysis.views.scope import bound_form
from coding.exchange.qdpx.tasks import start_export

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
BLIND_CODING = (
    "While blind coding is on, only owners can export the whole project: it holds every coder's codings."
)


def _download(
    request: HttpRequest, response: HttpResponse, project: Project, what: str, extension: str
) -> HttpResponse:
    """The export as a download named after the project, written to the project's access log."""
    access_log.export(request, project, f"{what} ({extension})")
    filename = export_filename(project=project, what=what, extension=extension)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@require_safe
@login_required
def excerpts_export(request: HttpRequest, project_id) -> HttpResponse:
    project, facets, form = bound_form(request, project_id, ExcerptExportForm)
    if not form.is_valid():
        return render(request, "coding/retrieval.html", {"project": project, "form": form})
    selection = select(project=project, criteria=form.criteria(), tree=facets.tree)
    rows = excerpt_rows(selection=selection, facets=facets)
    response = StreamingHttpResponse(csv_stream(rows, excel=form.cleaned_data["excel"]), content_type=CSV)
    return _download(request, response, project, "excerpts", "csv")


@require_safe
@login_required
def matrix_export(request: HttpRequest, project_id) -> HttpResponse:
    project, facets, form = bound_form(request, project_id, MatrixExportForm)
    if not form.is_valid():
        return render(request, "coding/matrix.html", {"project": project, "form": form})
    matrix = build_matrix(facets=facets, spec=form.spec())
    if form.cleaned_data.get("format") == "xlsx":
        response = HttpResponse(matrix_xlsx(matrix=matrix, facets=facets), content_type=XLSX)
        return _download(request, response, project, "matrix", "xlsx")
    content = matrix_csv(matrix=matrix, facets=facets, excel=form.cleaned_data["excel"])
    response = HttpResponse(content, content_type=CSV)
    return _download(request, response, project, "matrix", "csv")


@require_safe
@login_required
def report_export(request: HttpRequest, project_id) -> HttpResponse:
    project, facets, form = bound_form(request, project_id, ReportForm)
    if not form.is_valid():
        return render(request, "coding/retrieval.html", {"project": project, "form": form})
    selection = select(project=project, criteria=form.criteria(), tree=facets.tree)
    report = build_report(selection=selection, facets=facets)
    if form.cleaned_data.get("format") == "docx":
        response = HttpResponse(report_docx(report), content_type=DOCX)
        return _download(request, response, project, "quotations", "docx")
    # `params`, not `query`: the page's header uses `query` for its search box.
    context = {"project": project, "report": report, "params": form.query(format=None)}
    return render(request, "coding/report.html", context)


@require_POST
@login_required
def qdpx_export(request: HttpRequest, project_id) -> HttpResponse:
    """Starts the export of every transcript, code, quotation, coding, memo, case and attribute, for another
    QDA tool, as a background job, and leads to its page, which offers the archive once it is written.

    Members export it as they export anything else, except while blind coding is on: the archive holds every
    coder's codings, so then only owners may.
    """
    project = get_project(request, project_id)
    if project.blind_coding and not project.membership.is_owner:
        raise PermissionDenied(BLIND_CODING)
    return redirect(start_export(project=project, user=request.user))
