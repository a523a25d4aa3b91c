from django.urls import reverse

from cases.models import Project, Role
from tests.factories import CaseFactory, MembershipFactory, ProjectFactory


def test_login_page_renders(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "Sign in to Crosscase" in response.text


def test_project_list_is_fixed_query_count(client_for, owner, django_assert_num_queries):
    for _ in range(5):
        MembershipFactory(user=owner, role=Role.VIEWER, project=CaseFactory().project)
    client = client_for(owner)
    with django_assert_num_queries(3):  # session, user, projects with their counts and my role
        response = client.get(reverse("cases:project_list"))
    assert response.text.count('class="card"') == 6


def test_project_list_hides_other_teams_projects(client_for, owner):
    ProjectFactory(name="Secret other study")
    response = client_for(owner).get(reverse("cases:project_list"))
    assert "Secret other study" not in response.text
    assert "Interagency data sharing" in response.text


def test_create_project_makes_the_creator_owner(client_for, outsider):
    response = client_for(outsider).post(reverse("cases:project_create"), {"name": "Smart city study"})
    project = Project.objects.get(name="Smart city study")
    assert response["Location"] == project.get_absolute_url()
    assert project.memberships.get().user == outsider
    assert project.memberships.get().role == Role.OWNER
    assert project.codes.count() == 0


def test_create_project_seeded_with_both_frameworks(client_for, outsider):
    client_for(outsider).post(
        reverse("cases:project_create"), {"name": "Seeded", "seed_icaf": "on", "seed_ior": "on"}
    )
    project = Project.objects.get(name="Seeded")
    assert set(project.codes.values_list("framework", flat=True)) == {"icaf", "ior"}


def test_seeding_from_the_new_project_form_names_its_creator_in_the_history(client_for, outsider):
    client = client_for(outsider)
    client.post(reverse("cases:project_create"), {"name": "Seeded", "seed_icaf": "on"})
    project = Project.objects.get(name="Seeded")
    assert list(project.codebook_events.values_list("action", "user")) == [("seed", outsider.pk)]
    history = client.get(reverse("codebook:history", args=[project.pk]))
    assert '<span class="who">· stranger</span>' in history.text


def test_create_project_without_name_is_refused(client_for, outsider):
    response = client_for(outsider).post(reverse("cases:project_create"), {"name": ""})
    assert response.status_code == 200
    assert "This field is required" in response.text
    assert not Project.objects.exists()


def test_project_create_wrong_method(client_for, outsider):
    assert client_for(outsider).put(reverse("cases:project_create")).status_code == 405


def test_owner_renames_project(client_for, owner, project):
    client_for(owner).post(reverse("cases:project_edit", args=[project.pk]), {"name": "Renamed study"})
    project.refresh_from_db()
    assert project.name == "Renamed study"


def test_delete_project_needs_its_name(client_for, owner, project, case):
    url = reverse("cases:project_delete", args=[project.pk])
    response = client_for(owner).post(url, {"confirm_name": "wrong"}, follow=True)
    assert "Type the name of the project exactly" in response.text
    assert Project.objects.filter(pk=project.pk).exists()
    response = client_for(owner).post(url, {"confirm_name": project.name})
    assert response["Location"] == reverse("cases:project_list")
    assert not Project.objects.filter(pk=project.pk).exists()


def test_project_page_escapes_user_text(client_for, owner, project):
    project.description = "<script>alert('x')</script>"
    project.save()
    response = client_for(owner).get(project.get_absolute_url())
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;" in response.text


def test_htmx_requests_carry_the_csrf_header(client_for, owner):
    response = client_for(owner).get(reverse("cases:project_list"))
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.text
    assert "htmx" in response.text  # the script tag served by django-htmx


def test_project_list_counts_every_member_of_each_project(
    client_for, owner, coder, viewer, django_assert_max_num_queries
):
    solo = CaseFactory().project
    MembershipFactory(user=owner, role=Role.VIEWER, project=solo)
    CaseFactory(project=solo)
    client = client_for(owner)
    with django_assert_max_num_queries(3):  # session, user, projects with their counts and my role
        response = client.get(reverse("cases:project_list"))
    cards = response.text.split('class="card"')[1:]
    shared = next(card for card in cards if "Interagency data sharing" in card)
    other = next(card for card in cards if solo.name in card)
    assert "0 cases · 3 members · you are owner" in shared
    assert "2 cases · 1 member · you are viewer" in other
