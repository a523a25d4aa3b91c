from django.urls import path

from coding import views

app_name = "coding"

urlpatterns = [
    path("t/<int:transcript_id>/code/", views.workspace, name="workspace"),
    path("t/<int:transcript_id>/code/apply/", views.apply_hx, name="apply_hx"),
    path("t/<int:transcript_id>/code/undo/", views.undo_hx, name="undo_hx"),
    path("t/<int:transcript_id>/code/s/<int:segment_id>/", views.segment_hx, name="segment_hx"),
    path(
        "t/<int:transcript_id>/code/s/<int:segment_id>/span/", views.segment_span_hx, name="segment_span_hx"
    ),
    path(
        "t/<int:transcript_id>/code/s/<int:segment_id>/memo/", views.segment_memo_hx, name="segment_memo_hx"
    ),
    path(
        "t/<int:transcript_id>/code/s/<int:segment_id>/delete/",
        views.segment_delete_hx,
        name="segment_delete_hx",
    ),
    path(
        "t/<int:transcript_id>/code/c/<int:coding_id>/valence/",
        views.coding_valence_hx,
        name="coding_valence_hx",
    ),
    path(
        "t/<int:transcript_id>/code/c/<int:coding_id>/delete/",
        views.coding_delete_hx,
        name="coding_delete_hx",
    ),
]
