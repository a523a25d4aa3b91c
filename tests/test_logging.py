"""What the server console says: one line for an expected refusal, one traceback for a real error."""

import io
import logging
import sys

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from config.logfilters import PermissionRefusal


@pytest.fixture
def console(settings):
    """The console as a developer running the server sees it: every console handler the settings configured
    (DEBUG on, so Django's own speaks too), writing where the test can read it."""
    settings.DEBUG = True
    handlers = {
        handler
        for name in ("", "django", "django.request")
        for handler in logging.getLogger(name).handlers
        if type(handler) is logging.StreamHandler  # not pytest's own capturing handlers
    }
    assert handlers
    written = io.StringIO()
    streams = {handler: handler.setStream(written) for handler in handlers}
    yield written
    for handler, stream in streams.items():
        handler.setStream(stream)


def test_a_permission_refusal_logs_one_line_saying_who_where_and_why(
    client_for, viewer, project, console, caplog
):
    url = reverse("cases:project_edit", args=[project.pk])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client_for(viewer).post(url, {"name": "Renamed"})
    assert response.status_code == 403
    assert console.getvalue().splitlines() == [
        f"Forbidden: POST {url} by reader: This needs the owner role in the project."
    ]
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and record.levelno == logging.WARNING


def test_a_real_error_still_logs_its_traceback_once(client_for, owner, console, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the template engine fell over")

    monkeypatch.setattr("cases.views.render", broken)
    client = client_for(owner)
    client.raise_request_exception = False
    assert client.get(reverse("cases:project_list")).status_code == 500
    output = console.getvalue()
    assert output.startswith("Internal Server Error: /\n")
    assert output.count("Traceback (most recent call last)") == 1
    assert output.count("RuntimeError: the template engine fell over") == 1


def test_a_refusal_without_a_reason_or_a_user_still_says_who_and_what(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/p/x/")
    request.user = AnonymousUser()
    try:
        raise PermissionDenied
    except PermissionDenied:
        record = logging.makeLogRecord(
            {"msg": "Forbidden (Permission denied): %s", "args": ("/p/x/",), "request": request}
        )
        record.exc_info = sys.exc_info()
    assert PermissionRefusal().filter(record) is True
    assert record.getMessage() == "Forbidden: GET /p/x/ by an anonymous visitor: permission denied"
    assert record.exc_info is None
