"""Adjudication in a real browser: two coders coded one transcript; the owner opens the disagreement view
from the transcript's page, accepts one coder's side of a difference into the consensus layer, opens another
difference in the workspace, and sees the matrix on the consensus layer count the accepted coding."""

import pytest
from playwright.sync_api import expect

from accounts.people import consensus_coder
from cases.models import Role
from coding.models import Coding, Segment
from tests.browser.conftest import member
from tests.factories import CaseFactory, CodeFactory, ProfileFactory, ProjectFactory, TranscriptFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = (
    "Interviewer: How do agencies share data here?\n\n"
    "R07: Every bureau guards its own data. The big-data bureau asks, but the departments say the data "
    "belongs to them, and nobody wants to be blamed when shared data turns out to be wrong.\n\n"
    "Interviewer: What helps?\n\n"
    "R07: When the mayor pushes, things move quickly. The leading group meets every month and the "
    "departments report to it.\n\n"
    "Interviewer: And the platform?\n\n"
    "R07: The platform works, but each bureau still keeps a copy of its own tables."
)


def code(transcript, coder, passage, code, valence="none"):
    start = TEXT.index(passage)
    segment, _ = Segment.objects.get_or_create(
        transcript=transcript, start=start, end=start + len(passage), created_by=coder
    )
    Coding.objects.create(segment=segment, code=code, coder=coder, valence=valence)


def test_owner_accepts_one_side_and_the_consensus_matrix_counts_it(page, log_in):
    project = ProjectFactory(name="Interagency data sharing")
    member(project, "pi", Role.OWNER)
    ann, bea = member(project, "ann", Role.CODER), member(project, "bea", Role.CODER)
    ProfileFactory(user=ann, display_name="Ann Lee")
    ProfileFactory(user=bea, display_name="Bea Moreau")
    transcript = TranscriptFactory(case=CaseFactory(project=project, name="City X"), text=TEXT)
    ownership = CodeFactory(project=project, name="Data ownership", colour="#d62728")
    politics = CodeFactory(project=project, name="Political determination", colour="#2ca02c")
    platform = CodeFactory(project=project, name="Technological support", colour="#1f77b4")
    code(transcript, ann, "Every bureau guards its own data.", ownership, "negative")
    code(transcript, bea, "guards its own data", ownership, "negative")
    code(transcript, ann, "When the mayor pushes, things move quickly.", politics, "positive")
    code(transcript, bea, "When the mayor pushes, things move quickly.", politics, "none")
    code(transcript, bea, "The platform works", platform, "positive")
    code(transcript, ann, "The leading group meets every month", politics, "positive")
    code(transcript, bea, "The leading group meets every month", politics, "positive")

    page.set_viewport_size({"width": 1280, "height": 800})
    log_in("pi")
    page.goto(transcript.get_absolute_url())
    page.get_by_role("link", name="Compare coders").click()
    differences = page.locator("ol.differences > li")
    expect(differences).to_have_count(3)
    expect(differences.nth(0)).to_contain_text("same code, different span")
    expect(differences.nth(1)).to_contain_text("same code, different valence")
    expect(differences.nth(2)).to_contain_text("only Bea Moreau")
    expect(page.locator(".summary")).to_contain_text("1 passage coded alike")
    page.screenshot(path="/tmp/shots/adjudicate-view.png")

    first = differences.nth(0)
    first.get_by_label("Ann Lee’s").check()
    first.get_by_label("Memo on difference 1").fill("The whole sentence says who owns the data.")
    first.get_by_role("button", name="Decide").click()
    resolved = page.locator("ol.differences > li.resolved")
    expect(resolved).to_have_count(1)
    expect(resolved).to_contain_text("Resolved: accepted Ann Lee’s codings — pi")
    expect(resolved).to_contain_text("The whole sentence says who owns the data.")
    expect(page.locator("ol.history")).to_contain_text("Data ownership")
    page.screenshot(path="/tmp/shots/adjudicate-resolved.png")
    page.screenshot(path="/tmp/shots/adjudicate-full.png", full_page=True)

    # One click from a difference to the workspace at that passage, its quotation open.
    differences.nth(2).get_by_role("link", name="Open in workspace").click()
    quotation = Segment.objects.get(created_by=bea, quote="The platform works")
    expect(page.locator("#segment-panel")).to_contain_text(f"Quotation Q{quotation.number}")
    expect(page.locator(f'#text .chip[data-segment="{quotation.pk}"]')).to_be_in_viewport()

    page.goto(f"/p/{project.pk}/matrix/?coder={consensus_coder().pk}")
    expect(page.locator(".computed")).to_contain_text("the consensus layer (adjudicated codings) only")
    row = page.locator(f"#matrix tr[data-code='{ownership.pk}']")
    expect(row.locator("td.total")).to_have_text("1")
    expect(page.locator(f"#matrix tr[data-code='{politics.pk}'] td.total")).to_have_text("0")
    page.screenshot(path="/tmp/shots/adjudicate-matrix.png")
