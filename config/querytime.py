"""No web request holds the database past STATEMENT_TIMEOUT_SECONDS: a matrix over every code of a large
project, or a retrieval requiring all of them, is stopped and answered with a sentence instead of a 500.

PostgreSQL enforces the limit itself (`statement_timeout`, set for every connection in settings). SQLite has
no such setting: a progress handler on each connection interrupts the statement running when the request's
deadline passes. Management commands set no deadline, so migrations and benchmarks run unbounded there.
"""

import threading
import time

from django.conf import settings
from django.db import OperationalError, connections
from django.db.backends.signals import connection_created
from django.shortcuts import render

_deadline = threading.local()
CHECK_EVERY = 10_000  # SQLite virtual-machine steps between two looks at the clock


def _past_deadline() -> bool:
    deadline = getattr(_deadline, "at", None)
    return deadline is not None and time.monotonic() > deadline


def _watch_sqlite(sender, connection, **kwargs) -> None:
    """Sets the handler once per SQLite connection. No connection is shared between threads, the tests'
    included (their database is a file: see settings); on a shared one this Python callback would deadlock.
    """
    raw = connection.connection if connection.vendor == "sqlite" else None
    if raw is not None and getattr(connection, "_watched", None) is not raw:
        raw.set_progress_handler(_past_deadline, CHECK_EVERY)
        connection._watched = raw


def was_stopped(error: Exception) -> bool:
    """A statement stopped for taking too long: PostgreSQL's query_canceled (57014), SQLite's interrupt."""
    return getattr(error.__cause__, "sqlstate", None) == "57014" or "interrupted" in str(error)


class BoundedQueries:
    def __init__(self, get_response):
        self.get_response = get_response
        connection_created.connect(_watch_sqlite, dispatch_uid="config.querytime.watch_sqlite")

    def __call__(self, request):
        seconds = settings.STATEMENT_TIMEOUT_SECONDS
        _deadline.at = time.monotonic() + seconds if seconds else None
        for connection in connections.all(initialized_only=True):  # opened before this middleware was
            _watch_sqlite(None, connection)
        try:
            return self.get_response(request)
        finally:
            _deadline.at = None

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError) or not was_stopped(exception):
            return None
        sentence = (
            f"This took longer than the {settings.STATEMENT_TIMEOUT_SECONDS:g} seconds a request may run, "
            "so it was stopped. Narrow it (fewer codes, a case, a coder or a date range) and try again."
        )
        return render(request, "refused.html", {"sentence": sentence}, status=503)
