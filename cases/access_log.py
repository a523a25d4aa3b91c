"""Writing the access log: one row per sign-in, failure, upload, download of an original, export, deletion
and team change, with who, from which address and in which project. Owners read a project's rows on its
access log page; staff read them all in the admin. Rows older than ACCESS_LOG_DAYS are pruned by
`manage.py prune_access_log`.
"""

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.dispatch import receiver

from accounts.people import display_name
from cases.models import AccessAction, AccessEvent, Project


def _address(request) -> str | None:
    if request is None:
        return None
    try:
        return get_adapter().get_client_ip(request)  # the client's address behind TRUSTED_PROXY_COUNT proxies
    except PermissionDenied:
        return None


def record(
    action: AccessAction, *, request=None, user=None, project: Project | None = None, detail: str = ""
) -> AccessEvent:
    """Adds one row; `user` defaults to the request's signed-in user."""
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    return AccessEvent.objects.create(
        action=action,
        user_ref=user.pk if user is not None else None,
        user_name=display_name(user) if user is not None else "",
        address=_address(request),
        project_ref=project.pk if project is not None else None,
        project_name=project.name if project is not None else "",
        detail=detail[:500],
    )


def export(request, project: Project, what: str) -> AccessEvent:
    """An export: which one, and the query string that chose what it holds."""
    scope = request.GET.urlencode()
    return record(AccessAction.EXPORTED, request=request, project=project, detail=f"{what} {scope}".strip())


@transaction.atomic
def prune(days: int | None = None) -> int:
    """Deletes the rows older than `days` (ACCESS_LOG_DAYS); the only deletion the database allows."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL crosscase.prune = 'on'")
    deleted, _ = AccessEvent.objects.older_than(days or settings.ACCESS_LOG_DAYS).delete()
    return deleted


@receiver(user_logged_in, dispatch_uid="cases.access_log.signed_in")
def _signed_in(sender, request, user, **kwargs) -> None:
    record(AccessAction.SIGNED_IN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="cases.access_log.signed_out")
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(AccessAction.SIGNED_OUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="cases.access_log.sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    login = credentials.get("email") or credentials.get("username") or ""
    record(AccessAction.SIGN_IN_FAILED, request=request, detail=f"as {login!r}")
