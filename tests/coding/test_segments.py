"""Writing quotations: the retry that makes a double click of one coder on one passage safe, and the
quotation numbers of each project."""

import csv
import io
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from cases.refusals import Conflict
from coding.models import Coding, QuotationSequence, Segment
from coding.workspace.actions import apply_codes, delete_segment, retry_once
from coding.workspace.undo import take_back
from tests.concurrency import in_thread, postgresql_only, wait_until_blocked
from tests.factories import CodeFactory, CodingFactory, MembershipFactory, SegmentFactory, TranscriptFactory


def test_retry_once_runs_again_after_a_lost_unique_race(db):
    calls = []

    def operation():
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return "done"

    assert retry_once(operation) == "done"
    assert len(calls) == 2


def test_retry_once_refuses_with_a_conflict_after_the_second_failure(db, caplog):
    def operation():
        raise IntegrityError("still failing")

    with pytest.raises(Conflict, match="reload and try again") as refusal:
        retry_once(operation)
    assert isinstance(refusal.value.__cause__, IntegrityError)
    assert "lost its race twice: still failing" in caplog.text


def test_second_run_of_a_raced_apply_reuses_the_winners_segment(transcript, coder, project):
    code = CodeFactory(project=project)
    winner = Segment.objects.create(transcript=transcript, start=0, end=12, created_by=coder)
    Coding.objects.create(segment=winner, code=code, coder=coder)
    applied = retry_once(
        lambda: apply_codes(transcript=transcript, start=0, end=12, codes=[code], coder=coder)
    )
    assert applied.segment == winner
    assert applied.created == []
    assert Coding.objects.count() == 1


# Quotation numbers: per project, in order, never reused, unique in the database, safe under concurrency.


def _codes_and_coder(project):
    coder = MembershipFactory(project=project).user
    return CodeFactory(project=project), coder


def test_a_new_projects_first_quotation_is_q1_whatever_other_projects_hold(db):
    busy = TranscriptFactory()
    for start in range(5):
        SegmentFactory(transcript=busy, start=start, end=start + 5)
    transcript = TranscriptFactory()
    code, coder = _codes_and_coder(transcript.case.project)
    applied = apply_codes(transcript=transcript, start=0, end=11, codes=[code], coder=coder)
    segment = Segment.objects.get(pk=applied.segment.pk)
    assert segment.pk > 5  # the database id counts every project's quotations
    assert (segment.project, segment.number, segment.citable_id) == (transcript.case.project, 1, "Q1")
    assert str(segment) == "Q1 [0:11]"
    second = apply_codes(transcript=transcript, start=13, end=20, codes=[code], coder=coder).segment
    assert second.citable_id == "Q2"


def test_a_deleted_quotations_number_is_never_given_again_and_comes_back_with_it(db):
    transcript = TranscriptFactory()
    code, coder = _codes_and_coder(transcript.case.project)
    first, second = (
        apply_codes(transcript=transcript, start=start, end=start + 5, codes=[code], coder=coder).segment
        for start in (0, 10)
    )
    delete_segment(segment=second, user=coder)
    third = apply_codes(transcript=transcript, start=20, end=25, codes=[code], coder=coder).segment
    assert (first.number, third.number) == (1, 3)
    take_back(user=coder, transcript=transcript)  # the third apply: Q3 goes
    take_back(user=coder, transcript=transcript)  # the delete: Q2 comes back as Q2
    assert list(Segment.objects.order_by("start").values_list("number", flat=True)) == [1, 2]
    assert SegmentFactory(transcript=transcript, start=30, end=35).number == 4


def test_the_database_refuses_two_quotations_with_one_number_in_a_project(db):
    transcript = TranscriptFactory()
    SegmentFactory(transcript=transcript, start=0, end=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Segment.objects.bulk_create([Segment(transcript=transcript, start=6, end=9, number=1)])
    other = TranscriptFactory()  # the same number in another project is that project's own
    Segment.objects.bulk_create([Segment(transcript=other, start=6, end=9, number=1)])


def test_bulk_created_quotations_are_numbered_per_project_in_order(db):
    one, two = TranscriptFactory(), TranscriptFactory()
    SegmentFactory(transcript=one)
    made = Segment.objects.bulk_create(
        Segment(transcript=transcript, start=start, end=start + 3, quote="")
        for start, transcript in enumerate([one, two, one, two, one])
    )
    assert [(segment.project_id, segment.number) for segment in made] == [
        (one.case.project_id, 2),
        (two.case.project_id, 1),
        (one.case.project_id, 3),
        (two.case.project_id, 2),
        (one.case.project_id, 4),
    ]
    assert QuotationSequence.objects.get(project=one.case.project).last_number == 4


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_second_number_waits_for_the_transaction_holding_the_first():
    project = TranscriptFactory().case.project
    taken, release, results = threading.Event(), threading.Event(), []

    def first():
        with transaction.atomic():
            numbers = QuotationSequence.take(project_id=project.pk)
            taken.set()
            release.wait(10)
            return numbers[0]

    def second():
        with transaction.atomic():
            return QuotationSequence.take(project_id=project.pk)[0]

    holder = in_thread(first, results)
    assert taken.wait(10)
    waited: list = []
    waiter = in_thread(second, waited)
    wait_until_blocked(waiter, "The second number")
    release.set()
    holder.join(10)
    waiter.join(10)
    assert (results, waited) == ([1], [2])
    assert QuotationSequence.objects.get(project=project).last_number == 2


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_coders_applying_at_the_same_instant_get_different_numbers():
    transcript = TranscriptFactory(text="word " * 200)
    project = transcript.case.project
    code = CodeFactory(project=project)
    coders = [MembershipFactory(project=project).user for _ in range(2)]
    start_together, results = threading.Barrier(2), []

    def coder_at_work(coder, offset):
        def work():
            start_together.wait(10)
            return [
                apply_codes(
                    transcript=transcript,
                    start=offset + 10 * n,
                    end=offset + 10 * n + 4,
                    codes=[code],
                    coder=coder,
                ).segment.number
                for n in range(5)
            ]

        return work

    threads = [in_thread(coder_at_work(coder, 5 * index), results) for index, coder in enumerate(coders)]
    for thread in threads:
        thread.join(30)
    assert not any(isinstance(result, Exception) for result in results), results
    numbers = sorted(number for result in results for number in result)
    assert numbers == list(range(1, 11))
    assert sorted(Segment.objects.filter(project=project).values_list("number", flat=True)) == numbers


@pytest.mark.django_db(transaction=True)
def test_the_migration_numbers_existing_quotations_per_project_in_creation_order():
    executor = MigrationExecutor(connection)
    # The cases app stays at its newest state: only coding goes back to before the numbers.
    cases_now = executor.loader.graph.leaf_nodes("cases")
    before, after = (
        [("coding", "0004_quotation_numbers"), *cases_now],
        executor.loader.graph.leaf_nodes("coding"),
    )
    executor.migrate(before)
    try:
        old = MigrationExecutor(connection).loader.project_state(before).apps
        projects = [old.get_model("cases", "Project").objects.create(name=name) for name in ("A", "B")]
        transcripts = [
            old.get_model("cases", "Transcript").objects.create(
                case=old.get_model("cases", "Case").objects.create(project=project, name="City"),
                text="x" * 50,
            )
            for project in projects
        ]
        for start, transcript in enumerate([transcripts[1], transcripts[0], transcripts[1], transcripts[0]]):
            old.get_model("coding", "Segment").objects.create(
                transcript=transcript, start=start, end=start + 5, quote="x"
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    numbered = Segment.objects.order_by("pk").values_list("project__name", "number")
    assert list(numbered) == [("B", 1), ("A", 1), ("B", 2), ("A", 2)]
    assert dict(QuotationSequence.objects.values_list("project__name", "last_number")) == {"A": 2, "B": 2}
    later = SegmentFactory(transcript=TranscriptFactory(case__project=Segment.objects.first().project))
    assert later.number == 3


@pytest.fixture
def another_projects_quotations(db):
    """Quotations of another project made first, so that database ids and quotation numbers differ."""
    busy = TranscriptFactory()
    return [SegmentFactory(transcript=busy, start=start, end=start + 5) for start in range(7)]


def test_every_citation_prints_the_projects_own_number(
    another_projects_quotations, client_for, analysis, viewer
):
    s1 = analysis.segments.s1
    assert (s1.number, s1.citable_id) == (1, "Q1") and s1.pk > 7
    client = client_for(viewer)
    project = analysis.project
    csv_rows = b"".join(client.get(reverse("coding:excerpts_export", args=[project.pk])).streaming_content)
    ids = {row["quote id"] for row in csv.DictReader(io.StringIO(csv_rows.decode()))}
    expected = {segment.citable_id for segment in Segment.objects.filter(project=project)}
    assert ids == expected and "Q1" in ids
    report = client.get(reverse("coding:report_export", args=[project.pk])).text
    assert f">{s1.citable_id}</a>" in report and f">Q{s1.pk}</a>" not in report
    retrieval = client.get(reverse("coding:retrieval", args=[project.pk])).text
    assert '<span class="quote-id">Q1</span>' in retrieval
    panel = client.get(
        reverse("coding:segment_hx", args=[project.pk, s1.transcript_id, s1.pk]),
        headers={"HX-Request": "true"},
    ).text
    assert "Quotation Q1" in panel


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_tabs_undoing_at_the_same_instant_take_back_two_steps():
    transcript = TranscriptFactory()
    code, coder = _codes_and_coder(transcript.case.project)
    for start in (0, 13, 30):
        apply_codes(transcript=transcript, start=start, end=start + 5, codes=[code], coder=coder)
    start_together, results = threading.Barrier(2), []

    def undo_once():
        start_together.wait(10)
        return take_back(user=coder, transcript=transcript).span

    threads = [in_thread(undo_once, results) for _ in range(2)]
    for thread in threads:
        thread.join(30)
    assert sorted(start for start, _ in results) == [13, 30]
    assert list(Segment.objects.values_list("start", flat=True)) == [0]


def test_codings_on_segments_are_those_of_the_quotations_given_and_no_others(transcript, coder):
    other = TranscriptFactory(case=transcript.case)
    here = [CodingFactory(segment=SegmentFactory(transcript=transcript, start=n, end=n + 5)) for n in (0, 10)]
    CodingFactory(segment=here[0].segment, coder=coder)
    elsewhere = CodingFactory(segment=SegmentFactory(transcript=other, start=0, end=5))
    ids = set(Coding.objects.in_transcript(transcript).values_list("pk", flat=True))
    assert ids == set(Coding.objects.filter(segment__transcript=transcript).values_list("pk", flat=True))
    assert len(ids) == 3 and elsewhere.pk not in ids
    first = Segment.objects.filter(transcript=transcript, start=0)
    assert Coding.objects.on_segments(first).filter(coder=coder).get().segment == here[0].segment
    assert not Coding.objects.on_segments(Segment.objects.none()).exists()


def test_codings_on_segments_are_read_by_the_quotations_ids_on_postgresql(transcript):
    """`= ANY(ARRAY(…))` rather than `IN (…)`: PostgreSQL's planner then reads the codings down their
    quotation index instead of joining every coding of the project."""
    sql = str(Coding.objects.in_transcript(transcript).query)
    assert ("= ANY(ARRAY(SELECT" in sql) == (connection.vendor == "postgresql")
