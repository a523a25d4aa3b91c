"""Filters named in `settings.LOGGING`."""

import logging

from django.core.exceptions import PermissionDenied


class PermissionRefusal(logging.Filter):
    """Turns the record of a `PermissionDenied` (answered 403) into one line: who asked for what, and why.

    A refusal is the application working as meant; its traceback would bury real errors, which keep theirs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        request = getattr(record, "request", None)
        if isinstance(error, PermissionDenied) and request is not None:
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
            who = user.get_username() if signed_in else "an anonymous visitor"
            record.msg = "Forbidden: %s %s by %s: %s"
            record.args = (request.method, request.path, who, str(error) or "permission denied")
            record.exc_info = record.exc_text = None
        return True
