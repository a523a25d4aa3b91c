from django.urls import path

from cases import job_views, views

app_name = "cases"

urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("p/<uuid:project_id>/", views.project_detail, name="project_detail"),
    path("p/<uuid:project_id>/edit/", views.project_edit, name="project_edit"),
    path("p/<uuid:project_id>/delete/", views.project_delete, name="project_delete"),
    path("p/<uuid:project_id>/members/", views.members, name="members"),
    path("p/<uuid:project_id>/access-log/", views.access_log_page, name="access_log"),
    path("p/<uuid:project_id>/access-log.csv", views.access_log_csv, name="access_log_csv"),
    path("p/<uuid:project_id>/members/invite/", views.invitation_create, name="invitation_create"),
    path(
        "p/<uuid:project_id>/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "p/<uuid:project_id>/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("p/<uuid:project_id>/jobs/", job_views.job_list, name="job_list"),
    path("p/<uuid:project_id>/jobs/<uuid:job_id>/", job_views.job_detail, name="job_detail"),
    path("p/<uuid:project_id>/jobs/<uuid:job_id>/download/", job_views.job_output, name="job_output"),
    path("p/<uuid:project_id>/jobs/<uuid:job_id>/delete/", job_views.job_delete, name="job_delete"),
    path("jobs/<uuid:job_id>/", job_views.own_job_detail, name="own_job_detail"),
    path("jobs/<uuid:job_id>/delete/", job_views.own_job_delete, name="own_job_delete"),
    path("p/<uuid:project_id>/members/<int:membership_id>/role/", views.member_role, name="member_role"),
    path(
        "p/<uuid:project_id>/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"
    ),
    path("p/<uuid:project_id>/assignments/", views.assignments_page, name="assignments"),
    path("p/<uuid:project_id>/assignments/change/", views.assignments_change, name="assignments_change"),
    path(
        "p/<uuid:project_id>/assignments/<int:assignment_id>/remove/",
        views.assignment_remove,
        name="assignment_remove",
    ),
    path("p/<uuid:project_id>/blind-coding/", views.blind_coding, name="blind_coding"),
    path("p/<uuid:project_id>/attributes/", views.attributes, name="attributes"),
    path("p/<uuid:project_id>/attributes/<int:attribute_id>/", views.attribute_edit, name="attribute_edit"),
    path(
        "p/<uuid:project_id>/attributes/<int:attribute_id>/delete/",
        views.attribute_delete,
        name="attribute_delete",
    ),
    path("p/<uuid:project_id>/cases/", views.case_list, name="case_list"),
    path("p/<uuid:project_id>/cases/new/", views.case_create, name="case_create"),
    path("p/<uuid:project_id>/cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("p/<uuid:project_id>/cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("p/<uuid:project_id>/cases/<int:case_id>/delete/", views.case_delete, name="case_delete"),
    path(
        "p/<uuid:project_id>/cases/<int:case_id>/upload/", views.transcript_upload, name="transcript_upload"
    ),
    path(
        "p/<uuid:project_id>/cases/<int:case_id>/upload/one/",
        views.transcript_upload_hx,
        name="transcript_upload_hx",
    ),
    path("p/<uuid:project_id>/transcripts/", views.transcript_list, name="transcript_list"),
    path("p/<uuid:project_id>/search/", views.transcript_search, name="transcript_search"),
    path(
        "p/<uuid:project_id>/transcripts/<int:transcript_id>/",
        views.transcript_detail,
        name="transcript_detail",
    ),
    path(
        "p/<uuid:project_id>/transcripts/<int:transcript_id>/edit/",
        views.transcript_edit,
        name="transcript_edit",
    ),
    path(
        "p/<uuid:project_id>/transcripts/<int:transcript_id>/delete/",
        views.transcript_delete,
        name="transcript_delete",
    ),
    path(
        "p/<uuid:project_id>/transcripts/<int:transcript_id>/speakers/",
        views.transcript_speakers,
        name="transcript_speakers",
    ),
    path(
        "p/<uuid:project_id>/transcripts/<int:transcript_id>/original/",
        views.transcript_original,
        name="transcript_original",
    ),
]
