from django.urls import path

from coding.agreement import views as agreement
from coding.analysis.views import crosswalk, exports, matrix, retrieval, saved
from coding.consensus import views as consensus
from coding.exchange.qdpx import views as qdpx
from coding.hits import views as hits
from coding.memos import views as memos
from coding.workspace import views as workspace

app_name = "coding"

urlpatterns = [
    path("t/<int:transcript_id>/code/", workspace.workspace, name="workspace"),
    path("t/<int:transcript_id>/code/apply/", workspace.apply_hx, name="apply_hx"),
    path("t/<int:transcript_id>/code/undo/", workspace.undo_hx, name="undo_hx"),
    path(
        "t/<int:transcript_id>/code/assignment/",
        workspace.assignment_status_hx,
        name="assignment_status_hx",
    ),
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
    path("t/<int:transcript_id>/disagreements/", consensus.disagreements_page, name="disagreements"),
    path("t/<int:transcript_id>/disagreements/decide/", consensus.decide, name="decide"),
    path("memos/", memos.memo_list, name="memo_list"),
    path("memos/new/", memos.memo_create, name="memo_create"),
    path("memos/<int:memo_id>/edit/", memos.memo_edit, name="memo_edit"),
    path("memos/<int:memo_id>/delete/", memos.memo_delete, name="memo_delete"),
    path("matrix/", matrix.matrix, name="matrix"),
    path("matrix/cell/", matrix.matrix_cell_hx, name="matrix_cell_hx"),
    path("matrix/export/", exports.matrix_export, name="matrix_export"),
    path("cooccurrence/", matrix.cooccurrence, name="cooccurrence"),
    path("cooccurrence/cell/", matrix.cooccurrence_cell_hx, name="cooccurrence_cell_hx"),
    path("agreement/", agreement.agreement, name="agreement"),
    path("agreement/export/", agreement.agreement_export, name="agreement_export"),
    path("retrieval/", retrieval.retrieval, name="retrieval"),
    path("crosswalk/", crosswalk.crosswalk_page, name="crosswalk"),
    path("exports/excerpts/", exports.excerpts_export, name="excerpts_export"),
    path("exports/report/", exports.report_export, name="report_export"),
    path("import/qdpx/", qdpx.qdpx_import, name="qdpx_import"),
    path("import/qdpx/<uuid:preview_id>/", qdpx.qdpx_preview, name="qdpx_preview"),
    path("import/qdpx/<uuid:preview_id>/confirm/", qdpx.qdpx_import_confirm, name="qdpx_import_confirm"),
    path("import/qdpx/coders/", qdpx.qdpx_coders, name="qdpx_coders"),
    path("import/qdpx/coders/link/", qdpx.qdpx_coder_link, name="qdpx_coder_link"),
    path("queries/", saved.saved_query_list, name="saved_query_list"),
    path("queries/save/", saved.saved_query_save, name="saved_query_save"),
    path("queries/<int:query_id>/", saved.saved_query_run, name="saved_query_run"),
    path("queries/<int:query_id>/rename/", saved.saved_query_rename, name="saved_query_rename"),
    path("queries/<int:query_id>/delete/", saved.saved_query_delete, name="saved_query_delete"),
    path("sets/", saved.set_list, name="set_list"),
    path("sets/new/", saved.set_create, name="set_create"),
    path("sets/<int:set_id>/", saved.set_detail, name="set_detail"),
    path("sets/<int:set_id>/edit/", saved.set_edit, name="set_edit"),
    path("sets/<int:set_id>/delete/", saved.set_delete, name="set_delete"),
    path("search/code/", hits.code_hits, name="code_hits"),
    path("search/code/apply/", hits.code_hits_apply, name="code_hits_apply"),
    path("search/code/batches/<int:batch_id>/undo/", hits.batch_undo, name="batch_undo"),
    path("exports/qdpx/", exports.qdpx_export, name="qdpx_export"),
]
