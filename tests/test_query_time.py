"""A web request's database statement that runs past STATEMENT_TIMEOUT_SECONDS is stopped, and the page says
so in a sentence (503), on PostgreSQL and on SQLite alike; nothing else is affected."""

import pytest
from django.db import connection
from django.urls import reverse

from coding.analysis.views import retrieval as retrieval_view

pytestmark = pytest.mark.django_db(transaction=True)

# Runs for minutes on either database unless it is stopped.
ENDLESS = {
    "postgresql": "SELECT pg_sleep(60)",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
}


@pytest.fixture
def slow_retrieval(monkeypatch):
    """The retrieval page's selection replaced by a statement that never ends by itself."""

    def select(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute(ENDLESS[connection.vendor])
            cursor.fetchall()

    monkeypatch.setattr(retrieval_view, "select", select)


def test_a_request_past_the_limit_is_stopped_with_a_sentence(
    client_for, owner, project, settings, slow_retrieval
):
    settings.STATEMENT_TIMEOUT_SECONDS = 0.2
    client = client_for(owner)
    if connection.vendor == "postgresql":  # the per-connection setting, made short for this test
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 200")
    response = client.get(reverse("coding:retrieval", args=[project.pk]))
    assert response.status_code == 503
    assert "took longer than the 0.2 seconds a request may run" in response.text
    # The connection is usable afterwards: the next page answers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 30000")
    assert client.get(reverse("cases:project_list")).status_code == 200


def test_postgresql_connections_carry_the_limit(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL sets statement_timeout per connection; SQLite is bounded per request")
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "30s"


def test_other_database_errors_are_not_taken_for_a_timeout():
    from django.db import OperationalError

    from config.querytime import was_stopped

    assert not was_stopped(OperationalError("database is locked"))


def test_the_test_server_threads_open_their_own_connections(live_server):
    """On SQLite too the tests' database is a file, so the test server never shares the test's connection: on
    a shared one the deadline handler, or REGEXP in the colour check of a code, deadlocks two threads."""
    assert not connection.allow_thread_sharing
    assert connection.vendor != "sqlite" or not connection.is_in_memory_db()
