"""Browser tests: Playwright drives the system Chromium against Django's live server.

Without Chromium they skip with the reason; under CI=true a missing browser is a failure, not a skip.
"""

import io
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        message = "No Chromium found (install Debian's chromium package or set CHROMIUM_PATH)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + ": browser tests must run in CI.")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test body are still
    # synchronous and safe, so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


# How Chromium's console reports what the Content-Security-Policy refused ("Refused to apply inline style
# because it violates the following Content Security Policy directive: …", the same for scripts and eval).
REFUSAL = "Content Security Policy"


@pytest.fixture
def new_context(browser, live_server):
    """Opens browser contexts on the live server whose pages are watched for anything the
    Content-Security-Policy refused; the test fails at teardown if a page reported one, so every page a test
    visits passes the policy."""
    contexts, refusals = [], []

    def open_context():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)

        def watch(message):
            if REFUSAL in message.text:
                refusals.append(f"{message.page.url if message.page else '?'}: {message.text}")

        context.on("console", watch)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    if refusals:
        pytest.fail("The Content-Security-Policy refused:\n" + "\n".join(refusals), pytrace=False)


@pytest.fixture
def page(new_context):
    return new_context().new_page()


PASSWORD = "s3cret-pass-word"


def member(project, username: str, role: str):
    """A user who can log in with `PASSWORD`, with `role` in `project`."""
    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    MembershipFactory(project=project, user=user, role=role)
    return user


def sign_in(page, username: str, password: str = PASSWORD):
    """Signs `page` in through the sign-in form."""
    page.goto("/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    return page


@pytest.fixture
def log_in(page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    def login(username: str, password: str = PASSWORD):
        return sign_in(page, username, password)

    return login


def run_worker() -> None:
    """What the task worker does between two looks at the page: runs every queued job."""
    call_command("db_worker", batch=True, no_startup_delay=True, stdout=io.StringIO(), stderr=io.StringIO())
