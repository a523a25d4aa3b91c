"""Joining a project by invitation: an owner invites an e-mail address with a role, and the link in the e-mail
lets its holder join once, before it expires, with that role.

The link carries a random token; the database keeps only its SHA-256, so the database, its backups and the
admin never hold a working link. A link names neither project nor role: both come from the invitation row, so
editing the URL or the form can grant nothing else. Resending makes a new token (the old link stops working).

The e-mail is sent inside the transaction that saves the invitation: when it cannot be sent nothing is saved,
and a failed resend leaves the earlier link working. The cost is that the write waits for the mail server
(EMAIL_TIMEOUT), which is rare and short next to an invitation nobody received.

Accepting locks the invitation row and checks its state under the lock, so a double-submitted form or two
people holding the same link cannot make two memberships.
"""

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Profile
from accounts.people import display_name
from cases.models import ROLE_DUTIES, Invitation, Membership, Project, Role, TeamEvent
from cases.refusals import Refused
from cases.team import record

User = get_user_model()

# Turns a token into the absolute URL of its invitation page (the view passes request.build_absolute_uri).
LinkFor = Callable[[str], str]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(token: str) -> Invitation | None:
    """The invitation a link's token opens, with what its page shows, or None for an unknown token."""
    return (
        Invitation.objects.select_related("project", "invited_by__profile")
        .filter(token_hash=hash_token(token))
        .first()
    )


def accounts_with(email: str) -> QuerySet:
    """Users whose account has this address, as their own or as an address allauth knows for them."""
    email = email.strip()
    return User.objects.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email)).distinct()


def refusal(invitation: Invitation) -> str | None:
    """Why this invitation's link no longer lets anyone join, as one sentence; None while it does."""
    project, inviter = invitation.project.name, invitation.inviter_name
    if invitation.accepted_at:
        return (
            f"This invitation to “{project}” was already used on {_day(invitation.accepted_at)}: a link "
            "works once. If you joined with it, the project is on your projects page."
        )
    if invitation.revoked_at:
        return (
            f"This invitation to “{project}” was withdrawn on {_day(invitation.revoked_at)}. Ask {inviter} "
            "if you should still join."
        )
    if invitation.is_expired:
        return (
            f"This invitation to “{project}” expired on {_day(invitation.expires_at)}. Ask {inviter} to send "
            "you a new one."
        )
    return None


def _day(moment) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.expires_at = invitation.sent_at + timedelta(days=settings.INVITATION_DAYS)
    return token


def _send(invitation: Invitation, token: str, link_for: LinkFor) -> None:
    """The invitation e-mail; raises Refused (rolling the caller's transaction back) when it cannot go out."""
    inviter = invitation.invited_by
    context = {
        "inviter": display_name(inviter),
        "project": invitation.project.name,
        "role": Role(invitation.role).label.lower(),
        "duties": ROLE_DUTIES[invitation.role],
        "link": link_for(token),
        "expires": timezone.localtime(invitation.expires_at),
    }
    subject = " ".join(render_to_string("cases/email/invitation_subject.txt", context).split())
    message = EmailMessage(
        subject=subject,
        body=render_to_string("cases/email/invitation_message.txt", context),
        to=[invitation.email],
        reply_to=[inviter.email] if inviter and inviter.email else None,
    )
    try:
        message.send()
    except OSError as error:  # smtplib's errors included
        raise Refused(
            f"The e-mail to {invitation.email} could not be sent ({error}), so nothing changed. Ask whoever "
            "runs this Crosscase server to check its e-mail settings, then try again."
        ) from error


@transaction.atomic
def invite(*, project: Project, email: str, role: str, by, link_for: LinkFor) -> Invitation:
    """Invites an address; an expired invitation still open for it is revoked and replaced by this one.

    Replaced rather than resent: the owner inviting again chooses the role anew, and the old row keeps who
    invited whom with which role then.
    """
    email = email.strip().lower()
    _refuse_member(project, email)
    waiting = f"{email} already has an invitation waiting: use its Resend button to send it again."
    earlier = list(project.invitations.open().to(email).select_for_update())
    if any(not invitation.is_expired for invitation in earlier):
        raise Refused(waiting)
    now = timezone.now()
    project.invitations.filter(pk__in=[invitation.pk for invitation in earlier]).update(revoked_at=now)
    invitation = Invitation(project=project, email=email, role=role, invited_by=by, created_at=now)
    token = _new_token(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as clash:  # another owner invited the same address a moment ago
        raise Refused(waiting) from clash
    record(project=project, kind=TeamEvent.INVITED, actor=by, subject_name=email, role=role)
    _send(invitation, token, link_for)
    return invitation


def _refuse_member(project: Project, email: str) -> None:
    if project.memberships.filter(user__in=accounts_with(email)).exists():
        raise Refused(f"{email} is already a member of this project.")


def _locked(invitation: Invitation) -> Invitation:
    """The invitation read again under a row lock, held until the transaction ends."""
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("project", "invited_by__profile")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def resend(*, invitation: Invitation, by, link_for: LinkFor) -> Invitation:
    """A new link with a new expiry, sent again by `by`; the earlier link stops working."""
    invitation = _locked(invitation)
    if invitation.accepted_at or invitation.revoked_at:
        raise Refused(f"The invitation to {invitation.email} was already {_closed(invitation)}.")
    _refuse_member(invitation.project, invitation.email)
    token = _new_token(invitation)
    invitation.invited_by = by
    invitation.save(update_fields=["token_hash", "sent_at", "expires_at", "invited_by"])
    record(
        project=invitation.project, kind=TeamEvent.INVITATION_RESENT, actor=by, subject_name=invitation.email
    )
    _send(invitation, token, link_for)
    return invitation


@transaction.atomic
def revoke(*, invitation: Invitation, by) -> Invitation:
    invitation = _locked(invitation)
    if invitation.accepted_at or invitation.revoked_at:
        raise Refused(f"The invitation to {invitation.email} was already {_closed(invitation)}.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record(
        project=invitation.project,
        kind=TeamEvent.INVITATION_REVOKED,
        actor=by,
        subject_name=invitation.email,
    )
    return invitation


def _closed(invitation: Invitation) -> str:
    return "accepted" if invitation.accepted_at else "revoked"


@transaction.atomic
def accept(*, invitation: Invitation, user) -> Membership:
    """Makes the signed-in `user` a member with the invitation's role; any holder of the link may accept."""
    invitation = _locked(invitation)
    if (refused := refusal(invitation)) is not None:
        raise Refused(refused)
    if invitation.project.memberships.filter(user=user).exists():
        raise Refused(f"You are already a member of “{invitation.project.name}”.")
    return _join(invitation, user, display_name(user))


@transaction.atomic
def accept_as_new_person(*, invitation: Invitation, name: str, password: str):
    """Makes an account for the invited address (the link proves it is theirs) and joins it to the project."""
    invitation = _locked(invitation)
    if (refused := refusal(invitation)) is not None:
        raise Refused(refused)
    if accounts_with(invitation.email).exists():
        raise Refused(f"An account already uses {invitation.email}: sign in to accept the invitation.")
    user = User(username=username_for(invitation.email), email=invitation.email)
    user.set_password(password)
    user.save()
    EmailAddress.objects.create(user=user, email=invitation.email, primary=True, verified=True)
    Profile.objects.create(user=user, display_name=name)
    _join(invitation, user, name)
    return user


def _join(invitation: Invitation, user, name: str) -> Membership:
    membership = Membership.objects.create(project=invitation.project, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record(
        project=invitation.project,
        kind=TeamEvent.JOINED,
        actor=user,
        subject_name=name,
        role=invitation.role,
        detail=f"invited by {invitation.inviter_name}",
    )
    return membership


USERNAME_LENGTH = 30


def username_for(email: str) -> str:
    """A username from the address's local part (what allauth accepts), made unique: lee.wei, lee.wei2, …

    People sign in with it or their e-mail address; teammates see their display name.
    """
    base = re.sub(r"[^\w.+-]", "", email.split("@")[0])[:USERNAME_LENGTH] or "member"
    taken = {
        name.lower()
        for name in User.objects.filter(username__istartswith=base).values_list("username", flat=True)
    }
    candidate, number = base, 1
    while candidate.lower() in taken:
        number += 1
        candidate = f"{base}{number}"
    return candidate
