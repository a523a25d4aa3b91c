"""The account page, password reset and change, and changing one's e-mail address by a verified link."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core import mail
from django.urls import reverse

from accounts.models import Profile
from cases.models import Role
from tests.accounts.conftest import PASSWORD
from tests.factories import MembershipFactory, ProjectFactory

NEW_PASSWORD = "another-long-password-77"
PROFILE = reverse("accounts:profile")


def main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_password_reset_works_end_to_end_through_the_mail(client, ana):
    response = client.post(reverse("account_reset_password"), {"email": "ana@university.edu"})
    assert response["Location"] == reverse("account_reset_password_done")
    [message] = mail.outbox
    assert message.to == ["ana@university.edu"]

    form_page = client.get(link_in(message), follow=True)
    assert form_page.status_code == 200
    done = client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("account_reset_password_from_key_done")
    assert authenticate(username="ana", password=NEW_PASSWORD) == ana
    assert authenticate(username="ana", password=PASSWORD) is None


def test_password_reset_never_says_whether_an_address_has_an_account(client, ana):
    known = client.post(reverse("account_reset_password"), {"email": "ana@university.edu"}, follow=True)
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@university.edu"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain
    assert main(known.text).replace("ana@", "X@") == main(unknown.text).replace("nobody@", "X@")
    assert [message.to for message in mail.outbox] == [["ana@university.edu"]]


def test_a_reset_link_works_once(client, ana):
    client.post(reverse("account_reset_password"), {"email": "ana@university.edu"})
    link = link_in(mail.outbox[0])
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    again = client.get(link, follow=True)
    assert "invalid" in again.text.lower()


def test_changing_the_password_ends_the_other_sessions(client, ana, django_user_model):
    from django.test import Client

    laptop = Client()
    laptop.force_login(ana)
    client.force_login(ana)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get(reverse("cases:project_list"))["Location"].startswith(reverse("account_login"))
    assert authenticate(username="ana", password=NEW_PASSWORD) == ana


def test_a_new_address_replaces_the_old_only_once_its_link_is_followed(client, ana):
    client.force_login(ana)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "ana.ruiz@city.gov"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["ana.ruiz@city.gov"]
    ana.refresh_from_db()
    assert ana.email == "ana@university.edu"

    confirm = client.get(link_in(message))
    client.post(confirm.wsgi_request.path)
    ana.refresh_from_db()
    assert ana.email == "ana.ruiz@city.gov"
    assert list(EmailAddress.objects.filter(user=ana).values_list("email", "verified")) == [
        ("ana.ruiz@city.gov", True)
    ]


def test_account_page_lists_ones_projects_and_roles(client, ana, django_assert_num_queries):
    for name, role in (("Metro study", Role.OWNER), ("Rural study", Role.VIEWER)):
        MembershipFactory(project=ProjectFactory(name=name), user=ana, role=role)
    ProjectFactory(name="Someone else's study")
    client.force_login(ana)
    with django_assert_num_queries(4):
        page = client.get(PROFILE)
    text = page.text
    assert text.index("Metro study") < text.index("Rural study")
    assert "Someone else" not in text
    assert "Viewer" in text and "two-factor authentication off" in text


def test_setting_a_display_name_shows_it_in_the_header(client, ana):
    client.force_login(ana)
    response = client.post(PROFILE, {"display_name": "  Dr.   Ana Ruiz "})
    assert response["Location"] == PROFILE
    assert Profile.objects.get(user=ana).display_name == "Dr. Ana Ruiz"
    assert ">Dr. Ana Ruiz</a>" in client.get(reverse("cases:project_list")).text


def test_a_display_name_is_escaped(client, ana):
    client.force_login(ana)
    client.post(PROFILE, {"display_name": "<script>alert(1)</script>"})
    page = client.get(PROFILE).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("name", ["", "   "])
def test_a_blank_display_name_is_refused(client, ana, name):
    client.force_login(ana)
    response = client.post(PROFILE, {"display_name": name})
    assert response.status_code == 400
    assert not Profile.objects.filter(user=ana).exists()


def test_the_account_page_needs_a_signed_in_user_and_refuses_other_methods(client, ana):
    assert client.get(PROFILE)["Location"].startswith(reverse("account_login"))
    client.force_login(ana)
    assert client.put(PROFILE).status_code == 405
    assert client.delete(PROFILE).status_code == 405
