"""What the benchmark and the load test report must be what happened (no test checks their timings)."""

import pytest
from django.db import connection
from django.urls import reverse

from coding.perf.benchmark import measure, percentile, stream_export
from coding.perf.loadtest import postgres_cpu_seconds


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
