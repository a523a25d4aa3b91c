"""Helpers for tests where two database connections write at once (PostgreSQL only)."""

import threading

import pytest
from django.db import connection, connections

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections writing at once need PostgreSQL"
)


def in_thread(work, results: list) -> threading.Thread:
    """Runs `work` on its own database connection, keeping what it returns or raises."""

    def run():
        try:
            results.append(work())
        except Exception as error:  # reported by the test, not lost in the thread
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until_blocked(waiter: threading.Thread, what: str) -> None:
    """Returns once some connection waits for a lock (the one `waiter` asks for); fails after about 5 s."""
    with connection.cursor() as cursor:
        for _ in range(500):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            waiter.join(0.01)
    pytest.fail(f"{what} did not wait for the lock.")
