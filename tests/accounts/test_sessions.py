"""Sessions end after a while without a request, and signed-in pages are never cached."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from accounts import sessions
from tests.accounts.conftest import PASSWORD

HOME = reverse("cases:project_list")


def stored(client) -> Session:
    return Session.objects.get(session_key=client.session.session_key)


def test_signed_in_pages_are_never_cached(client, ana, project):
    client.force_login(ana)
    cache_control = client.get(HOME)["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control
    assert "no-store" in client.get(reverse("accounts:profile"))["Cache-Control"]


def test_without_keep_me_signed_in_the_session_ends_with_the_browser(client, ana):
    client.post(reverse("account_login"), {"username": "ana", "password": PASSWORD})
    assert client.session.get_expire_at_browser_close()
    client.logout()
    client.post(reverse("account_login"), {"username": "ana", "password": PASSWORD, "remember": "on"})
    assert not client.session.get_expire_at_browser_close()


def test_activity_extends_the_session_but_writes_it_at_most_once_a_minute(client, ana, settings, monkeypatch):
    client.force_login(ana)
    start = stored(client).expire_date
    now = sessions.time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + 30)
    client.get(HOME)
    assert stored(client).expire_date == start

    monkeypatch.setattr(sessions.time, "time", lambda: now + 3600)
    client.get(HOME)
    assert stored(client).expire_date > start
    assert stored(client).expire_date - timezone.now() > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_session_idle_past_its_age_is_signed_out(client, ana):
    client.force_login(ana)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(HOME)["Location"].startswith(reverse("account_login"))


def test_the_idle_limit_defaults_to_four_hours(settings):
    assert settings.SESSION_COOKIE_AGE == 4 * 60 * 60
