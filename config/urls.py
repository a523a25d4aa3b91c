from django.contrib import admin
from django.urls import include, path

from config.views import favicon

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("p/<uuid:project_id>/codebook/", include("codebook.urls")),
    path("p/<uuid:project_id>/", include("coding.urls")),
    path("", include("cases.urls")),
]
