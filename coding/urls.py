from django.urls import path

from coding.views import workspace

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
]
