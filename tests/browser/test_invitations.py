"""Joining by invitation in a real browser: the owner invites, the invitee follows the e-mailed link in a
browser of their own, chooses a name and password, codes a passage, and the owner sees them in the team."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Role
from coding.models import Coding
from tests.browser.conftest import member
from tests.browser.test_workspace import ENGLISH, select_with_mouse
from tests.factories import CaseFactory, CodeFactory, InvitationFactory, TranscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/shots")


def test_an_invited_coder_joins_and_codes(page, new_context, live_server, log_in):
    case = CaseFactory(name="City X", project__name="Interagency data sharing")
    project = case.project
    owner = member(project, "pi", Role.OWNER)
    transcript = TranscriptFactory(case=case, title="X-R01", text=ENGLISH)
    CodeFactory(project=project, name="Data ownership", colour="#fc9272")
    long_ago = timezone.now() - timedelta(days=10)
    InvitationFactory(
        project=project,
        invited_by=owner,
        email="zhang.min@uni.example",
        role=Role.VIEWER,
        sent_at=long_ago,
        expires_at=long_ago + timedelta(days=7),
    )

    SHOTS.mkdir(exist_ok=True)
    log_in("pi")
    page.get_by_role("link", name="Interagency data sharing").click()
    page.get_by_role("link", name="Team").click()
    page.get_by_label("E-mail address").fill("PI@example.org")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".invite-form")).to_contain_text(
        "pi@example.org is already a member of this project."
    )
    page.screenshot(path=str(SHOTS / "members-invite-error.png"), full_page=True)
    page.get_by_label("E-mail address").fill("Lee.Wei@Uni.example")
    page.locator(".invite-form").get_by_label("Role").select_option("coder")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to lee.wei@uni.example")
    pending = page.locator("table.invitations tbody tr")
    expect(pending).to_have_count(2)
    expect(pending.filter(has_text="lee.wei@uni.example")).to_contain_text("Coder")
    expect(pending.filter(has_text="zhang.min@uni.example")).to_contain_text("expired")
    page.screenshot(path=str(SHOTS / "members-pending.png"), full_page=True)

    [message] = mail.outbox
    assert message.to == ["lee.wei@uni.example"]
    url = re.search(r"http://\S+/invitations/\S+/", message.body).group(0)
    assert url.startswith(live_server.url)

    # The invitee: another browser, signed in as nobody.
    guest = new_context().new_page()
    guest.goto(url)
    expect(guest.get_by_role("heading", name="Join “Interagency data sharing”")).to_be_visible()
    expect(guest.locator("main")).to_contain_text("pi invited you to the project")
    guest.get_by_label("Your name").fill("Lee Wei")
    guest.get_by_label("Password:", exact=True).fill("plum-orchard-42")
    guest.get_by_label("Password again").fill("plum-orchard-42")
    guest.screenshot(path=str(SHOTS / "invitation-accept.png"), full_page=True)
    guest.get_by_role("button", name="Join “Interagency data sharing” as coder").click()
    expect(guest.get_by_role("heading", name="Interagency data sharing")).to_be_visible()
    expect(guest.get_by_role("status")).to_contain_text("Welcome, Lee Wei")
    expect(guest.get_by_role("navigation", name="Account")).to_contain_text("Lee Wei")

    # As a coder, they code a passage in the workspace.
    guest.goto(f"/p/{project.pk}/t/{transcript.pk}/code/")
    expect(guest.locator("#text")).to_be_visible()
    select_with_mouse(guest, "Every bureau guards its own data.")
    expect(guest.locator("#picker")).to_be_visible()
    guest.keyboard.type("ownership")
    guest.keyboard.press("Enter")
    expect(guest.locator("#text .chip")).to_have_count(1)
    coding = Coding.objects.select_related("coder", "segment").get()
    assert (coding.coder.email, coding.segment.quote) == (
        "lee.wei@uni.example",
        "Every bureau guards its own data.",
    )

    # The link is spent: opened again it says so.
    guest.goto(url)
    expect(guest.get_by_role("alert")).to_contain_text("was already used on")
    guest.screenshot(path=str(SHOTS / "invitation-used.png"), full_page=True)

    # The owner sees the new member and the activity.
    page.reload()
    members = page.locator("table.table").first
    expect(members.get_by_role("row").filter(has_text="Lee Wei")).to_contain_text("lee.wei@uni.example")
    expect(page.locator(".activity")).to_contain_text("Lee Wei joined as coder (invited by pi)")
    expect(page.locator(".activity")).to_contain_text("pi invited lee.wei@uni.example as coder")
    expect(page.locator("table.invitations tbody tr")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "members-after-joining.png"), full_page=True)
