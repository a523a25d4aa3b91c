"""The loser of a race is told so: each write re-reads what it acts on under a lock, and refuses with a
`Conflict` (409) when another request removed it a moment before, instead of failing (500) or writing it back.

Here the other request's change is made between the page's read and the write, on either database;
tests/coding/test_races.py runs the same races as concurrent requests on PostgreSQL.
"""

import pytest
from django.urls import reverse

from cases.refusals import Conflict, Refused
from codebook.models import Code
from coding import recoding
from coding.models import Coding, Segment, UndoStep
from coding.workspace import actions
from tests.factories import CodeFactory, CodingFactory, SegmentFactory

HX = {"HX-Request": "true"}


@pytest.fixture
def coded(transcript, coder):
    """The coder's quotation Q1 [0:11] with one code on it."""
    segment = SegmentFactory(transcript=transcript, start=0, end=11, created_by=coder)
    return CodingFactory(segment=segment, code=CodeFactory(project=transcript.case.project), coder=coder)


def stale(obj):
    """`obj` as a page read it before another request changed it."""
    return type(obj).objects.get(pk=obj.pk)


def test_applying_a_code_merged_a_moment_ago_names_the_code_it_went_into(project, transcript, owner, coder):
    source = CodeFactory(project=project, name="Trust")
    target = CodeFactory(project=project, name="Mutual trust")
    as_read = stale(source)
    recoding.merge_codes(source=source, target=target, user=owner)
    with pytest.raises(Conflict) as refusal:
        actions.apply_codes(transcript=transcript, start=0, end=11, codes=[as_read], coder=coder)
    assert refusal.value.message == (
        "“Trust” was merged into “Mutual trust” a moment ago: reload to see the codebook as it is now."
    )
    assert not Segment.objects.exists() and not UndoStep.objects.exists()


def test_applying_a_code_deleted_a_moment_ago_says_so(project, transcript, owner, coder):
    code = CodeFactory(project=project, name="Trust")
    kept = CodeFactory(project=project, name="Power")
    as_read = stale(code)
    recoding.delete_code(code=code, keep_children=False, confirmed_codings=0, user=owner)
    with pytest.raises(Conflict, match="“Trust” was deleted a moment ago: reload"):
        actions.apply_codes(transcript=transcript, start=0, end=11, codes=[kept, as_read], coder=coder)
    assert not Coding.objects.exists()


@pytest.fixture
def merged_before_the_lock(monkeypatch, project, owner):
    """Merges "Trust" into "Mutual trust" after the apply's form accepted "Trust", just before its lock."""
    source = CodeFactory(project=project, name="Trust")
    target = CodeFactory(project=project, name="Mutual trust")
    lock = actions.lock_codes

    def merge_first(project, ids):
        recoding.merge_codes(source=stale(source), target=stale(target), user=owner)
        return lock(project, ids)

    monkeypatch.setattr(actions, "lock_codes", merge_first)
    return source


def apply_url(transcript) -> str:
    return reverse("coding:apply_hx", args=[transcript.case.project_id, transcript.pk])


def test_the_workspace_answers_a_lost_race_with_409_and_the_sentence(
    client_for, coder, transcript, merged_before_the_lock
):
    data = {"start": 0, "end": 11, "codes": [merged_before_the_lock.pk]}
    response = client_for(coder).post(apply_url(transcript), data, headers=HX)
    assert response.status_code == 409
    assert "“Trust” was merged into “Mutual trust” a moment ago" in response.text
    assert not Segment.objects.exists()


def test_without_htmx_a_lost_race_comes_back_as_a_message_on_the_workspace(
    client_for, coder, transcript, merged_before_the_lock
):
    data = {"start": 0, "end": 11, "codes": [merged_before_the_lock.pk]}
    response = client_for(coder).post(apply_url(transcript), data, follow=True)
    assert response.status_code == 200
    assert "merged into “Mutual trust” a moment ago" in response.text


def test_a_code_gone_before_the_form_read_it_is_refused_in_words(client_for, coder, transcript, project):
    code = CodeFactory(project=project)
    data = {"start": 0, "end": 11, "codes": [code.pk]}
    code.delete()
    response = client_for(coder).post(apply_url(transcript), data, headers=HX)
    assert response.status_code == 400
    assert "not one you can apply any more" in response.text and "reload" in response.text


def test_deleting_a_quotation_deleted_a_moment_ago_is_a_conflict(coded, coder):
    as_read = stale(coded.segment)
    actions.delete_segment(segment=coded.segment, user=coder)
    with pytest.raises(Conflict, match="This quotation was deleted a moment ago"):
        actions.delete_segment(segment=as_read, user=coder)
    assert UndoStep.objects.count() == 1


def test_moving_a_deleted_quotation_does_not_bring_it_back(coded, coder):
    as_read = stale(coded.segment)
    actions.delete_segment(segment=coded.segment, user=coder)
    with pytest.raises(Conflict):
        actions.change_span(segment=as_read, start=0, end=20, user=coder)
    assert not Segment.objects.exists()


def test_moving_a_quotation_keeps_the_memo_another_tab_saved_meanwhile(coded, coder):
    as_read = stale(coded.segment)
    actions.set_memo(segment=stale(coded.segment), memo="Said twice.", user=coder)
    actions.change_span(segment=as_read, start=0, end=30, user=coder)
    segment = Segment.objects.get()
    assert (segment.end, segment.memo) == (as_read.end, "Said twice.") and as_read.end > 11
    assert UndoStep.objects.order_by("-pk").first().record["start"] == 0


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda coding, user: actions.set_memo(segment=coding.segment, memo="m", user=user), "quotation"),
        (lambda coding, user: actions.set_valence(coding=coding, valence="positive", user=user), "code"),
        (lambda coding, user: actions.remove_coding(coding=coding, user=user), "quotation"),
    ],
    ids=["memo", "valence", "remove"],
)
def test_changing_a_quotation_deleted_a_moment_ago_is_a_conflict(coded, coder, write, message):
    as_read = Coding.objects.select_related("segment").get(pk=coded.pk)  # as the view reads it
    Segment.objects.all().delete()
    with pytest.raises(Conflict, match=f"This {message} was .* a moment ago"):
        write(as_read, coder)
    assert not Segment.objects.exists() and not UndoStep.objects.exists()


def test_removing_a_code_removed_a_moment_ago_in_another_tab_is_a_conflict(coded, coder, project):
    CodingFactory(segment=coded.segment, code=CodeFactory(project=project), coder=coder)
    as_read = Coding.objects.select_related("segment").get(pk=coded.pk)
    actions.remove_coding(coding=coded, user=coder)
    with pytest.raises(Conflict, match="This code was removed from the quotation a moment ago"):
        actions.remove_coding(coding=as_read, user=coder)
    assert UndoStep.objects.count() == 1


@pytest.mark.parametrize("change", ["merge", "split", "delete"])
def test_restructuring_a_code_deleted_a_moment_ago_is_refused_not_an_error(project, owner, change):
    code = CodeFactory(project=project, name="Trust")
    other = CodeFactory(project=project, name="Power")
    as_read = stale(code)
    Code.objects.filter(pk=code.pk).delete()
    run = {
        "merge": lambda: recoding.merge_codes(source=as_read, target=other, user=owner),
        "split": lambda: recoding.split_code(
            code=as_read, coding_ids=[1], name="New", as_child=True, user=owner
        ),
        "delete": lambda: recoding.delete_code(
            code=as_read, keep_children=False, confirmed_codings=0, user=owner
        ),
    }[change]
    with pytest.raises(Refused, match="“Trust” was deleted a moment ago: reload the page"):
        run()
    assert list(Code.objects.values_list("name", flat=True)) == ["Power"]
