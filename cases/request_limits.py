"""How large a request body each view takes: MAX_REQUEST_MB, or MAX_ARCHIVE_MB for a view that takes one
project archive. `config.middleware.bounded_body` refuses a larger body before a byte of it is read."""

from collections.abc import Callable

from django.conf import settings


def archive_upload(view: Callable) -> Callable:
    """Marks a view that takes one project archive, whose body may be as large as MAX_ARCHIVE_MB."""
    view.takes_archive = True
    return view


def takes_archive(view: Callable | None) -> bool:
    return getattr(view, "takes_archive", False)


def limit_mb(view: Callable | None) -> int:
    return settings.MAX_ARCHIVE_MB if takes_archive(view) else settings.MAX_REQUEST_MB
