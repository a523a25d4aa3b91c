"""Assignments: an owner gives transcripts to coders and follows their progress; coders mark their own; the
blind-coding switch. Team activity records each change."""

import pytest
from django.urls import reverse

from cases.models import Assignment, AssignmentStatus, MembershipEvent, Role, TeamEvent
from tests.factories import (
    CodeFactory,
    MembershipFactory,
    ProfileFactory,
    ProjectFactory,
    TranscriptFactory,
    UserFactory,
)

HX = {"HX-Request": "true"}


def page(project):
    return reverse("cases:assignments", args=[project.pk])


def change(client, project, transcripts, coders, action="assign"):
    data = {"transcript": [t.pk for t in transcripts], "coder": [c.pk for c in coders], "action": action}
    return client.post(reverse("cases:assignments_change", args=[project.pk]), data)


@pytest.fixture
def second_coder(project):
    user = UserFactory(username="lee")
    ProfileFactory(user=user, display_name="Lee Chen")
    MembershipFactory(project=project, user=user, role=Role.CODER)
    return user


@pytest.fixture
def transcripts(case):
    return [TranscriptFactory(case=case, title=f"Interview {n}") for n in (1, 2, 3)]


def test_owner_assigns_ticked_transcripts_to_ticked_coders(
    client_for, project, owner, coder, second_coder, transcripts
):
    response = change(client_for(owner), project, transcripts[:2], [coder, second_coder])
    assert response.status_code == 302
    pairs = set(Assignment.objects.values_list("transcript__title", "coder__username", "status"))
    assert pairs == {
        (title, username, AssignmentStatus.NOT_STARTED)
        for title in ("Interview 1", "Interview 2")
        for username in ("ra", "lee")
    }
    assert set(Assignment.objects.values_list("assigned_by", flat=True)) == {owner.pk}
    sentences = [event.sentence() for event in MembershipEvent.objects.order_by("pk")]
    assert sentences == [
        "pi assigned transcripts to ra (2 transcripts: Interview 1, Interview 2)",
        "pi assigned transcripts to Lee Chen (2 transcripts: Interview 1, Interview 2)",
    ]


def test_assigning_again_keeps_progress_and_records_only_what_is_new(
    client_for, project, owner, coder, transcripts
):
    Assignment.objects.create(transcript=transcripts[0], coder=coder, status=AssignmentStatus.DONE)
    client = client_for(owner)
    change(client, project, transcripts[:2], [coder])
    assert Assignment.objects.get(transcript=transcripts[0]).status == AssignmentStatus.DONE
    assert Assignment.objects.count() == 2
    assert MembershipEvent.objects.get().detail == "1 transcript: Interview 2"
    change(client, project, transcripts[:2], [coder])
    assert MembershipEvent.objects.count() == 1  # nothing new, nothing recorded


def test_an_owner_can_be_assigned_but_a_viewer_cannot(client_for, project, owner, viewer, transcripts):
    client = client_for(owner)
    response = change(client, project, transcripts[:1], [viewer])
    assert response.status_code == 400
    assert "Only the project&#x27;s coders and owners can be given transcripts" in response.text
    assert not Assignment.objects.exists()
    change(client, project, transcripts[:1], [owner])
    assert Assignment.objects.get().coder == owner


def test_ids_from_another_project_are_refused_and_nothing_is_written(
    client_for, project, owner, coder, transcripts
):
    elsewhere = TranscriptFactory(case__project=ProjectFactory())
    stranger = MembershipFactory(project=elsewhere.case.project).user
    client = client_for(owner)
    response = change(client, project, [transcripts[0], elsewhere], [coder])
    assert response.status_code == 400
    assert "A ticked transcript is not one of this project" in response.text
    response = change(client, project, transcripts[:1], [coder, stranger])
    assert response.status_code == 400
    assert "a ticked person is not one of them" in response.text
    response = client.post(reverse("cases:assignments_change", args=[project.pk]), {"action": "assign"})
    assert "Tick at least one transcript." in response.text and "Tick at least one coder." in response.text
    response = client.post(
        reverse("cases:assignments_change", args=[project.pk]),
        {"transcript": ["x"], "coder": [coder.pk], "action": "assign"},
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists() and not MembershipEvent.objects.exists()


def test_taking_back_removes_the_assignments_not_the_codings(
    client_for, project, owner, coder, second_coder, transcripts
):
    for transcript in transcripts:
        Assignment.objects.create(transcript=transcript, coder=coder)
        Assignment.objects.create(transcript=transcript, coder=second_coder)
    response = change(client_for(owner), project, transcripts[:2], [coder], action="unassign")
    assert response.status_code == 302
    left = set(Assignment.objects.values_list("transcript__title", "coder__username"))
    assert left == {
        ("Interview 3", "ra"),
        ("Interview 1", "lee"),
        ("Interview 2", "lee"),
        ("Interview 3", "lee"),
    }
    event = MembershipEvent.objects.get()
    assert event.sentence() == "pi took transcripts back from ra (2 transcripts: Interview 1, Interview 2)"


def test_owner_removes_one_assignment(client_for, project, owner, coder, transcripts):
    assignment = Assignment.objects.create(transcript=transcripts[0], coder=coder)
    response = client_for(owner).post(reverse("cases:assignment_remove", args=[project.pk, assignment.pk]))
    assert response.status_code == 302
    assert not Assignment.objects.exists()
    assert MembershipEvent.objects.get().kind == TeamEvent.UNASSIGNED


def test_an_assignment_of_another_project_is_404(client_for, project, owner):
    other = Assignment.objects.create(
        transcript=TranscriptFactory(case__project=ProjectFactory()), coder=UserFactory()
    )
    response = client_for(owner).post(reverse("cases:assignment_remove", args=[project.pk, other.pk]))
    assert response.status_code == 404
    assert Assignment.objects.filter(pk=other.pk).exists()


def test_progress_grid_shows_each_status_and_counts_per_coder(
    client_for, project, owner, coder, second_coder, viewer, transcripts
):
    Assignment.objects.create(transcript=transcripts[0], coder=coder, status=AssignmentStatus.DONE)
    Assignment.objects.create(transcript=transcripts[1], coder=coder, status=AssignmentStatus.IN_PROGRESS)
    Assignment.objects.create(transcript=transcripts[2], coder=coder)
    Assignment.objects.create(transcript=transcripts[0], coder=second_coder, status=AssignmentStatus.DONE)
    response = client_for(owner).get(page(project))
    assert response.status_code == 200
    text = response.text
    assert "1 not started · 1 in progress · 1 done" in text  # ra
    assert "0 not started · 0 in progress · 1 done" in text  # Lee Chen
    assert "0 not started · 0 in progress · 0 done" in text  # pi, an owner who may code too
    assert text.count('class="status status-done"') == 2
    assert text.count('class="status status-in_progress"') == 1
    assert text.count('class="status status-not_started"') == 1
    assert 'title="Not assigned"' in text
    assert "reader" not in text  # viewers are not columns


def test_assignments_page_query_count_is_fixed(
    client_for, project, owner, coder, case, django_assert_num_queries
):
    client = client_for(owner)

    def fill(count):
        for _ in range(count):
            transcript = TranscriptFactory(case=case)
            Assignment.objects.create(transcript=transcript, coder=coder)
            Assignment.objects.create(transcript=transcript, coder=owner)
        MembershipFactory(project=project, role=Role.CODER)

    fill(2)
    # session, user, membership, the people who code, transcripts, assignments
    with django_assert_num_queries(6):
        assert client.get(page(project)).status_code == 200
    fill(20)
    with django_assert_num_queries(6):
        response = client.get(page(project))
    assert response.text.count('class="status status-not_started"') == 44


def test_blind_coding_starts_at_once_and_ends_only_when_confirmed(client_for, project, owner):
    client = client_for(owner)
    blind = reverse("cases:blind_coding", args=[project.pk])
    assert client.post(blind, {"blind": "on"}).status_code == 302
    project.refresh_from_db()
    assert project.blind_coding
    response = client.post(blind, {"blind": "off"})
    assert response.status_code == 400
    assert "tick the box to confirm" in response.text
    project.refresh_from_db()
    assert project.blind_coding
    assert client.post(blind, {"blind": "off", "confirm": "on"}).status_code == 302
    project.refresh_from_db()
    assert not project.blind_coding
    kinds = list(MembershipEvent.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == [TeamEvent.BLIND_STARTED, TeamEvent.BLIND_ENDED]
    assert client.post(blind, {"blind": "off", "confirm": "on"}).status_code == 302
    assert MembershipEvent.objects.count() == 2  # already off: nothing recorded
    assert client.post(blind, {"blind": "maybe"}).status_code == 400


def test_team_page_shows_assignment_and_blind_activity(client_for, project, owner, coder, transcripts):
    client = client_for(owner)
    change(client, project, transcripts[:1], [coder])
    client.post(reverse("cases:blind_coding", args=[project.pk]), {"blind": "on"})
    text = client.get(reverse("cases:members", args=[project.pk])).text
    assert "pi assigned transcripts to ra (1 transcript: Interview 1)" in text
    assert "pi started blind coding" in text


def test_coder_sees_their_transcripts_on_the_project_page(client_for, project, owner, coder, transcripts):
    Assignment.objects.create(transcript=transcripts[0], coder=coder, status=AssignmentStatus.IN_PROGRESS)
    Assignment.objects.create(transcript=transcripts[1], coder=owner)
    text = client_for(coder).get(project.get_absolute_url()).text
    assert "My transcripts" in text
    assert "Interview 1" in text and "in progress" in text
    assert reverse("coding:workspace", args=[project.pk, transcripts[0].pk]) in text
    assert "Interview 2" not in text  # the owner's, not theirs
    assert reverse("cases:assignments", args=[project.pk]) not in text


def test_viewer_has_no_transcripts_of_their_own(client_for, project, viewer):
    text = client_for(viewer).get(project.get_absolute_url()).text
    assert "My transcripts" not in text


def test_owner_finds_the_assignments_page_from_the_project_and_team(client_for, project, owner):
    client = client_for(owner)
    assert page(project) in client.get(project.get_absolute_url()).text
    assert page(project) in client.get(reverse("cases:members", args=[project.pk])).text


# The coder's own progress, in the workspace


def status_url(transcript):
    return reverse("coding:assignment_status_hx", args=[transcript.case.project_id, transcript.pk])


def test_coder_marks_their_assignment_done(client_for, coder, transcripts):
    assignment = Assignment.objects.create(transcript=transcripts[0], coder=coder)
    client = client_for(coder)
    response = client.post(status_url(transcripts[0]), {"status": "done"})
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    response = client.post(status_url(transcripts[0]), {"status": "in_progress"}, headers=HX)
    assert response.status_code == 200
    assert 'id="assignment-bar"' in response.text and "Marked in progress." in response.text
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS


def test_coder_cannot_mark_another_coders_assignment(client_for, coder, second_coder, transcripts):
    theirs = Assignment.objects.create(transcript=transcripts[0], coder=second_coder)
    response = client_for(coder).post(status_url(transcripts[0]), {"status": "done"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == AssignmentStatus.NOT_STARTED


def test_a_status_that_does_not_exist_is_refused(client_for, coder, transcripts):
    assignment = Assignment.objects.create(transcript=transcripts[0], coder=coder)
    response = client_for(coder).post(status_url(transcripts[0]), {"status": "finished"}, headers=HX)
    assert response.status_code == 400
    assert "Mark the transcript not started, in progress or done." in response.text
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.NOT_STARTED


def test_workspace_shows_the_control_only_to_the_assigned(client_for, coder, second_coder, transcripts):
    Assignment.objects.create(transcript=transcripts[0], coder=coder, status=AssignmentStatus.IN_PROGRESS)
    workspace = reverse("coding:workspace", args=[transcripts[0].case.project_id, transcripts[0].pk])
    text = client_for(coder).get(workspace).text
    assert 'id="assignment-bar"' in text
    assert '<option value="in_progress" selected>in progress</option>' in text
    assert 'id="assignment-bar"' not in client_for(second_coder).get(workspace).text


def test_first_coding_puts_a_not_started_assignment_in_progress(client_for, project, coder, transcripts):
    transcript = transcripts[0]
    assignment = Assignment.objects.create(transcript=transcript, coder=coder)
    code = CodeFactory(project=project)
    client = client_for(coder)
    apply = reverse("coding:apply_hx", args=[project.pk, transcript.pk])
    response = client.post(apply, {"start": 0, "end": 10, "codes": [code.pk]}, headers=HX)
    assert response.status_code == 200
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.IN_PROGRESS
    # The control in the page is redrawn with the new status.
    assert 'id="assignment-bar"' in response.text and 'hx-swap-oob="true"' in response.text
    # A coder who marked it done and codes more keeps it done.
    client.post(status_url(transcript), {"status": "done"})
    client.post(apply, {"start": 20, "end": 30, "codes": [code.pk]}, headers=HX)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE


def test_coding_someone_elses_assignment_does_not_start_it(
    client_for, project, coder, second_coder, transcripts
):
    theirs = Assignment.objects.create(transcript=transcripts[0], coder=second_coder)
    code = CodeFactory(project=project)
    apply = reverse("coding:apply_hx", args=[project.pk, transcripts[0].pk])
    client_for(coder).post(apply, {"start": 0, "end": 10, "codes": [code.pk]}, headers=HX)
    theirs.refresh_from_db()
    assert theirs.status == AssignmentStatus.NOT_STARTED


def test_project_page_lists_my_transcripts_in_a_fixed_number_of_queries(
    client_for, project, coder, case, django_assert_num_queries
):
    client = client_for(coder)

    def fill(count):
        for _ in range(count):
            Assignment.objects.create(transcript=TranscriptFactory(case=case), coder=coder)

    fill(2)
    # session, user, membership, cases with their transcripts counted, codes, codings, members, my assignments
    with django_assert_num_queries(8):
        client.get(project.get_absolute_url())
    fill(10)
    with django_assert_num_queries(8):
        response = client.get(project.get_absolute_url())
    assert response.text.count('class="status status-not_started"') == 12
    assert "<dt>Transcripts</dt><dd>12</dd>" in response.text  # counted from the cases
