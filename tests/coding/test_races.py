"""Races between coders and owners, run as real concurrent requests against the live server on PostgreSQL.

A coder is told "saved" only for a coding that exists after every concurrent change (or that the undo step of
a later deletion holds, to bring back), and the loser of a race is told why with a 400 or 409, never a 500.
Each test repeats its race for many rounds: the window is a few milliseconds wide.
"""

import itertools
import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx
import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.models import Role
from codebook.models import Code
from coding.models import Coding, Segment, UndoStep
from tests.factories import CaseFactory, CodeFactory, MembershipFactory, ProjectFactory, TranscriptFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a race needs two connections writing at once; SQLite's IMMEDIATE transactions never overlap",
    ),
    pytest.mark.django_db(transaction=True),
]

CODING_IDS = re.compile(r"/code/c/(\d+)/delete/")  # the codings an action's answer shows on the quotation
PASSAGES = 2_000
ROUNDS = 20
SEEDED = 300  # codings the merged or deleted code carries: they make its transaction long enough to overlap


class Tab:
    """A signed-in browser tab: real HTTP to the live server with the user's session cookie and CSRF token."""

    def __init__(self, base_url: str, user):
        login = Client()
        login.force_login(user)
        session = login.cookies[settings.SESSION_COOKIE_NAME].value
        self.http = httpx.Client(
            base_url=base_url, timeout=30, cookies={settings.SESSION_COOKIE_NAME: session}
        )
        self.http.get("/")  # sets the CSRF cookie, as opening any page does
        self.csrf = self.http.cookies["csrftoken"]

    def post(self, path: str, data: dict | None = None, *, htmx: bool = True) -> httpx.Response:
        headers = {"X-CSRFToken": self.csrf, **({"HX-Request": "true"} if htmx else {})}
        return self.http.post(path, data=data or {}, headers=headers)


@dataclass
class Desk:
    """A project with a long transcript of short paragraphs, an owner, two coders and tabs for each."""

    project: object
    transcript: object
    owner: object
    coders: list
    passages: list[tuple[int, int]]
    tabs: dict = field(default_factory=dict)
    unused: itertools.count = field(default_factory=itertools.count)

    def tab(self, user, number: int = 0) -> Tab:
        return self.tabs[(user.pk, number)]

    def fresh_passage(self) -> tuple[int, int]:
        """A passage nobody has coded yet in this test, so that an apply makes a quotation of its own."""
        return self.passages[SEEDED + next(self.unused)]

    def url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"project_id": self.project.pk, **kwargs})

    def apply_url(self) -> str:
        return self.url("coding:apply_hx", transcript_id=self.transcript.pk)


@pytest.fixture
def desk(live_server):
    project = ProjectFactory(name="Races")
    paragraphs = [f"Passage {number:04d} says something worth coding." for number in range(PASSAGES)]
    text = "\n\n".join(paragraphs)
    passages, offset = [], 0
    for paragraph in paragraphs:
        passages.append((offset, offset + len(paragraph)))
        offset += len(paragraph) + 2
    transcript = TranscriptFactory(case=CaseFactory(project=project), text=text)
    owner = MembershipFactory(project=project, role=Role.OWNER).user
    coders = [MembershipFactory(project=project, role=Role.CODER).user for _ in range(2)]
    desk = Desk(project=project, transcript=transcript, owner=owner, coders=coders, passages=passages)
    for user in [owner, *coders]:
        for number in range(2):
            desk.tabs[(user.pk, number)] = Tab(live_server.url, user)
    yield desk
    for tab in desk.tabs.values():  # the server's threads, and their database connections, end with them
        tab.http.close()


def seeded_code(desk: Desk, **fields) -> Code:
    """A code with `SEEDED` codings by the owner, one on each of the first passages."""
    code = CodeFactory(project=desk.project, **fields)
    segments = {
        (segment.start, segment.end): segment
        for segment in Segment.objects.filter(transcript=desk.transcript, created_by=desk.owner)
    }
    missing = [span for span in desk.passages[:SEEDED] if span not in segments]
    for segment in Segment.objects.bulk_create(
        Segment(transcript=desk.transcript, start=start, end=end, created_by=desk.owner, quote="")
        for start, end in missing
    ):
        segments[(segment.start, segment.end)] = segment
    Coding.objects.bulk_create(
        Coding(segment=segments[span], code=code, coder=desk.owner) for span in desk.passages[:SEEDED]
    )
    return code


def at_once(*calls):
    """Runs each call in its own thread, all released together; returns what each returned."""
    start = threading.Barrier(len(calls))

    def released(call):
        start.wait(10)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result() for future in [pool.submit(released, call) for call in calls]]


@dataclass
class Tally:
    """What the coders were told: the codings said saved, and every answer's status."""

    saved: set[int] = field(default_factory=set)
    statuses: Counter = field(default_factory=Counter)
    refusals: list[str] = field(default_factory=list)

    def keep(self, response: httpx.Response) -> None:
        self.statuses[response.status_code] += 1
        if response.status_code == 200:
            self.saved |= {int(pk) for pk in CODING_IDS.findall(response.text)}
        elif response.status_code in (400, 409):
            self.refusals.append(response.text)

    def outcome(self, lost: set[int]) -> dict:
        """What a test requires of its rounds: no server error, no unclear refusal, no lost coding."""
        return {
            "server errors": sum(n for status, n in self.statuses.items() if status >= 500),
            "other answers": sum(
                n for status, n in self.statuses.items() if status < 500 and status not in (200, 400, 409)
            ),
            "refusals that do not say to reload": sum("reload" not in text for text in self.refusals),
            "codings said saved that are gone": len(lost),
        }


CLEAN = {  # what `Tally.outcome` must be
    "server errors": 0,
    "other answers": 0,
    "refusals that do not say to reload": 0,
    "codings said saved that are gone": 0,
}


def applying_until(
    desk: Desk, coder, code: Code, done: threading.Event, tally: Tally, *, after: float = 0.0, most: int = 8
):
    """A coder applying `code` to fresh passages, one after another, from `after` seconds on until `done`
    (at least once, at most `most` times)."""

    def work():
        time.sleep(after)
        for attempt in range(most):
            if attempt and done.is_set():
                return
            start, end = desk.fresh_passage()
            data = {"start": start, "end": end, "codes": [code.pk]}
            tally.keep(desk.tab(coder).post(desk.apply_url(), data))

    return work


def owner_doing(desk: Desk, path: str, data: dict, done: threading.Event):
    """The owner posting a codebook form (as a browser does, without htmx); `done` is set once answered."""

    def work():
        try:
            return desk.tab(desk.owner).post(path, data, htmx=False)
        finally:
            done.set()

    return work


def present(ids: set[int]) -> set[int]:
    return set(Coding.objects.filter(pk__in=ids).values_list("pk", flat=True))


def test_applying_a_code_while_it_is_merged_loses_no_coding(desk):
    tally, merges = Tally(), Counter()
    for number in range(ROUNDS):
        source = seeded_code(desk, name=f"Source {number}")
        target = CodeFactory(project=desk.project, name=f"Target {number}")
        done = threading.Event()
        merge = desk.url("codebook:code_merge", code_id=source.pk)
        answer, *_ = at_once(
            owner_doing(desk, merge, {"target": target.pk}, done),
            *(applying_until(desk, coder, source, done, tally) for coder in desk.coders),
        )
        merges[answer.status_code] += 1
    lost = tally.saved - present(tally.saved)
    assert tally.outcome(lost) == CLEAN, f"coders: {dict(tally.statuses)}, owner: {dict(merges)}"
    assert merges == {302: ROUNDS}
    assert tally.statuses[200] and (tally.statuses[400] or tally.statuses[409]), "no round raced"


def test_applying_a_code_while_it_is_deleted_loses_no_coding(desk):
    tally, deletions, lost = Tally(), Counter(), set()
    for number in range(ROUNDS):
        code = seeded_code(desk, name=f"Doomed {number}")
        done, before = threading.Event(), set(tally.saved)
        delete = desk.url("codebook:code_delete", code_id=code.pk)
        # The owner's count is taken before the deletion's lock: a coding saved before it makes the owner
        # confirm again. The coders start a little later in some rounds, so that the deletion wins others.
        after = (number % 5) * 0.01
        answer, *_ = at_once(
            owner_doing(desk, delete, {"seen_all": SEEDED, "confirm": "on"}, done),
            *(applying_until(desk, coder, code, done, tally, after=after) for coder in desk.coders),
        )
        deletions[answer.status_code] += 1
        saved_now = tally.saved - before
        lost |= saved_now - present(saved_now)
        if answer.status_code == 400:  # codings came while the owner decided: asked again, nothing deleted
            assert "check again" in answer.text.lower()
            Code.objects.filter(pk=code.pk).delete()
    assert tally.outcome(lost) == CLEAN, f"coders: {dict(tally.statuses)}, owner: {dict(deletions)}"
    assert set(deletions) <= {302, 400} and deletions[302], deletions
    assert tally.statuses[400] or tally.statuses[409], "no round raced"


def coders_quotation(desk: Desk, code: Code) -> Coding:
    """A quotation of the first coder on a fresh passage, with `code` on it."""
    start, end = desk.fresh_passage()
    segment = Segment.objects.create(
        transcript=desk.transcript, start=start, end=end, created_by=desk.coders[0]
    )
    return Coding.objects.create(segment=segment, code=code, coder=desk.coders[0])


def adding(desk: Desk, coding: Coding, code: Code, tab: int, tally: Tally):
    """The first coder, in tab `tab`, adding `code` to the quotation of `coding` (applying it to its span)."""
    data = {"start": coding.segment.start, "end": coding.segment.end, "codes": [code.pk]}
    return lambda: tally.keep(desk.tab(desk.coders[0], tab).post(desk.apply_url(), data))


def held_by_undo(user) -> set[int]:
    """The codings `user`'s undo steps would bring back: those of quotations they deleted or emptied."""
    return {
        row[0]
        for record in UndoStep.objects.filter(user=user, record__op="restore").values_list(
            "record", flat=True
        )
        for row in record["segment"]["codings"]
    }


def test_adding_codes_to_a_quotation_while_it_is_deleted_loses_no_coding(desk):
    first, second, third = (CodeFactory(project=desk.project, name=name) for name in ("One", "Two", "Three"))
    tally, deletions = Tally(), Counter()
    for _ in range(2 * ROUNDS):
        coding = coders_quotation(desk, first)
        delete = desk.url(
            "coding:segment_delete_hx", transcript_id=desk.transcript.pk, segment_id=coding.segment_id
        )
        answer, *_ = at_once(
            lambda delete=delete: desk.tab(desk.owner).post(delete),
            adding(desk, coding, second, 0, tally),
            adding(desk, coding, third, 1, tally),
        )
        deletions[answer.status_code] += 1
    # A coding added before the deletion went with the quotation, and the owner's undo brings it back.
    lost = tally.saved - present(tally.saved) - held_by_undo(desk.owner)
    assert tally.outcome(lost) == CLEAN, f"coders: {dict(tally.statuses)}, owner: {dict(deletions)}"
    assert set(deletions) <= {200, 409}, deletions


def test_adding_a_code_while_the_quotations_last_code_is_removed_loses_no_coding(desk):
    first, second = (CodeFactory(project=desk.project, name=name) for name in ("One", "Two"))
    tally, removals = Tally(), Counter()
    removed = set()
    for _ in range(2 * ROUNDS):
        coding = coders_quotation(desk, first)
        removed.add(coding.pk)
        remove = desk.url("coding:coding_delete_hx", transcript_id=desk.transcript.pk, coding_id=coding.pk)
        answer, _ = at_once(
            lambda remove=remove: desk.tab(desk.coders[0], 1).post(remove),
            adding(desk, coding, second, 0, tally),
        )
        removals[answer.status_code] += 1
    # Removing one code takes only that coding, whether the quotation goes with it or not.
    lost = tally.saved - removed - present(tally.saved)
    assert tally.outcome(lost) == CLEAN, f"coders: {dict(tally.statuses)}, removals: {dict(removals)}"
    assert set(removals) <= {200, 409}, removals
