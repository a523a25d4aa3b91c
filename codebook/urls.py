from django.urls import path

from codebook import views

app_name = "codebook"

urlpatterns = [
    path("", views.codebook, name="codebook"),
    path("seed/", views.seed, name="seed"),
    path("codes/<int:code_id>/", views.code_detail, name="code_detail"),
]
