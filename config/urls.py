from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.views import favicon

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("favicon.ico", favicon),
    path("p/<uuid:project_id>/codebook/", include("codebook.urls")),
    path("p/<uuid:project_id>/", include("coding.urls")),
    path("", include("cases.urls")),
]
