"""The Content-Security-Policy: sent on every response, strict (no inline script or style, no eval, no hashes
or nonces to keep in step), and passed by the pages themselves: no template, no module that builds HTML and no
rendered page carries a style attribute, an event-handler attribute or an inline script. The browser tests
fail on anything the browser refuses (tests/browser/conftest.py); these catch it without a browser.
"""

import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.urls import reverse

from tests.cases.test_access import ROUTES, url_for  # noqa: F401 (url_for is a fixture)
from tests.factories import UserFactory

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],  # the two-factor QR code is a data: URI
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

# What a strict policy refuses, as it appears in markup (and in the Python strings that build markup).
STYLE_ATTRIBUTE = re.compile(r"""\sstyle\s*=\s*\\?["'{]""", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"""\son[a-z]+\s*=\s*\\?["'{]""", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
SCRIPT_ELEMENT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']\s*javascript:""", re.IGNORECASE)
DATA_BLOCK = re.compile(r"""\btype=["']application/json["']""")  # never executed, so allowed


def directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def refusals(html: str) -> list[str]:
    """Everything in `html` that the policy would refuse."""
    found = [
        match.group(0).strip()
        for pattern in (STYLE_ATTRIBUTE, HANDLER_ATTRIBUTE, STYLE_ELEMENT, JAVASCRIPT_URL)
        for match in pattern.finditer(html)
    ]
    for match in SCRIPT_ELEMENT.finditer(html):
        attributes = match.group(1)
        if "src=" not in attributes and not DATA_BLOCK.search(attributes):
            found.append(match.group(0))
    return found


def test_the_policy_is_exactly_the_strict_one():
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"] == POLICY
    for value in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'nonce-", "'sha256-", "*"):
        assert value not in str(settings.CONTENT_SECURITY_POLICY)


def assert_strict_policy(response):
    header = response["Content-Security-Policy"]
    assert directives(header) == POLICY
    assert "unsafe-inline" not in header and "unsafe-eval" not in header


def test_a_signed_in_page_sends_the_policy(client_for, owner, project):
    response = client_for(owner).get(project.get_absolute_url())
    assert response.status_code == 200
    assert_strict_policy(response)


def test_the_sign_in_page_sends_the_policy(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert_strict_policy(response)
    assert refusals(response.text) == []


def test_a_missing_page_sends_the_policy(client_for, owner):
    response = client_for(owner).get("/no-such-page/")
    assert response.status_code == 404
    assert_strict_policy(response)


def test_a_refusal_and_an_htmx_fragment_send_the_policy(client_for, outsider, project, owner, transcript):
    assert_strict_policy(client_for(outsider).get(project.get_absolute_url()))  # 404 for a non-member
    response = client_for(owner).get(
        reverse("coding:workspace", args=[project.pk, transcript.pk]), headers={"HX-Request": "true"}
    )
    assert_strict_policy(response)


def test_the_admin_sends_the_policy_and_passes_it(client_for, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = client_for(admin)
    for url in (
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[admin.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_policy(response)
        assert refusals(response.text) == [], url


def test_the_account_pages_pass_the_policy(client_for, owner, client):
    """allauth's pages as a member sees them; the e-mail page with a change pending has a hidden form, which
    allauth styles inline (templates/account/email_change.html marks it hidden instead)."""
    EmailAddress.objects.create(user=owner, email=owner.email, verified=True, primary=True)
    EmailAddress.objects.create(user=owner, email="new.address@example.org", verified=False, primary=False)
    signed_in = client_for(owner)
    for name in (
        "accounts:profile",
        "account_email",
        "account_change_password",
        "account_reauthenticate",
        "mfa_index",
    ):
        response = signed_in.get(reverse(name))
        assert response.status_code == 200, name
        assert_strict_policy(response)
        assert refusals(response.text) == [], name
    assert re.search(r'<form hidden\s+id="pending-email"', signed_in.get(reverse("account_email")).text)
    signed_in.logout()
    for name in ("account_login", "account_reset_password", "account_reset_password_done"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert refusals(response.text) == [], name


ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
# Every module that builds HTML in Python marks it safe; none of them may write what the policy refuses.
APPS = ("accounts", "cases", "codebook", "coding", "config")
HTML_MODULES = sorted(
    path
    for app in APPS
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
    and re.search(r"\b(mark_safe|SafeString|format_html\w*)\(", path.read_text())
)


def test_the_scan_finds_what_the_policy_refuses():
    assert refusals('<span style="color: red">') and refusals('<button onclick="go()">')
    assert refusals("<script>alert(1)</script>") and refusals("<style>p {}</style>")
    assert refusals("f' style=\"--c: {colour}\"'") and refusals('<a href="javascript:void(0)">')
    assert (
        refusals('<script src="/static/js/a.js"></script><script type="application/json">{}</script>') == []
    )
    assert refusals('<p data-style="x" class="u0-1f77b4">Read on: </p><svg><text font-style="italic">') == []


def test_the_scan_covers_the_templates_and_the_html_builders():
    names = {path.relative_to(ROOT).as_posix() for path in HTML_MODULES}
    assert {
        "coding/workspace/highlights.py",
        "coding/workspace/page.py",
        "coding/analysis/tables.py",
    } <= names
    assert len(TEMPLATES) > 50


@pytest.mark.parametrize("path", TEMPLATES + HTML_MODULES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_no_inline_style_script_or_handler_in_the_source(path):
    assert refusals(path.read_text()) == []


@pytest.mark.parametrize("path", sorted((ROOT / "static" / "js").glob("*.js")), ids=lambda path: path.name)
def test_scripts_neither_evaluate_code_nor_write_style_attributes(path):
    """The policy lets a script set element.style, but that leaves a style attribute, which htmx's snapshot of
    the page carries back on Back, where the policy refuses it: scripts write rules to constructed stylesheets
    (static/js/paint.js, the workspace's `place`) instead."""
    source = path.read_text()
    for refused in ("eval(", "new Function", ".style.", ".style =", '.setAttribute("style"', "cssText"):
        assert refused not in source
    assert refusals(source) == []


@pytest.mark.parametrize("name", sorted(name for name, methods in ROUTES.items() if "GET" in methods))
def test_every_page_passes_the_policy(name, url_for, client_for, owner):  # noqa: F811 (the fixture)
    """Each page as its owner sees it, with a coded passage: highlights, chips, swatches, heat and depth."""
    headers = {"HX-Request": "true"} if name.endswith("_hx") else {}
    response = client_for(owner).get(url_for(name), headers=headers)
    assert response.status_code == 200, name
    assert_strict_policy(response)
    if response["Content-Type"].startswith(("text/html", "image/svg+xml")):
        assert refusals(response.content.decode()) == [], name
