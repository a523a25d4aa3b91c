"""Invitations: an owner invites, resends and revokes; the link's holder joins once, with the invited role."""

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from cases import invitations
from cases.models import Invitation, Membership, MembershipEvent, Role, TeamEvent
from cases.refusals import Refused
from tests.concurrency import in_thread, postgresql_only, wait_until_blocked
from tests.factories import InvitationFactory, MembershipFactory, ProjectFactory, UserFactory

User = get_user_model()
PASSWORD = "plum-orchard-42"


def invite_url(project):
    return reverse("cases:invitation_create", args=[project.pk])


def action_url(invitation, action):
    return reverse(f"cases:invitation_{action}", args=[invitation.project_id, invitation.pk])


def link(token):
    return reverse("cases:invitation", args=[token])


def token_in(message) -> str:
    match = re.search(r"http://testserver/invitations/([\w-]+)/", message.body)
    assert match, message.body
    return match.group(1)


def expire(invitation):
    past = timezone.now() - timedelta(days=1)
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=past - timedelta(days=7), expires_at=past)
    invitation.refresh_from_db()


def new_person(**changes):
    return {"display_name": "Lee Wei", "password1": PASSWORD, "password2": PASSWORD, **changes}


@pytest.fixture
def pending(project, owner):
    return InvitationFactory(project=project, invited_by=owner, email="lee@uni.example", token="the-token")


# Inviting


def test_owner_invites_an_address_and_only_the_email_holds_the_link(client_for, owner, project, settings):
    settings.INVITATION_DAYS = 3
    response = client_for(owner).post(invite_url(project), {"email": " Lee@Uni.Example ", "role": "coder"})
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.project, invitation.email, invitation.role, invitation.invited_by) == (
        project,
        "lee@uni.example",
        Role.CODER,
        owner,
    )
    assert invitation.expires_at - invitation.sent_at == timedelta(days=3)
    [message] = mail.outbox
    assert message.to == ["lee@uni.example"]
    assert message.subject == "pi invited you to “Interagency data sharing” on Crosscase"
    assert "as coder: a coder codes transcripts" in message.body
    token = token_in(message)
    assert len(token) >= 43
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    event = MembershipEvent.objects.get()
    assert event.sentence() == "pi invited lee@uni.example as coder"


def test_the_email_is_plain_text_not_html_escaped(client_for, owner, project):
    project.name = "Health & <care> data"
    project.save()
    client_for(owner).post(invite_url(project), {"email": "lee@uni.example", "role": "viewer"})
    [message] = mail.outbox
    assert "“Health & <care> data”" in message.subject and "“Health & <care> data”" in message.body
    assert message.reply_to == ["pi@example.org"]


def test_a_bad_address_is_a_clear_error_and_sends_nothing(client_for, owner, project):
    response = client_for(owner).post(invite_url(project), {"email": "lee at uni", "role": "coder"})
    assert response.status_code == 400
    assert "Enter a valid email address." in response.text
    assert not Invitation.objects.exists() and not mail.outbox


def test_an_unknown_role_is_refused(client_for, owner, project):
    response = client_for(owner).post(invite_url(project), {"email": "lee@uni.example", "role": "admin"})
    assert response.status_code == 400
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_a_member_says_they_are_one(client_for, owner, coder, project):
    response = client_for(owner).post(invite_url(project), {"email": "RA@example.org", "role": "viewer"})
    assert response.status_code == 400
    assert "ra@example.org is already a member of this project." in response.text
    assert not Invitation.objects.exists() and not mail.outbox


def test_a_members_other_verified_address_counts_too(client_for, owner, coder, project):
    EmailAddress.objects.create(user=coder, email="wei.li@uni.example", verified=True, primary=False)
    response = client_for(owner).post(invite_url(project), {"email": "wei.li@uni.example", "role": "coder"})
    assert "is already a member of this project." in response.text
    assert not Invitation.objects.exists()


def test_a_waiting_invitation_is_not_doubled(client_for, owner, project, pending):
    response = client_for(owner).post(invite_url(project), {"email": "lee@uni.example", "role": "owner"})
    assert response.status_code == 400
    assert "already has an invitation waiting: use its Resend button" in response.text
    assert Invitation.objects.get() == pending and not mail.outbox


def test_an_expired_invitation_is_replaced_by_the_new_one(client_for, owner, project, pending):
    expire(pending)
    response = client_for(owner).post(invite_url(project), {"email": "lee@uni.example", "role": "viewer"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.revoked_at is not None
    fresh = project.invitations.pending().get()
    assert (fresh.email, fresh.role) == ("lee@uni.example", Role.VIEWER)
    assert len(mail.outbox) == 1


def test_an_email_that_cannot_be_sent_saves_nothing(client_for, owner, project, monkeypatch):
    def refuse(self, messages):
        raise ConnectionRefusedError("Connection refused")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    response = client_for(owner).post(invite_url(project), {"email": "lee@uni.example", "role": "coder"})
    assert response.status_code == 400
    assert "could not be sent (Connection refused), so nothing changed" in response.text
    assert not Invitation.objects.exists() and not MembershipEvent.objects.exists()


@pytest.mark.parametrize("role", ["coder", "viewer"])
def test_members_below_owner_cannot_invite_resend_or_revoke(client_for, project, pending, role):
    member = MembershipFactory(project=project, role=role).user
    client = client_for(member)
    for url in (invite_url(project), action_url(pending, "resend"), action_url(pending, "revoke")):
        response = client.post(url, {"email": "other@uni.example", "role": "owner"})
        assert response.status_code == 403, url
    assert Invitation.objects.get() == pending and pending.revoked_at is None
    assert not mail.outbox and not MembershipEvent.objects.exists()


def test_an_outsider_gets_404_and_changes_nothing(client_for, outsider, project, pending):
    client = client_for(outsider)
    for url in (invite_url(project), action_url(pending, "resend"), action_url(pending, "revoke")):
        assert client.post(url, {"email": "other@uni.example", "role": "owner"}).status_code == 404
    assert Invitation.objects.get() == pending and not mail.outbox


def test_another_projects_invitation_is_404_to_an_owner(client_for, owner, project):
    foreign = InvitationFactory(project=ProjectFactory())
    client = client_for(owner)
    for action in ("resend", "revoke"):
        url = reverse(f"cases:invitation_{action}", args=[project.pk, foreign.pk])
        assert client.post(url).status_code == 404
    foreign.refresh_from_db()
    assert foreign.revoked_at is None and not mail.outbox


def test_the_database_keeps_addresses_lower_case_and_one_open_invitation_each(project):
    with pytest.raises(IntegrityError):
        InvitationFactory(project=project, email="Lee@uni.example")


def test_the_database_allows_one_open_invitation_per_address(project):
    InvitationFactory(project=project, email="lee@uni.example")
    with pytest.raises(IntegrityError):
        InvitationFactory(project=project, email="lee@uni.example")


# Resending and revoking


def test_resend_sends_a_new_link_and_the_old_one_stops_working(client_for, owner, project, pending):
    expire(pending)
    other_owner = MembershipFactory(project=project, role=Role.OWNER, user=UserFactory(username="co")).user
    response = client_for(other_owner).post(action_url(pending, "resend"), follow=True)
    assert "A new invitation was sent to lee@uni.example; the earlier link no longer works." in response.text
    pending.refresh_from_db()
    assert not pending.is_expired and pending.invited_by == other_owner
    token = token_in(mail.outbox[0])
    assert invitations.find(token) == pending
    assert client_for(other_owner).get(link("the-token")).status_code == 404
    assert MembershipEvent.objects.get().sentence() == "co sent the invitation to lee@uni.example again"


def test_revoke_closes_the_link(client, client_for, owner, project, pending):
    response = client_for(owner).post(action_url(pending, "revoke"), follow=True)
    assert "The invitation to lee@uni.example was revoked; its link no longer works." in response.text
    pending.refresh_from_db()
    assert pending.revoked_at is not None
    assert MembershipEvent.objects.get().sentence() == "pi revoked the invitation to lee@uni.example"
    client.logout()
    response = client.get(link("the-token"))
    assert response.status_code == 410
    assert "was withdrawn on" in response.text and "Ask pi if you should still join." in response.text


def test_resending_to_someone_who_has_joined_meanwhile_says_they_are_a_member(
    client_for, owner, project, pending
):
    MembershipFactory(project=project, user=UserFactory(username="lee", email="lee@uni.example"))
    response = client_for(owner).post(action_url(pending, "resend"), follow=True)
    assert "lee@uni.example is already a member of this project." in response.text
    assert not mail.outbox


def test_a_closed_invitation_cannot_be_resent_or_revoked_again(client_for, owner, pending):
    client = client_for(owner)
    client.post(action_url(pending, "revoke"))
    for action in ("resend", "revoke"):
        response = client.post(action_url(pending, action), follow=True)
        assert "The invitation to lee@uni.example was already revoked." in response.text
    assert not mail.outbox and MembershipEvent.objects.count() == 1


# The link


def test_the_page_says_what_the_invitation_is_and_get_changes_nothing(client, pending):
    response = client.get(link("the-token"))
    assert response.status_code == 200
    assert "pi invited you to the project “Interagency data sharing” as coder" in response.text
    assert "lee@uni.example" in response.text
    assert client.head(link("the-token")).status_code == 200
    pending.refresh_from_db()
    assert pending.accepted_at is None and not User.objects.filter(email="lee@uni.example").exists()


def test_a_new_person_joins_with_a_name_and_password(client, project, pending):
    response = client.post(link("the-token"), new_person())
    assert response.status_code == 302
    assert response["Location"] == project.get_absolute_url()
    user = User.objects.get(email="lee@uni.example")
    assert user.username == "lee" and user.check_password(PASSWORD)
    assert Profile.objects.get(user=user).display_name == "Lee Wei"
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.primary, address.verified) == ("lee@uni.example", True, True)
    assert project.memberships.get(user=user).role == Role.CODER
    pending.refresh_from_db()
    assert (pending.accepted_by, pending.accepted_at is not None) == (user, True)
    assert MembershipEvent.objects.get().sentence() == "Lee Wei joined as coder (invited by pi)"
    assert client.get(project.get_absolute_url()).status_code == 200  # signed in


def test_the_form_cannot_choose_the_role_project_or_address(client, project, pending):
    elsewhere = ProjectFactory()
    client.post(
        link("the-token"),
        new_person(
            role="owner", project=str(elsewhere.pk), project_id=str(elsewhere.pk), email="x@evil.example"
        ),
    )
    user = User.objects.get(username="lee")
    assert user.email == "lee@uni.example"
    assert list(Membership.objects.filter(user=user).values_list("project", "role")) == [
        (project.pk, "coder")
    ]


def test_the_link_with_another_role_in_the_query_grants_only_its_own(client, project, pending):
    client.post(link("the-token") + f"?role=owner&project={ProjectFactory().pk}", new_person())
    assert list(Membership.objects.filter(user__email="lee@uni.example").values_list("project", "role")) == [
        (project.pk, "coder")
    ]


def test_a_taken_username_gets_a_number(client, pending):
    UserFactory(username="Lee")
    client.post(link("the-token"), new_person())
    assert User.objects.get(email="lee@uni.example").username == "lee2"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"password2": "plum-orchard-43"}, "The two password fields didn’t match."),
        ({"password1": "lee@uni.example", "password2": "lee@uni.example"}, "too similar to the email"),
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"display_name": "   "}, "This field is required."),
    ],
)
def test_a_bad_name_or_password_is_a_clear_error_and_creates_nobody(client, pending, changes, error):
    response = client.post(link("the-token"), new_person(**changes))
    assert response.status_code == 400
    assert error in response.text
    assert not User.objects.filter(username="lee").exists()
    pending.refresh_from_db()
    assert pending.accepted_at is None


def test_an_address_with_an_account_is_asked_to_sign_in(client, pending):
    UserFactory(username="lee", email="Lee@uni.example")
    response = client.get(link("the-token"))
    assert "Sign in to accept" in response.text
    assert f"{reverse('account_login')}?next=%2Finvitations%2Fthe-token%2F" in response.text
    response = client.post(link("the-token"), new_person())
    assert response.status_code == 400
    assert User.objects.count() == 2  # the inviter and lee, nobody new
    pending.refresh_from_db()
    assert pending.accepted_at is None


def test_a_signed_in_person_joins_with_the_button(client_for, project, pending):
    lee = UserFactory(username="lee", email="lee@uni.example")
    client = client_for(lee)
    assert "Join “Interagency data sharing” as coder" in client.get(link("the-token")).text
    response = client.post(link("the-token"), {"role": "owner"})
    assert response["Location"] == project.get_absolute_url()
    assert project.memberships.get(user=lee).role == Role.CODER
    pending.refresh_from_db()
    assert pending.accepted_by == lee


def test_a_member_holding_the_link_is_told_and_nothing_is_marked(client_for, coder, project, pending):
    client = client_for(coder)
    assert "You are already a member of this project" in client.get(link("the-token")).text
    response = client.post(link("the-token"))
    assert response.status_code == 409
    assert "You are already a member of “Interagency data sharing”." in response.text
    pending.refresh_from_db()
    assert pending.accepted_at is None and not MembershipEvent.objects.exists()


def test_a_used_link_says_so_and_grants_nothing_the_second_time(client, client_for, project, pending):
    assert client.post(link("the-token"), new_person()).status_code == 302
    client.logout()
    response = client.post(link("the-token"), new_person(display_name="Someone else"))
    assert response.status_code == 410
    assert "was already used on" in response.text and "a link works once" in response.text
    stranger = UserFactory(username="stranger")
    response = client_for(stranger).post(link("the-token"))
    assert response.status_code == 410
    assert not project.memberships.filter(user=stranger).exists()
    assert project.memberships.count() == 2


def test_an_expired_link_names_the_day_and_whom_to_ask(client, client_for, project, pending):
    expire(pending)
    day = timezone.localtime(pending.expires_at).strftime("%-d %B %Y")
    response = client.get(link("the-token"))
    assert response.status_code == 410
    assert f"expired on {day}. Ask pi to send you a new one." in response.text
    assert client.post(link("the-token"), new_person()).status_code == 410
    stranger = UserFactory(username="stranger")
    assert client_for(stranger).post(link("the-token")).status_code == 410
    assert not User.objects.filter(email="lee@uni.example").exists()
    assert not project.memberships.filter(user=stranger).exists()


def test_an_expired_link_whose_inviter_is_gone_says_whom_to_ask(client, owner, pending):
    expire(pending)
    owner.delete()
    assert "Ask an owner of the project to send you a new one." in client.get(link("the-token")).text


@pytest.mark.parametrize("token", ["the-tokem", "the-token-", "he-token", "x" * 43])
def test_a_tampered_or_unknown_link_is_404_with_a_sentence(client, pending, token):
    response = client.post(link(token), new_person())
    assert response.status_code == 404
    assert "This invitation link is not valid: check that you copied the whole link." in response.text
    assert not User.objects.filter(email="lee@uni.example").exists()


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_the_link_answers_only_get_head_and_post(client, pending, method):
    assert client.generic(method, link("the-token")).status_code == 405


def test_accepting_twice_makes_one_membership(project, pending):
    lee = UserFactory(username="lee")
    invitations.accept(invitation=pending, user=lee)
    with pytest.raises(Refused, match="already used"):
        invitations.accept(invitation=pending, user=lee)
    with pytest.raises(Refused, match="already used"):
        invitations.accept_as_new_person(invitation=pending, name="Lee", password=PASSWORD)
    assert project.memberships.filter(user=lee).count() == 1
    assert MembershipEvent.objects.filter(kind=TeamEvent.JOINED).count() == 1


def test_a_revoked_invitation_cannot_be_accepted_even_from_a_page_opened_before(project, pending):
    stale = Invitation.objects.get(pk=pending.pk)
    invitations.revoke(invitation=pending, by=None)
    with pytest.raises(Refused, match="was withdrawn"):
        invitations.accept(invitation=stale, user=UserFactory())
    assert project.memberships.count() == 1


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_people_accepting_one_link_at_once_make_one_membership():
    invitation = InvitationFactory(project=ProjectFactory(), token="one-link")
    first_user, second_user = UserFactory(username="first"), UserFactory(username="second")
    joined, release, results, waited = threading.Event(), threading.Event(), [], []

    def first():
        with transaction.atomic():
            membership = invitations.accept(invitation=invitation, user=first_user)
            joined.set()
            release.wait(10)
            return membership.user.username

    def second():
        return invitations.accept(invitation=invitation, user=second_user).user.username

    holder = in_thread(first, results)
    assert joined.wait(10)
    waiter = in_thread(second, waited)
    wait_until_blocked(waiter, "The second acceptance")
    release.set()
    holder.join(10)
    waiter.join(10)
    assert results == ["first"]
    assert isinstance(waited[0], Refused) and "already used" in waited[0].message
    assert list(Membership.objects.values_list("user__username", flat=True)) == ["first"]
