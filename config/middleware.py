"""Middleware of Crosscase's own."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from cases import request_limits


def vary_on_htmx(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Every page answers an htmx request with a fragment and a plain one with the whole page, so caches must
    key on the header; one place says so instead of a decorator per view."""

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        return response

    return middleware


def bounded_body(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A request body over MAX_REQUEST_MB (MAX_ARCHIVE_MB for a view marked `archive_upload`) is refused from
    its declared length, before a byte of it is read or written to disk; a body of undeclared length
    (chunked) is refused too, as no browser form sends one."""

    def middleware(request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            return _refused(request, 411, "Send the file with its length declared (Content-Length).")
        if declared == "0":
            return get_response(request)
        try:
            view = resolve(request.path_info).func
        except Resolver404:
            view = None
        limit, archive = request_limits.limit_mb(view), request_limits.takes_archive(view)
        if not declared.isdigit() or int(declared) > limit * 1024 * 1024:
            sentence = (
                f"This archive is larger than {limit} MB, the limit for one project archive."
                if archive
                else f"This request is larger than the {limit} MB one submission may carry. "
                f"Upload fewer files at a time (each may be up to {settings.MAX_UPLOAD_MB} MB)."
            )
            return _refused(request, 413, sentence)
        return get_response(request)

    return middleware


def _refused(request: HttpRequest, status: int, sentence: str) -> HttpResponse:
    response = render(request, "refused.html", {"sentence": sentence}, status=status)
    response["Connection"] = "close"  # the unread body must not be taken for the next request
    return response
