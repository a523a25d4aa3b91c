from django.urls import path

from coding.agreement import views as agreement
from coding.analysis.views import exports, matrix, retrieval
from coding.workspace import views as workspace

app_name = "coding"

urlpatterns = [
    path("t/<int:transcript_id>/code/", workspace.workspace, name="workspace"),
    path("t/<int:transcript_id>/code/apply/", workspace.apply_hx, name="apply_hx"),
    path("t/<int:transcript_id>/code/undo/", workspace.undo_hx, name="undo_hx"),
    path("t/<int:transcript_id>/code/s/<int:segment_id>/", workspace.segment_hx, name="segment_hx"),
    path(
        "t/<int:transcript_id>/code/s/<int:segment_id>/span/",
        workspace.segment_span_hx,
        name="segment_span_hx",
    ),
    path(
        "t/<int:transcript_id>/code/s/<int:segment_id>/memo/",
        workspace.segment_memo_hx,
        name="segment_memo_hx",
    ),
    path(
        "t/<int:transcript_id>/code/s/<int:segment_id>/delete/",
        workspace.segment_delete_hx,
        name="segment_delete_hx",
    ),
    path(
        "t/<int:transcript_id>/code/c/<int:coding_id>/valence/",
        workspace.coding_valence_hx,
        name="coding_valence_hx",
    ),
    path(
        "t/<int:transcript_id>/code/c/<int:coding_id>/delete/",
        workspace.coding_delete_hx,
        name="coding_delete_hx",
    ),
    path("matrix/", matrix.matrix, name="matrix"),
    path("matrix/cell/", matrix.matrix_cell_hx, name="matrix_cell_hx"),
    path("matrix/export/", exports.matrix_export, name="matrix_export"),
    path("cooccurrence/", matrix.cooccurrence, name="cooccurrence"),
    path("cooccurrence/cell/", matrix.cooccurrence_cell_hx, name="cooccurrence_cell_hx"),
    path("agreement/", agreement.agreement, name="agreement"),
    path("agreement/export/", agreement.agreement_export, name="agreement_export"),
    path("retrieval/", retrieval.retrieval, name="retrieval"),
    path("exports/excerpts/", exports.excerpts_export, name="excerpts_export"),
    path("exports/report/", exports.report_export, name="report_export"),
]
