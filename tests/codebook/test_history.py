"""The codebook history: every change with who, when and what, newest first."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from codebook import changes
from codebook.history import record
from codebook.models import CodebookEvent
from coding.models import Memo
from tests.factories import CodeFactory, ProfileFactory


def test_history_lists_changes_newest_first_with_who_and_what(
    client_for, owner, viewer, project, django_assert_max_num_queries
):
    code = CodeFactory(project=project, name="Data ownership")
    changes.change_level(code=code, level="axial", user=owner)
    CodebookEvent.objects.update(created_at=timezone.now() - timedelta(hours=1))
    changes.move_code(code=code, parent=CodeFactory(project=project, name="Determinants"), user=owner)
    client = client_for(viewer)
    with django_assert_max_num_queries(5):  # session, user, membership, count, events with users and codes
        response = client.get(reverse("codebook:history", args=[project.pk]))
    text = response.text
    moved = text.index("Moved “Data ownership” under “Determinants”")
    levelled = text.index("Changed the level of “Data ownership” from open to axial")
    assert moved < levelled
    assert "pi" in text and "What changed" in text


def test_history_is_paginated(client_for, viewer, owner, project):
    for n in range(55):
        record(project=project, user=owner, action="edit", summary=f"Change #{n:03d}")
    client = client_for(viewer)
    first = client.get(reverse("codebook:history", args=[project.pk]))
    assert "Change #054" in first.text and "Change #004" not in first.text and "Page 1 of 2" in first.text
    second = client.get(reverse("codebook:history", args=[project.pk]), {"page": 2})
    assert "Change #004" in second.text and "Change #054" not in second.text


def test_history_of_other_projects_stays_there(client_for, viewer, owner, project):
    other = CodeFactory(name="Elsewhere")
    record(project=other.project, user=owner, action="edit", summary="Secret change")
    response = client_for(viewer).get(reverse("codebook:history", args=[project.pk]))
    assert "Secret change" not in response.text and "No changes recorded yet." in response.text


def test_long_summaries_are_shortened(project, owner):
    event = record(project=project, user=owner, action="edit", summary="x" * 600)
    assert len(event.summary) == 500 and event.summary.endswith("…")


def test_code_page_shows_its_own_history(client_for, owner, project):
    code = CodeFactory(project=project, name="Data ownership")
    changes.change_level(code=code, level="axial", user=owner)
    response = client_for(owner).get(code.get_absolute_url())
    assert "Changed the level of “Data ownership” from open to axial" in response.text


def test_history_and_memos_name_people_by_their_display_name(
    client_for, owner, coder, viewer, project, django_assert_max_num_queries
):
    ProfileFactory(user=owner, display_name="Dr. Ana Ruiz")
    code = CodeFactory(project=project, name="Data ownership")
    changes.change_level(code=code, level="axial", user=owner)
    Memo.objects.create(project=project, author=coder, code=code, text="Closer to territory?")
    client = client_for(viewer)
    with django_assert_max_num_queries(5):  # the names come with the events
        history = client.get(reverse("codebook:history", args=[project.pk])).text
    page = client.get(code.get_absolute_url()).text
    assert '<span class="who">· Dr. Ana Ruiz</span>' in history
    assert '<span class="who">· Dr. Ana Ruiz</span>' in page
    assert "· ra ·" in page  # the memo's author, who has no profile
