"""Site-wide answers that belong to no app."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe


@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico whatever the page links; send them to the SVG icon.

    Not permanent: the target's name carries a content hash in production and changes with the icon.
    """
    response = HttpResponseRedirect(static("favicon.svg"))
    patch_cache_control(response, max_age=60 * 60 * 24)
    return response
