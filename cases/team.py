"""A project's team: changing a member's role, removing a member, and the activity log recording both.

Every change writes its `MembershipEvent` in the same transaction, so the log never shows a change that was
rolled back nor misses one that was made. Role changes and removals lock the project's owner memberships
first: two owners demoting or removing each other at once are serialised, and the project always keeps one.
"""

from django.db import transaction

from accounts.people import display_name
from cases import access_log
from cases.models import AccessAction, Membership, MembershipEvent, Project, Role, TeamEvent
from cases.refusals import Refused


def record(
    *, project: Project, kind: TeamEvent, actor, subject_name: str, role: str = "", detail: str = ""
) -> MembershipEvent:
    """Adds an event to the project's team activity, and to its access log; call it inside the transaction
    making the change."""
    actor = actor if actor is not None and actor.is_authenticated else None
    event = MembershipEvent.objects.create(
        project=project,
        kind=kind,
        actor=actor,
        actor_name=display_name(actor),
        subject_name=subject_name,
        role=role,
        detail=detail,
    )
    access_log.record(AccessAction.TEAM, user=actor, project=project, detail=event.sentence())
    return event


def _owner_ids(project: Project) -> set[int]:
    """The project's owners, their memberships locked until the transaction ends."""
    owners = Membership.objects.select_for_update().filter(project=project, role=Role.OWNER)
    return set(owners.values_list("pk", flat=True))


@transaction.atomic
def change_role(*, membership: Membership, role: str, by) -> bool:
    """Gives `membership` the role; False when it already had it (nothing is written or logged)."""
    if membership.role == role:
        return False
    owners = _owner_ids(membership.project)
    if membership.pk in owners and role != Role.OWNER and len(owners) <= 1:
        raise Refused("A project needs at least one owner: make someone else owner first.")
    previous = Role(membership.role).label.lower()
    membership.role = role
    membership.save(update_fields=["role"])
    record(
        project=membership.project,
        kind=TeamEvent.ROLE_CHANGED,
        actor=by,
        subject_name=display_name(membership.user),
        role=role,
        detail=f"was {previous}",
    )
    return True


@transaction.atomic
def remove(*, membership: Membership, by) -> None:
    """Takes a member out of the project; a member removing themselves has left it."""
    owners = _owner_ids(membership.project)
    if membership.pk in owners and len(owners) <= 1:
        raise Refused("The last owner cannot be removed: make someone else owner first.")
    membership.delete()
    leaving = membership.user_id == getattr(by, "pk", None)
    record(
        project=membership.project,
        kind=TeamEvent.LEFT if leaving else TeamEvent.REMOVED,
        actor=by,
        subject_name=display_name(membership.user),
        role=membership.role,
    )
