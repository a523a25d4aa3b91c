"""What the benchmark and the load test report must be what happened (no test checks their timings)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse

from cases.models import Project
from coding.perf.benchmark import (
    apply_code,
    measure,
    page_operations,
    percentile,
    prepare,
    reading_operations,
    run,
    stream_export,
)
from coding.perf.corpus import make_corpus, remove_corpus
from coding.perf.loadtest import add_coders, postgres_cpu_seconds


def test_measure_counts_one_requests_queries_and_times_each_run(client_for, owner):
    client = client_for(owner)
    calls = []

    def request():
        calls.append(1)
        return client.get(reverse("cases:project_list"))

    result = measure("projects", request, repeat=3)
    assert len(calls) == 4  # one counted, three timed
    assert result.queries == 3  # session, user, projects with their counts and my role
    assert result.runs == 3 and 0 < result.median_ms <= result.p95_ms


def test_measure_refuses_a_wrong_status(client_for, owner):
    with pytest.raises(AssertionError, match="expected HTTP 200, got 404"):
        measure(
            "missing", lambda: client_for(owner).get("/p/00000000-0000-0000-0000-000000000000/"), repeat=1
        )


def test_stream_export_counts_the_rows_after_the_header(client_for, analysis, viewer):
    client = client_for(viewer)
    url = reverse("coding:excerpts_export", args=[analysis.project.pk])
    result = stream_export("excerpts", lambda: client.get(url))
    assert result.extra["rows"] == 10  # every coding of the analysis fixture
    assert result.queries > 0 and result.extra["rows_per_s"] > 0


def test_percentile_picks_the_nearest_rank():
    assert percentile([5, 1, 4, 2, 3], 0.5) == 3
    assert percentile([5, 1, 4, 2, 3], 0.95) == 5


@pytest.mark.django_db
def test_database_cpu_is_read_only_for_a_local_postgresql():
    seconds = postgres_cpu_seconds()
    if connection.vendor == "postgresql":
        assert seconds is not None and seconds > 0  # the server answering this test has used some
    else:
        assert seconds is None


def synthetic_usernames() -> set[str]:
    names = get_user_model().objects.values_list("username", flat=True)
    return {name for name in names if name.startswith(("bench-", "load-"))}


@pytest.mark.django_db
def test_a_small_benchmark_run_leaves_no_project_and_no_user_behind():
    results = run(scales=[1], repeat=1, small=True, keep=False, report=lambda line: None)
    assert results and not Project.objects.exists()
    qdpx = next(result for result in results if result.name.startswith("export the project as .qdpx"))
    assert qdpx.extra["archive_mb"] > 0 and qdpx.queries > 0
    back = next(result for result in results if result.name.startswith("import the project as .qdpx"))
    assert back.runs == 1 and back.queries > 0 and back.extra["archive_mb"] == qdpx.extra["archive_mb"]
    assert synthetic_usernames() == set()
    assert not get_user_model().objects.filter(username__startswith="~qdpx-").exists()


@pytest.mark.django_db
def test_the_load_tests_corpus_goes_with_its_coders_and_uploaded_files(
    settings, django_capture_on_commit_callbacks
):
    corpus = make_corpus(name="Load", transcripts_per_scale=2, words=200, segments_per_transcript=3)
    add_coders(project=corpus.project, count=3)
    transcript = corpus.project.transcripts.first()
    transcript.original.save("uploaded.txt", ContentFile(b"Interviewer: hello"))
    assert len(synthetic_usernames()) == 5  # two corpus coders, three clients
    with django_capture_on_commit_callbacks(execute=True):
        remove_corpus(corpus.project)
    assert synthetic_usernames() == set() and not Project.objects.exists()
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_removing_a_corpus_keeps_the_coders_a_kept_run_still_uses():
    kept = make_corpus(name="Kept", transcripts_per_scale=1, words=200, segments_per_transcript=2)
    gone = make_corpus(name="Gone", transcripts_per_scale=1, words=200, segments_per_transcript=2)
    add_coders(project=gone.project, count=1)
    remove_corpus(gone.project)
    assert synthetic_usernames() == {"bench-coder-1", "bench-coder-2"}
    assert Project.objects.get() == kept.project


@pytest.mark.django_db
def test_the_agreement_report_on_the_double_coded_corpus_costs_fixed_queries(
    client, django_assert_num_queries
):
    """The bench's agreement report: a second coder's codings on every interview, and the same number of
    queries for a corpus twice the size."""
    from coding.perf.corpus import double_code

    for transcripts in (2, 4):
        corpus = make_corpus(
            name=f"Agreement {transcripts}",
            transcripts_per_scale=transcripts,
            words=300,
            segments_per_transcript=6,
        )
        assert double_code(project=corpus.project) > 0
        users = get_user_model().objects.filter(username__in=["bench-coder-1", "bench-coder-2"])
        client.force_login(users.get(username="bench-coder-1"))
        url = reverse("coding:agreement", args=[corpus.project.pk])
        query = {"unit": "paragraphs", "coders": list(users.values_list("pk", flat=True))}
        client.get(url, query)
        with django_assert_num_queries(10):  # of the facets, the codes and the cases
            response = client.get(url, query)
        overall = response.context["report"].comparisons[0].overall.values
        assert overall["units"] > 0 and overall["cohen"] is not None  # the coders overlap
        remove_corpus(corpus.project)


@pytest.mark.django_db
def test_the_timed_apply_and_reads_of_one_code_cost_fixed_queries():
    """The bench's apply, a page of the top code's quotations and the median code's excerpts: the same
    queries for a corpus twice the size (the CSV's counted run is read to its end, as the timed ones are)."""
    counts = []
    for scale in (1, 2):
        bench = prepare(scale=scale, small=True)
        results = [apply_code(bench, repeat=1), *reading_operations(bench, repeat=1, size="")]
        counts.append([result.queries for result in results])
        remove_corpus(bench.project)
    # apply: session, user, membership, transcript, codes; the apply's transaction (8); the quotations, their
    # codings and the labels of the paragraph redrawn. Page: session, user, membership; codes, members, sets
    # and saved queries; the page's ids with the total, its passages, codings, texts, labels. CSV: session,
    # user, membership; codes, attributes, sets and saved queries, members; the access log's row; case values
    # (the corpus has no interview attributes); codings, the labels' ids and the labels, texts.
    assert counts[0] == counts[1] == [16, 11, 13]


@pytest.mark.django_db(transaction=True)
def test_the_project_page_and_adding_a_code_cost_fixed_queries():
    """The bench's project page and quick add: the same queries for a corpus twice the size."""
    counts = []
    for scale in (1, 2):
        bench = prepare(scale=scale, small=True)
        results = page_operations(bench, repeat=2)
        counts.append([result.queries for result in results])
        assert bench.project.codes.filter(name__startswith="Bench code").count() == 3  # its counted run too
        remove_corpus(bench.project)
    # project page: session, user, membership; codes and codings counted; cases with their interviews,
    # assignments, members. Add: session, user, membership; the parent, two check constraints; the lock, the
    # name clash, the position, the insert, the history; the project's codes for the answer.
    assert counts[0] == counts[1] == [8, 14]
