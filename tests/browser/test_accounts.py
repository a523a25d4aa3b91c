"""The account pages in a real browser: signing in, naming oneself, enrolling an authenticator app."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from playwright.sync_api import expect

from cases.models import Role
from tests.browser.conftest import PASSWORD, member
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coder_names_themselves_and_enrols_an_authenticator_for_a_confidential_project(page, log_in):
    project = ProjectFactory(name="Confidential study", require_two_factor=True)
    user = member(project, "ana", Role.CODER)
    page.goto("/accounts/login/")
    page.screenshot(path="/tmp/crosscase-sign-in.png", full_page=True)
    log_in("ana")

    page.goto(project.get_absolute_url())
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_text("requires two-factor authentication")).to_be_visible()
    page.screenshot(path="/tmp/crosscase-two-factor-required.png", full_page=True)

    page.get_by_role("link", name="Set up two-factor authentication").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.screenshot(path="/tmp/crosscase-two-factor-activate.png", full_page=True)
    page.get_by_label("Authenticator code").fill(format_hotp_value(hotp_value(secret, next(counters()))))
    page.get_by_role("button", name="Activate").click()
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()

    page.goto(project.get_absolute_url())
    expect(page.get_by_role("heading", name="Confidential study")).to_be_visible()

    page.get_by_role("link", name="ana", exact=True).click()
    page.get_by_label("Display name").fill("Dr. Ana Ruiz")
    page.get_by_role("button", name="Save name").click()
    expect(page.get_by_role("link", name="Dr. Ana Ruiz")).to_be_visible()
    expect(page.get_by_text("two-factor authentication on")).to_be_visible()
    page.screenshot(path="/tmp/crosscase-account.png", full_page=True)

    page.get_by_role("link", name="Two-factor authentication").click()
    expect(page.get_by_role("heading", name="Recovery Codes")).to_be_visible()
    page.screenshot(path="/tmp/crosscase-two-factor.png", full_page=True)


def test_password_reset_page_asks_only_for_an_address(page):
    page.goto("/accounts/password/reset/")
    expect(page.get_by_label("Email")).to_be_visible()
    page.screenshot(path="/tmp/crosscase-password-reset.png", full_page=True)
