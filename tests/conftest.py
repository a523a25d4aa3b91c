import pytest

from cases.models import Role
from tests.factories import CaseFactory, MembershipFactory, ProjectFactory, TranscriptFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project(db):
    return ProjectFactory(name="Interagency data sharing")


@pytest.fixture
def owner(project):
    return MembershipFactory(project=project, user=UserFactory(username="pi"), role=Role.OWNER).user


@pytest.fixture
def coder(project):
    return MembershipFactory(project=project, user=UserFactory(username="ra"), role=Role.CODER).user


@pytest.fixture
def viewer(project):
    return MembershipFactory(project=project, user=UserFactory(username="reader"), role=Role.VIEWER).user


@pytest.fixture
def outsider(db):
    return UserFactory(username="stranger")


@pytest.fixture
def case(project):
    return CaseFactory(project=project, name="City X")


@pytest.fixture
def transcript(case):
    return TranscriptFactory(case=case)


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login
