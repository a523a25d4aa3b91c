from django.conf import settings


def signup(request) -> dict:
    """Whether the sign-in page offers sign-up (ALLOW_SIGNUP) or says Crosscase is invitation-only."""
    return {"signup_open": settings.ALLOW_SIGNUP}
