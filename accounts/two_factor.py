"""Two-factor authentication (allauth.mfa's TOTP and recovery codes), as projects that require it see it."""

from allauth.mfa.models import Authenticator
from django.core.exceptions import PermissionDenied


class TwoFactorRequired(PermissionDenied):
    """The project requires two-factor authentication and the member has not set it up."""


def has_two_factor(user) -> bool:
    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()
