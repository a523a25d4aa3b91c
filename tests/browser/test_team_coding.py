"""Team coding end to end in a real browser: two coders code one interview blind, each seeing only their own
codings; the owner reads the agreement report, opens the disagreement view, accepts one coder's side into the
consensus layer, and the matrix computed on the consensus layer counts it."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.people import consensus_coder
from coding.models import Coding
from tests.browser.test_blind_coding import code_passage, signed_in, two_coders_and_an_interview

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_blind_double_coding_agreement_and_adjudication(new_context, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    SHOTS.mkdir(exist_ok=True)
    project, transcript, ownership = two_coders_and_an_interview()
    workspace = f"/p/{project.pk}/t/{transcript.pk}/code/"
    project.blind_coding = True
    project.save(update_fields=["blind_coding"])

    # Blind: each coder codes the interview and sees only their own highlights.
    ana = signed_in(new_context, "coder1")
    ana.goto(workspace)
    code_passage(ana, "Every bureau guards its own data.", "ownership")
    bo = signed_in(new_context, "coder2")
    bo.goto(workspace)
    expect(bo.locator("#text .chip")).to_have_count(0)
    code_passage(bo, "guards its own data.", "ownership")
    code_passage(bo, "When the mayor pushes, things move quickly.", "political")
    expect(bo.locator("#text .chip")).to_have_count(2)
    ana.reload()
    expect(ana.locator("#text .chip")).to_have_count(1)
    # A coder cannot open the agreement report while coding is blind.
    ana.goto(f"/p/{project.pk}/agreement/")
    expect(ana.locator("main")).to_contain_text("blind")
    assert Coding.objects.count() == 3

    # The owner reads the agreement at the paragraph unit.
    owner = signed_in(new_context, "pi")
    owner.goto(f"/p/{project.pk}/agreement/")
    owner.get_by_label("Unit").select_option("paragraphs")
    owner.get_by_label("Coders").select_option(label=["Ana Lima", "Bo Chen"])
    owner.get_by_role("button", name="Compare").click()
    area = owner.locator("#report-area")
    expect(area).to_contain_text("A unit is one paragraph of a transcript")
    row = area.locator("tr", has=owner.get_by_role("rowheader", name="Data ownership", exact=True)).first
    expect(row).to_contain_text("%")
    owner.screenshot(path=str(SHOTS / "team-agreement.png"))

    # Then the disagreement view of the interview, and Ana's side of the ownership passage into the consensus.
    owner.goto(transcript.get_absolute_url())
    owner.get_by_role("link", name="Compare coders").click()
    differences = owner.locator("ol.differences > li")
    expect(differences).to_have_count(2)
    span = differences.filter(has_text="same code, different span")
    expect(span).to_have_count(1)
    span.get_by_label("Ana Lima’s").check()
    span.get_by_role("button", name="Decide").click()
    expect(owner.locator("ol.differences > li.resolved")).to_have_count(1)
    owner.screenshot(path=str(SHOTS / "team-disagreements.png"))

    # The matrix on the consensus layer counts the accepted coding, and says which layer it counts.
    owner.goto(f"/p/{project.pk}/matrix/?coder={consensus_coder().pk}")
    expect(owner.locator(".computed")).to_contain_text("the consensus layer (adjudicated codings) only")
    expect(owner.locator(f"#matrix tr[data-code='{ownership.pk}'] td.total")).to_have_text("1")
    accepted = Coding.objects.get(coder=consensus_coder())
    assert accepted.segment.quote == "Every bureau guards its own data." and accepted.code == ownership
    owner.screenshot(path=str(SHOTS / "team-consensus-matrix.png"))
