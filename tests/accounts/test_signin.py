"""Signing in: by username or e-mail, throttled after repeated failures and logged; invitation-only."""

import logging

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from tests.accounts.conftest import PASSWORD
from tests.factories import CodingFactory

LOGIN = reverse("account_login")


def sign_in(client, login: str, password: str, **extra):
    return client.post(LOGIN, {"username": login, "password": password}, **extra)


@pytest.mark.parametrize("login", ["ana", "ana@university.edu", "ANA@University.edu"])
def test_signs_in_by_username_or_e_mail(client, ana, login):
    response = sign_in(client, login, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:project_list")
    assert client.get(reverse("cases:project_list")).context["user"] == ana


def test_the_sign_in_page_says_the_site_is_invitation_only(client, db):
    page = client.get(LOGIN).text
    assert "Username or e-mail" in page
    assert "invitation-only" in page
    assert "Create an account" not in page
    assert reverse("account_reset_password") in page


def test_a_wrong_password_is_refused_and_logged(client, ana, caplog):
    with caplog.at_level(logging.WARNING, logger="crosscase.signin"):
        response = sign_in(client, "ana", "wrong")
    assert response.status_code == 200
    assert "not correct" in response.text
    assert "Sign-in failed for 'ana' from 127.0.0.1" in caplog.text


def test_five_failures_pause_the_account_even_for_the_right_password(client, ana, caplog):
    for _ in range(5):
        assert "not correct" in sign_in(client, "ana", "wrong").text
    with caplog.at_level(logging.WARNING, logger="crosscase.signin"):
        response = sign_in(client, "ana", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins for this account or from this address" in response.text
    assert "_auth_user_id" not in client.session
    assert "Sign-in throttled for 'ana' from 127.0.0.1" in caplog.text


def test_ten_failures_from_one_address_pause_every_account_from_it(client, ana):
    for number in range(10):
        sign_in(client, f"guess-{number}", "wrong")
    response = sign_in(client, "ana", PASSWORD)
    assert "Too many failed sign-ins" in response.text
    other_address = sign_in(client, "ana", PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert other_address.status_code == 302


def test_sign_up_is_closed_unless_the_operator_opens_it(client, db, settings):
    closed = client.get(reverse("account_signup"))
    assert "closed" in closed.text.lower()
    assert not client.post(reverse("account_signup"), {"username": "eve"}).context["user"].is_authenticated

    settings.ALLOW_SIGNUP = True
    response = client.post(
        reverse("account_signup"),
        {"email": "new@university.edu", "username": "newcomer", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert EmailAddress.objects.filter(email="new@university.edu", user__username="newcomer").exists()
    assert "_auth_user_id" in client.session
    client.logout()
    assert "Create an account" in client.get(LOGIN).text


def test_password_validators_refuse_a_weak_password_at_sign_up(client, db, settings):
    settings.ALLOW_SIGNUP = True
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@university.edu",
            "username": "newcomer",
            "password1": "12345678",
            "password2": "12345678",
        },
    )
    assert response.status_code == 200
    assert "too common" in response.text


def test_a_deactivated_account_cannot_sign_in_and_its_codings_stay(client, ana):
    coding = CodingFactory(coder=ana)
    ana.is_active = False
    ana.save()
    response = sign_in(client, "ana", PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response["Location"] == reverse("account_inactive")
    coding.refresh_from_db()
    assert coding.coder_id == ana.pk


def test_behind_a_trusted_proxy_failures_count_per_client_not_per_proxy(client, ana, settings):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for number in range(10):
        sign_in(client, f"guess-{number}", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert "Too many" in sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy).text
    assert sign_in(client, "ana", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.4", **proxy).status_code == 302


def test_the_admin_signs_in_through_the_throttled_page(client, ana):
    response = client.get("/admin/login/?next=/admin/")
    assert response["Location"].startswith(LOGIN)
    response = client.post("/admin/login/", {"username": "ana", "password": PASSWORD})
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session


def test_a_signed_in_non_staff_user_cannot_open_the_admin(client, ana):
    client.force_login(ana)
    assert client.get("/admin/login/").status_code == 403
