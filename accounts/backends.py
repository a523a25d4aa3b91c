from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model


class Backend(AuthenticationBackend):
    """allauth's sign-in by username or e-mail, loading the signed-in user with their profile in one query:
    the header names them on every page."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("profile").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
