"""Blind double coding in a real browser: the owner assigns one interview to two coders and starts blind
coding; each coder codes it by selecting text and sees only their own highlights; the owner sees both."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Assignment, AssignmentStatus, Role
from coding.models import Coding
from tests.browser.conftest import member, sign_in
from tests.browser.test_workspace import ENGLISH, select_with_mouse
from tests.factories import CaseFactory, CodeFactory, ProfileFactory, TranscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def signed_in(new_context, username: str):
    """A browser of its own for each member, as two coders at two desks."""
    page = new_context().new_page()
    page.set_viewport_size({"width": 1280, "height": 800})
    return sign_in(page, username)


def code_passage(page, phrase: str, code: str) -> None:
    select_with_mouse(page, phrase)
    expect(page.locator("#picker")).to_be_visible()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.locator("#picker")).to_be_hidden()


def two_coders_and_an_interview():
    """City X with its owner `pi` and two coders, coder1 (Ana Lima) and coder2 (Bo Chen), the codes "Data
    ownership" and "Political determination", and the interview R01; (project, transcript, Data ownership)."""
    case = CaseFactory(name="City X")
    project = case.project
    member(project, "pi", Role.OWNER)
    first, second = member(project, "coder1", Role.CODER), member(project, "coder2", Role.CODER)
    ProfileFactory(user=first, display_name="Ana Lima")
    ProfileFactory(user=second, display_name="Bo Chen")
    ownership = CodeFactory(project=project, name="Data ownership", colour="#fc9272")
    CodeFactory(project=project, name="Political determination", colour="#a1d99b")
    return project, TranscriptFactory(case=case, title="Interview R01", text=ENGLISH), ownership


def test_two_coders_code_blind_and_the_owner_sees_both(new_context, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    SHOTS.mkdir(exist_ok=True)
    project, transcript, _ = two_coders_and_an_interview()
    TranscriptFactory(case=transcript.case, title="Interview R02")
    workspace = f"/p/{project.pk}/t/{transcript.pk}/code/"

    # The owner assigns the interview to both coders and starts blind coding.
    owner = signed_in(new_context, "pi")
    owner.goto(f"/p/{project.pk}/")
    owner.get_by_role("link", name="Assignments").first.click()
    owner.get_by_label("Tick Interview R01").check()
    owner.get_by_label("Ana Lima").check()
    owner.get_by_label("Bo Chen").check()
    owner.get_by_role("button", name="Assign ticked transcripts to ticked people").click()
    expect(owner.locator(".messages")).to_contain_text("2 new assignments.")
    owner.get_by_role("button", name="Start blind coding").click()
    expect(owner.locator("#blind h2")).to_contain_text("Blind coding is on")
    assert Assignment.objects.filter(transcript=transcript).count() == 2

    # Each coder codes the interview; the second also codes the very words the first coded.
    ana = signed_in(new_context, "coder1")
    ana.goto(workspace)
    expect(ana.locator(".blind-notice")).to_be_visible()
    code_passage(ana, "Every bureau guards its own data.", "ownership")
    expect(ana.locator("#text .chip")).to_have_count(1)
    expect(ana.locator("#assignment-status")).to_have_value(AssignmentStatus.IN_PROGRESS)

    bo = signed_in(new_context, "coder2")
    bo.goto(workspace)
    expect(bo.locator("#text .chip")).to_have_count(0)  # Ana's highlight is not there
    code_passage(bo, "When the mayor pushes, things move quickly.", "political")
    code_passage(bo, "Every bureau guards its own data.", "political")
    expect(bo.locator("#text .chip")).to_have_count(2)
    assert Coding.objects.count() == 3

    # Reloaded, each still sees only their own.
    ana.reload()
    expect(ana.locator("#text .chip")).to_have_count(1)
    expect(ana.locator("#text .chip")).to_have_attribute("title", "Data ownership · Ana Lima")
    ana.select_option("#assignment-status", AssignmentStatus.DONE)
    expect(ana.locator("#assignment-bar [role=status]")).to_have_text("Marked done.")
    ana.screenshot(path=str(SHOTS / "assign-blind-workspace.png"))
    bo.reload()
    expect(bo.locator("#text .chip")).to_have_count(2)
    assert Assignment.objects.get(coder__username="coder1").status == AssignmentStatus.DONE
    assert Assignment.objects.get(coder__username="coder2").status == AssignmentStatus.IN_PROGRESS

    # The owner sees both coders' highlights, and their progress.
    owner.goto(workspace)
    expect(owner.locator("#text .chip")).to_have_count(3)
    expect(owner.locator(".blind-notice")).to_have_count(0)
    expect(owner.get_by_text("as an owner you see everyone's")).to_be_visible()
    owner.screenshot(path=str(SHOTS / "assign-owner-workspace.png"))
    owner.goto(f"/p/{project.pk}/assignments/")
    expect(owner.locator(".assignments .status-done")).to_have_count(1)
    expect(owner.locator(".assignments .status-in_progress")).to_have_count(1)
    owner.screenshot(path=str(SHOTS / "assign-assignments.png"), full_page=True)
