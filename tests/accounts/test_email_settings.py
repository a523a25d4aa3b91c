"""EMAIL_URL: one variable selects SMTP; without it, mails are printed to the console."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import email_settings


@pytest.mark.parametrize("url", ["", "console:"])
def test_without_smtp_mails_go_to_the_console(url):
    assert email_settings(url) == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}


def test_smtp_uses_starttls_on_587_with_the_decoded_credentials():
    found = email_settings("smtp://crosscase%40uni.edu:p%40ss%3Aword@smtp.uni.edu")
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"]) == ("smtp.uni.edu", 587)
    assert (found["EMAIL_HOST_USER"], found["EMAIL_HOST_PASSWORD"]) == ("crosscase@uni.edu", "p@ss:word")
    assert found["EMAIL_USE_TLS"] and not found["EMAIL_USE_SSL"]


def test_smtps_uses_tls_from_the_start_on_465():
    found = email_settings("smtps://user:secret@mail.example.org")
    assert found["EMAIL_PORT"] == 465
    assert found["EMAIL_USE_SSL"] and not found["EMAIL_USE_TLS"]


def test_a_relay_without_encryption_must_say_so():
    found = email_settings("smtp://relay.internal:25?tls=0")
    assert (found["EMAIL_PORT"], found["EMAIL_USE_TLS"], found["EMAIL_HOST_USER"]) == (25, False, "")


@pytest.mark.parametrize("url", ["smtp.uni.edu", "http://smtp.uni.edu", "smtp://"])
def test_anything_else_stops_start_up_with_the_expected_form(url):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_URL must look like smtp://"):
        email_settings(url)
