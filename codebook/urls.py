from django.urls import path

from codebook import views

app_name = "codebook"

urlpatterns = [
    path("", views.codebook, name="codebook"),
    path("seed/", views.seed, name="seed"),
    path("codes/new/", views.code_create, name="code_create"),
    path("codes/add/", views.code_add, name="code_add"),
    path("codes/<int:code_id>/", views.code_detail, name="code_detail"),
    path("codes/<int:code_id>/edit/", views.code_edit, name="code_edit"),
    path("codes/<int:code_id>/delete/", views.code_delete, name="code_delete"),
    path("codes/<int:code_id>/move/", views.code_move, name="code_move"),
    path("codes/<int:code_id>/move/hx/", views.code_move_hx, name="code_move_hx"),
    path("codes/<int:code_id>/reorder/", views.code_reorder, name="code_reorder"),
    path("codes/<int:code_id>/level/", views.code_level, name="code_level"),
    path("codes/<int:code_id>/merge/", views.code_merge, name="code_merge"),
    path("codes/<int:code_id>/split/", views.code_split, name="code_split"),
    path("codes/<int:code_id>/relations/add/", views.relation_add, name="relation_add"),
    path("codes/<int:code_id>/relations/edit/", views.relation_edit, name="relation_edit"),
    path("codes/<int:code_id>/relations/delete/", views.relation_delete, name="relation_delete"),
    path("network/", views.network, name="network"),
    path("network.svg", views.network_svg, name="network_svg"),
    path("coverage/", views.coverage, name="coverage"),
    path("history/", views.history, name="history"),
    path("export.qdc", views.export_qdc, name="export_qdc"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("document/", views.document, name="document"),
    path("document.docx", views.document_docx, name="document_docx"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
]
