from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from config.views import favicon

# The admin signs in through the one sign-in page: its failures are throttled and its second factor asked for.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("p/<uuid:project_id>/codebook/", include("codebook.urls")),
    path("projects/import/", include("coding.exchange.qdpx.urls")),
    path("p/<uuid:project_id>/", include("coding.urls")),
    path("", include("cases.urls")),
]
