"""How long a signed-in session lasts, and what of it the browser may keep."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

# A signed-in session lives SESSION_COOKIE_AGE (SESSION_IDLE_MINUTES) past the last request; refreshing the
# expiry costs a session write, so it is done at most once this many seconds rather than on every request.
TOUCH_EVERY = 60
SEEN = "crosscase_seen"


def signed_in_pages(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """A signed-in session ends after SESSION_IDLE_MINUTES without a request, and what a signed-in user is
    shown (transcripts, quotations, exports) is never kept by the browser's or a proxy's cache."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            if now - request.session.get(SEEN, 0) >= TOUCH_EVERY:
                request.session[SEEN] = now
        response = get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware


def mark_seen(sender, request, user, **kwargs) -> None:
    """Signing in counts as activity, so the first page after it does not write the session again."""
    if request is not None and hasattr(request, "session"):
        request.session[SEEN] = int(time.time())
