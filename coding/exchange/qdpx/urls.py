"""Importing a .qdpx archive as a new project: outside any project, so outside `coding.urls`."""

from django.urls import path

from coding.exchange.qdpx import views

app_name = "qdpx"

urlpatterns = [
    path("", views.qdpx_new, name="new"),
    path("<uuid:preview_id>/", views.qdpx_new_preview, name="preview"),
    path("<uuid:preview_id>/confirm/", views.qdpx_new_confirm, name="new_confirm"),
]
