"""Two-factor authentication: signing in with an authenticator app, and projects that require it."""

import time

import pytest
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.urls import reverse

from cases.models import Role
from tests.accounts.conftest import PASSWORD
from tests.cases import test_access
from tests.factories import MembershipFactory, UserFactory

ROUTES = test_access.ROUTES
url_for = test_access.url_for  # the fixture that builds each project URL


def current_code(secret: str) -> str:
    """The code the app shows now, taken early enough in its 30-second window to be checked within it."""
    if time.time() % app_settings.TOTP_PERIOD > app_settings.TOTP_PERIOD - 3:
        time.sleep(3)
    return format_hotp_value(hotp_value(secret, int(time.time()) // app_settings.TOTP_PERIOD))


@pytest.fixture
def confidential(project):
    project.require_two_factor = True
    project.save()
    return project


def enrol(user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_project_that_requires_it_refuses_every_page_to_a_member_without_it(
    name, url_for, client_for, confidential, owner
):
    client = client_for(owner)
    for method in ROUTES[name]:
        response = client.generic(method, url_for(name))
        assert response.status_code == 403, (name, method)
        assert "requires two-factor authentication" in response.text


def test_the_refusal_links_to_enrolment_and_enrolling_opens_the_project(client_for, confidential, coder):
    client = client_for(coder)
    refused = client.get(confidential.get_absolute_url())
    assert refused.status_code == 403
    assert reverse("mfa_activate_totp") in refused.text

    enrol(coder)
    assert client.get(confidential.get_absolute_url()).status_code == 200


def test_enrolling_through_the_page_with_a_code_from_the_app(client, coder):
    coder.set_password(PASSWORD)
    coder.save()
    client.post(reverse("account_login"), {"username": coder.username, "password": PASSWORD})
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))  # confirms the password first
    page = client.post(asked["Location"], {"password": PASSWORD}, follow=True)
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=coder, type=Authenticator.Type.TOTP).exists()


def test_a_member_with_an_authenticator_signs_in_with_a_code(client, coder):
    coder.set_password(PASSWORD)
    coder.save()
    secret = enrol(coder)
    first_step = client.post(reverse("account_login"), {"username": coder.username, "password": PASSWORD})
    assert first_step["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert wrong.status_code == 200

    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    assert client.session["_auth_user_id"] == str(coder.pk)


def test_an_owner_requires_it_from_the_project_settings(client_for, project, owner):
    response = client_for(owner).post(
        reverse("cases:project_edit", args=[project.pk]),
        {"name": project.name, "description": "", "require_two_factor": "on"},
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.require_two_factor


def test_members_see_which_of_their_projects_require_it(client_for, confidential, coder):
    other = MembershipFactory(user=coder, role=Role.VIEWER).project
    page = client_for(coder).get(reverse("accounts:profile")).text
    assert page.count("2FA required") == 1
    assert other.name in page


def test_a_member_without_it_is_still_a_404_outsider_elsewhere(client_for, confidential):
    stranger = UserFactory()
    assert client_for(stranger).get(confidential.get_absolute_url()).status_code == 404
