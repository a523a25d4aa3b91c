import pytest
from allauth.account.models import EmailAddress

from tests.factories import UserFactory

PASSWORD = "a-long-enough-password-42"


@pytest.fixture
def ana(db):
    """A user who signs in as `ana` or ana@university.edu with PASSWORD."""
    user = UserFactory(username="ana", email="ana@university.edu")
    user.set_password(PASSWORD)
    user.save()
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
    return user
