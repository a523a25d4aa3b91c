from django.urls import reverse

from cases.models import Membership, Role
from tests.factories import MembershipFactory, UserFactory


def members_url(project, name="cases:members", **kwargs):
    return reverse(name, kwargs={"project_id": project.pk, **kwargs})


def test_owner_adds_a_member_by_username(client_for, owner, project):
    newcomer = UserFactory(username="li.wei")
    response = client_for(owner).post(
        members_url(project, "cases:member_add"), {"user": "LI.WEI", "role": "viewer"}
    )
    assert response.status_code == 302
    assert project.memberships.get(user=newcomer).role == Role.VIEWER


def test_owner_adds_a_member_by_email(client_for, owner, project):
    newcomer = UserFactory(username="zhang", email="zhang@uni.example")
    client_for(owner).post(
        members_url(project, "cases:member_add"), {"user": "Zhang@Uni.example", "role": "coder"}
    )
    assert project.memberships.get(user=newcomer).role == Role.CODER


def test_unknown_user_is_a_clear_error_and_adds_nobody(client_for, owner, project):
    response = client_for(owner).post(
        members_url(project, "cases:member_add"), {"user": "nobody", "role": "coder"}
    )
    assert response.status_code == 400
    assert "No active user has that username or e-mail address." in response.text
    assert project.memberships.count() == 1


def test_existing_member_cannot_be_added_twice(client_for, owner, coder, project):
    response = client_for(owner).post(
        members_url(project, "cases:member_add"), {"user": "ra", "role": "viewer"}
    )
    assert response.status_code == 400
    assert "already a member" in response.text
    assert project.memberships.get(user=coder).role == Role.CODER


def test_invalid_role_is_refused(client_for, owner, project):
    UserFactory(username="x")
    response = client_for(owner).post(
        members_url(project, "cases:member_add"), {"user": "x", "role": "admin"}
    )
    assert response.status_code == 400
    assert project.memberships.count() == 1


def test_owner_changes_a_role(client_for, owner, coder, project):
    membership = project.memberships.get(user=coder)
    client_for(owner).post(
        members_url(project, "cases:member_role", membership_id=membership.pk), {"role": "owner"}
    )
    membership.refresh_from_db()
    assert membership.role == Role.OWNER


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


def test_one_of_two_owners_can_leave(client_for, owner, project):
    MembershipFactory(project=project, role=Role.OWNER)
    membership = project.memberships.get(user=owner)
    response = client_for(owner).post(
        members_url(project, "cases:member_remove", membership_id=membership.pk)
    )
    assert response["Location"] == reverse("cases:project_list")
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_membership_of_another_project_is_404(client_for, owner, project):
    foreign = MembershipFactory()
    response = client_for(owner).post(members_url(project, "cases:member_remove", membership_id=foreign.pk))
    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_members_page_lists_members_with_roles(
    client_for, owner, coder, viewer, project, django_assert_num_queries
):
    client = client_for(owner)
    with django_assert_num_queries(4):  # session, user, membership+project, member list
        response = client.get(members_url(project))
    assert "ra" in response.text and "reader" in response.text
    assert 'action="' + members_url(project, "cases:member_add") in response.text


def test_viewer_sees_members_without_controls(client_for, viewer, owner, project):
    response = client_for(viewer).get(members_url(project))
    assert "pi" in response.text
    assert "Add a member" not in response.text
