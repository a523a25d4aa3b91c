"""Loading a project for the signed-in user: the one door every project view goes through.

Non-members get 404 (the project's existence is itself confidential); members whose role is too low get 403,
and so do members without two-factor authentication when the project requires it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from accounts.two_factor import TwoFactorRequired, has_two_factor
from cases.models import Membership, Project, Role


def get_project(request: HttpRequest, project_id, *, role: str = Role.VIEWER) -> Project:
    """The project with `membership` set to the user's membership; 404 for outsiders, 403 below `role`."""
    membership = (
        Membership.objects.select_related("project")
        .filter(project_id=project_id, user_id=request.user.pk)
        .first()
    )
    if membership is None or not request.user.is_authenticated:
        raise Http404("No such project.")
    if not membership.allows(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role in the project.")
    project = membership.project
    if project.require_two_factor and not has_two_factor(request.user):
        raise TwoFactorRequired(
            "This project requires two-factor authentication. Set up an authenticator app under your "
            "account's Two-factor authentication, then open the project again."
        )
    project.membership = membership
    return project
