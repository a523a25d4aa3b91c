"""How Crosscase fits django-allauth: sign-up only when the operator opens it; refused sign-ins are logged."""

import logging

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.forms import ValidationError

log = logging.getLogger("crosscase.signin")


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "too_many_login_attempts": (
            "Too many failed sign-ins for this account or from this address. Wait five minutes and try "
            "again, or reset your password."
        ),
    }

    def is_open_for_signup(self, request) -> bool:
        return settings.ALLOW_SIGNUP

    def pre_authenticate(self, request, **credentials) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            log.warning("Sign-in throttled for %r from %s", _login(credentials), self.get_client_ip(request))
            raise

    def authentication_failed(self, request, **credentials) -> None:
        log.warning("Sign-in failed for %r from %s", _login(credentials), self.get_client_ip(request))


def _login(credentials: dict) -> str:
    return credentials.get("email") or credentials.get("username") or ""
