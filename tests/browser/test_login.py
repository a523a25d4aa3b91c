import pytest
from playwright.sync_api import expect

from cases.models import Project
from coding.demo.seed import ensure_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_user_logs_in_and_sees_the_demo_project(page, log_in):
    owner = ensure_demo().owner
    log_in(owner.username, owner.password)
    expect(page.get_by_role("heading", name="Your projects")).to_be_visible()
    page.get_by_role("link", name="Interagency data sharing (demo)").click()
    expect(page.get_by_role("heading", name="Interagency data sharing (demo)")).to_be_visible()
    for city in ("City X", "City Y", "City Z"):
        expect(page.get_by_role("link", name=city, exact=True)).to_be_visible()
    page.get_by_role("link", name="Codebook").click()
    expect(page.get_by_role("link", name="Data ownership")).to_be_visible()
    assert Project.objects.count() == 1


def test_wrong_password_is_refused(page, log_in, django_user_model):
    django_user_model.objects.create_user("ra", password="right-password-123")
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill("ra")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("username and/or password you specified are not correct")
