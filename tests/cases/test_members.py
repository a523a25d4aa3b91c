from django.urls import reverse

from accounts.models import Profile
from cases.models import Membership, MembershipEvent, Role, TeamEvent
from tests.factories import InvitationFactory, MembershipFactory, UserFactory


def members_url(project, name="cases:members", **kwargs):
    return reverse(name, kwargs={"project_id": project.pk, **kwargs})


def test_owner_changes_a_role_and_the_activity_says_so(client_for, owner, coder, project):
    Profile.objects.create(user=coder, display_name="Wei Li")
    membership = project.memberships.get(user=coder)
    response = client_for(owner).post(
        members_url(project, "cases:member_role", membership_id=membership.pk), {"role": "owner"}, follow=True
    )
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert "Wei Li is now owner." in response.text
    event = MembershipEvent.objects.get()
    assert (event.kind, event.actor, event.actor_name, event.subject_name, event.role) == (
        TeamEvent.ROLE_CHANGED,
        owner,
        "pi",
        "Wei Li",
        Role.OWNER,
    )
    assert event.sentence() == "pi changed the role of Wei Li to owner (was coder)"


def test_choosing_the_same_role_changes_and_logs_nothing(client_for, owner, coder, project):
    membership = project.memberships.get(user=coder)
    client_for(owner).post(
        members_url(project, "cases:member_role", membership_id=membership.pk), {"role": "coder"}
    )
    assert not MembershipEvent.objects.exists()


def test_invalid_role_is_refused(client_for, owner, coder, project):
    membership = project.memberships.get(user=coder)
    response = client_for(owner).post(
        members_url(project, "cases:member_role", membership_id=membership.pk), {"role": "admin"}, follow=True
    )
    assert "Choose owner, coder or viewer." in response.text
    membership.refresh_from_db()
    assert membership.role == Role.CODER
    assert not MembershipEvent.objects.exists()


def test_last_owner_cannot_step_down_or_be_removed(client_for, owner, project):
    membership = project.memberships.get(user=owner)
    client = client_for(owner)
    response = client.post(
        members_url(project, "cases:member_role", membership_id=membership.pk),
        {"role": "viewer"},
        follow=True,
    )
    assert "at least one owner" in response.text
    response = client.post(
        members_url(project, "cases:member_remove", membership_id=membership.pk), follow=True
    )
    assert "last owner cannot be removed" in response.text
    membership.refresh_from_db()
    assert membership.role == Role.OWNER
    assert not MembershipEvent.objects.exists()


def test_one_of_two_owners_can_leave_and_the_log_says_they_left(client_for, owner, project):
    MembershipFactory(project=project, role=Role.OWNER)
    membership = project.memberships.get(user=owner)
    response = client_for(owner).post(
        members_url(project, "cases:member_remove", membership_id=membership.pk)
    )
    assert response["Location"] == reverse("cases:project_list")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    event = MembershipEvent.objects.get()
    assert (event.kind, event.sentence()) == (TeamEvent.LEFT, "pi left the project")


def test_removal_is_logged_and_the_log_outlives_the_account(client_for, owner, coder, project):
    membership = project.memberships.get(user=coder)
    client_for(owner).post(members_url(project, "cases:member_remove", membership_id=membership.pk))
    assert not project.memberships.filter(user=coder).exists()
    coder.delete()
    owner.delete()
    event = MembershipEvent.objects.get()
    assert (event.kind, event.actor, event.sentence()) == (TeamEvent.REMOVED, None, "pi removed ra")


def test_membership_of_another_project_is_404(client_for, owner, project):
    foreign = MembershipFactory()
    client = client_for(owner)
    response = client.post(members_url(project, "cases:member_remove", membership_id=foreign.pk))
    assert response.status_code == 404
    response = client.post(
        members_url(project, "cases:member_role", membership_id=foreign.pk), {"role": "viewer"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role == Role.CODER


def test_owner_sees_members_invitations_and_activity(
    client_for, owner, coder, viewer, project, django_assert_num_queries
):
    Profile.objects.create(user=coder, display_name="Wei <b>Li</b>")
    for n in range(3):
        InvitationFactory(project=project, invited_by=UserFactory(), email=f"guest{n}@uni.example")
    for n in range(60):
        MembershipEvent.objects.create(
            project=project,
            kind=TeamEvent.INVITED,
            actor_name="pi",
            subject_name=f"x{n}@uni.example",
            role="coder",
        )
    client = client_for(owner)
    # session, user, membership+project, members with profiles, invitations with senders, events, event count
    with django_assert_num_queries(7):
        response = client.get(members_url(project))
    assert "Wei &lt;b&gt;Li&lt;/b&gt;" in response.text and "reader" in response.text
    assert 'action="' + members_url(project, "cases:invitation_create") in response.text
    assert response.text.count("guest") == 3 * 3  # address and two button labels each
    assert "The latest 50 of 60 events" in response.text
    assert response.text.count("pi invited x") == 50


def test_viewer_sees_members_without_controls_invitations_or_activity(
    client_for, viewer, owner, project, django_assert_num_queries
):
    InvitationFactory(project=project, invited_by=owner, email="guest@uni.example")
    client = client_for(viewer)
    with django_assert_num_queries(4):  # session, user, membership+project, members with profiles
        response = client.get(members_url(project))
    assert "pi" in response.text
    for owners_only in ("Invite someone", "Pending invitations", "guest@uni.example", "Activity", "Remove"):
        assert owners_only not in response.text
    # Members' addresses are for owners: a viewer sees names only.
    assert owner.email and owner.email not in response.text
    assert "E-mail" not in response.text
    assert owner.email in client_for(owner).get(members_url(project)).text
