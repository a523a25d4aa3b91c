"""The coding workspace on the server: applying, editing, undoing, and what each role may do."""

import json
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from cases.models import Role
from codebook.models import Code, CodebookEvent
from coding.models import Coding, Segment, UndoStep
from coding.workspace import actions
from tests.factories import (
    CodeFactory,
    CodingFactory,
    MembershipFactory,
    ProfileFactory,
    SegmentFactory,
    TranscriptFactory,
)

HX = {"HX-Request": "true"}


@pytest.fixture
def codes(project):
    parent = CodeFactory(project=project, name="Determinants", is_codable=False)
    return {
        "parent": parent,
        "ownership": CodeFactory(project=project, parent=parent, name="Data ownership", colour="#d62728"),
        "political": CodeFactory(project=project, parent=parent, name="Political determination"),
    }


def url(name, transcript, **kwargs):
    return reverse(
        name, kwargs={"project_id": transcript.case.project_id, "transcript_id": transcript.pk, **kwargs}
    )


def apply(client, transcript, start, end, *codes, valence="negative", **extra):
    data = {"start": start, "end": end, "codes": [code.pk for code in codes], "valence": valence, **extra}
    return client.post(url("coding:apply_hx", transcript), data, headers=HX)


def test_coder_applies_two_codes_with_a_valence(client_for, coder, transcript, codes):
    quote = "Every bureau guards its own data."
    start = transcript.text.index(quote)
    response = apply(
        client_for(coder), transcript, start, start + len(quote), codes["ownership"], codes["political"]
    )
    assert response.status_code == 200
    segment = Segment.objects.get()
    assert (segment.start, segment.end, segment.quote, segment.created_by) == (
        start,
        start + len(quote),
        quote,
        coder,
    )
    assert set(segment.codings.values_list("code__name", "valence", "coder__username")) == {
        ("Data ownership", "negative", "ra"),
        ("Political determination", "negative", "ra"),
    }
    # Only what changed comes back: the touched paragraph, the undo button, the segment panel, and the new
    # counts of the two codes as an event for the code panel.
    assert response.text.count('class="para"') == 1
    assert 'id="code-panel"' not in response.text and 'id="undo-bar"' in response.text
    assert 'data-s="' in response.text
    assert json.loads(response["HX-Trigger"])["counts"] == {
        str(codes["ownership"].pk): 1,
        str(codes["political"].pk): 1,
    }


def test_actions_send_the_codes_counts_in_this_transcript_only(client_for, coder, case, transcript, codes):
    elsewhere = TranscriptFactory(case=case)
    for start, where in [(40, transcript), (60, transcript), (0, elsewhere)]:
        CodingFactory(
            segment=SegmentFactory(transcript=where, start=start, end=start + 9), code=codes["ownership"]
        )
    client = client_for(coder)
    response = apply(client, transcript, 0, 11, codes["ownership"], codes["political"])
    counts = json.loads(response["HX-Trigger"])["counts"]
    assert counts == {str(codes["ownership"].pk): 3, str(codes["political"].pk): 1}
    coding = Coding.objects.get(coder=coder, code=codes["political"])
    response = client.post(url("coding:coding_delete_hx", transcript, coding_id=coding.pk), headers=HX)
    assert json.loads(response["HX-Trigger"])["counts"] == {str(codes["political"].pk): 0}
    coding = Coding.objects.get(coder=coder, code=codes["ownership"])
    response = client.post(url("coding:coding_delete_hx", transcript, coding_id=coding.pk), headers=HX)
    assert json.loads(response["HX-Trigger"])["counts"] == {str(codes["ownership"].pk): 2}


def test_selection_is_trimmed_of_surrounding_whitespace(client_for, coder, transcript, codes):
    quote = "Every bureau guards its own data."
    start = transcript.text.index(quote)
    apply(client_for(coder), transcript, start - 1, start + len(quote) + 1, codes["ownership"])
    assert Segment.objects.get().quote == quote


def test_offsets_are_code_points_outside_the_bmp(client_for, coder, case, codes):
    transcript = TranscriptFactory(case=case, text="問：數據共享𠮷很難嗎？\n\n答：是的，𠮷部門不願意。")
    start = transcript.text.index("𠮷部門")
    apply(client_for(coder), transcript, start, start + 3, codes["ownership"])
    segment = Segment.objects.get()
    assert (segment.start, segment.end, segment.quote) == (18, 21, "𠮷部門")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (50, 40, "must end after it starts"),
        (-1, 5, "greater than or equal to 0"),
        (0, 10_000, "outside the transcript"),
        (0, 0, "greater than or equal to 1"),
    ],
)
def test_bad_offsets_are_refused_and_nothing_is_written(
    client_for, coder, transcript, codes, start, end, message
):
    response = apply(client_for(coder), transcript, start, end, codes["ownership"])
    assert response.status_code == 400
    assert message in response.text
    assert not Segment.objects.exists()


def test_whitespace_only_selection_is_refused(client_for, coder, transcript, codes):
    gap = transcript.text.index("\n\n")
    response = apply(client_for(coder), transcript, gap, gap + 2, codes["ownership"])
    assert response.status_code == 400
    assert "only white space" in response.text


def test_code_of_another_project_is_refused(client_for, coder, transcript):
    foreign = CodeFactory()
    response = apply(client_for(coder), transcript, 0, 11, foreign)
    assert response.status_code == 400
    assert "A chosen code is not one you can apply any more" in response.text
    assert not Segment.objects.exists()


def test_category_cannot_be_applied(client_for, coder, transcript, codes):
    response = apply(client_for(coder), transcript, 0, 11, codes["parent"])
    assert response.status_code == 400
    assert not Coding.objects.exists()


def test_no_code_chosen_is_refused(client_for, coder, transcript):
    response = apply(client_for(coder), transcript, 0, 11)
    assert response.status_code == 400
    assert "Choose at least one code" in response.text


def test_viewer_cannot_code(client_for, viewer, transcript, codes):
    assert apply(client_for(viewer), transcript, 0, 11, codes["ownership"]).status_code == 403
    assert not Segment.objects.exists()


def test_outsider_cannot_code(client_for, outsider, transcript, codes):
    assert apply(client_for(outsider), transcript, 0, 11, codes["ownership"]).status_code == 404


def test_transcript_of_another_project_is_404(client_for, coder, codes, project):
    foreign = TranscriptFactory()
    response = client_for(coder).post(
        reverse("coding:apply_hx", args=[project.pk, foreign.pk]),
        {"start": 0, "end": 5, "codes": [codes["ownership"].pk]},
    )
    assert response.status_code == 404


def test_in_vivo_code_is_created_under_its_parent_and_applied(client_for, coder, transcript, codes):
    start = transcript.text.index("guards its own data")
    response = apply(
        client_for(coder),
        transcript,
        start,
        start + 19,
        valence="none",
        new_code="guards its own data",
        new_code_parent=codes["parent"].pk,
    )
    assert response.status_code == 200
    code = Code.objects.get(name="guards its own data")
    assert (code.parent, code.level, code.framework, code.created_by) == (
        codes["parent"],
        "open",
        "emergent",
        coder,
    )
    assert Coding.objects.get().code == code
    event = CodebookEvent.objects.get()
    assert (event.action, event.code, event.user) == ("create", code, coder)


def test_in_vivo_name_of_an_existing_sibling_reuses_it(client_for, coder, transcript, codes):
    apply(client_for(coder), transcript, 0, 11, new_code="data OWNERSHIP", new_code_parent=codes["parent"].pk)
    assert Coding.objects.get().code == codes["ownership"]
    assert Code.objects.filter(name__iexact="data ownership").count() == 1


def test_applying_again_to_the_same_span_adds_to_the_coders_segment(client_for, coder, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, codes["ownership"])
    apply(client, transcript, 0, 11, codes["ownership"], codes["political"])
    assert Segment.objects.count() == 1
    assert Coding.objects.count() == 2


def test_two_coders_on_the_same_passage_keep_their_own_work(client_for, coder, project, transcript, codes):
    other = MembershipFactory(project=project, role=Role.CODER).user
    apply(client_for(coder), transcript, 0, 11, codes["ownership"], valence="negative")
    apply(client_for(other), transcript, 0, 11, codes["ownership"], valence="positive")
    assert Segment.objects.count() == 2
    assert set(Coding.objects.values_list("coder__username", "valence")) == {
        ("ra", "negative"),
        (other.username, "positive"),
    }


def test_coder_cannot_change_another_coders_segment(client_for, coder, project, transcript, codes):
    other = MembershipFactory(project=project, role=Role.CODER).user
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=other), code=codes["ownership"], coder=other
    )
    segment = coding.segment
    client = client_for(coder)
    for name, data in [
        ("coding:segment_span_hx", {"start": 0, "end": 20}),
        ("coding:segment_memo_hx", {"memo": "mine now"}),
        ("coding:segment_delete_hx", {}),
    ]:
        assert client.post(url(name, transcript, segment_id=segment.pk), data, headers=HX).status_code == 403
    for name, data in [
        ("coding:coding_valence_hx", {"valence": "positive"}),
        ("coding:coding_delete_hx", {}),
    ]:
        assert client.post(url(name, transcript, coding_id=coding.pk), data, headers=HX).status_code == 403
    segment.refresh_from_db()
    coding.refresh_from_db()
    assert (segment.start, segment.end, segment.memo, coding.valence) == (0, 12, "", "none")


def test_owner_may_correct_any_coders_segment(client_for, owner, project, transcript, codes):
    other = MembershipFactory(project=project, role=Role.CODER).user
    segment = SegmentFactory(transcript=transcript, created_by=other)
    response = client_for(owner).post(
        url("coding:segment_memo_hx", transcript, segment_id=segment.pk),
        {"memo": "Check with R01"},
        headers=HX,
    )
    assert response.status_code == 200
    segment.refresh_from_db()
    assert segment.memo == "Check with R01"


def test_segment_of_another_transcript_is_404(client_for, coder, project, transcript, codes):
    other_transcript = TranscriptFactory(case=transcript.case)
    segment = SegmentFactory(transcript=other_transcript, created_by=coder)
    response = client_for(coder).post(
        url("coding:segment_delete_hx", transcript, segment_id=segment.pk), headers=HX
    )
    assert response.status_code == 404
    assert Segment.objects.filter(pk=segment.pk).exists()


def test_boundary_change_retakes_the_quote(client_for, coder, transcript, codes):
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=coder), code=codes["ownership"], coder=coder
    )
    start = transcript.text.index("Every bureau")
    response = client_for(coder).post(
        url("coding:segment_span_hx", transcript, segment_id=coding.segment_id),
        {"start": start, "end": start + 12},
        headers=HX,
    )
    assert response.status_code == 200
    segment = Segment.objects.get()
    assert segment.quote == "Every bureau"


def test_valence_change_and_memo(client_for, coder, transcript, codes):
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=coder), code=codes["ownership"], coder=coder
    )
    client = client_for(coder)
    client.post(
        url("coding:coding_valence_hx", transcript, coding_id=coding.pk), {"valence": "positive"}, headers=HX
    )
    response = client.post(
        url("coding:coding_valence_hx", transcript, coding_id=coding.pk), {"valence": "sideways"}, headers=HX
    )
    assert response.status_code == 400
    client.post(
        url("coding:segment_memo_hx", transcript, segment_id=coding.segment_id),
        {"memo": "<b>bold</b>"},
        headers=HX,
    )
    coding.refresh_from_db()
    assert coding.valence == "positive"
    assert coding.segment.memo == "<b>bold</b>"
    page = client.get(url("coding:workspace", transcript))
    assert "<b>bold</b>" not in page.text


def test_removing_the_last_code_removes_the_passage(client_for, coder, transcript, codes):
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=coder), code=codes["ownership"], coder=coder
    )
    client_for(coder).post(url("coding:coding_delete_hx", transcript, coding_id=coding.pk), headers=HX)
    assert not Segment.objects.exists()


def test_undo_reverts_apply_then_delete_in_order(client_for, coder, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, codes["ownership"])
    segment = Segment.objects.get()
    client.post(url("coding:segment_delete_hx", transcript, segment_id=segment.pk), headers=HX)
    assert not Segment.objects.exists()
    response = client.post(url("coding:undo_hx", transcript), headers=HX)  # undoes the delete
    assert response.status_code == 200
    restored = Segment.objects.get()
    assert (restored.start, restored.end) == (0, 11)
    assert list(restored.codings.values_list("code__name", "valence")) == [("Data ownership", "negative")]
    client.post(url("coding:undo_hx", transcript), headers=HX)  # undoes the apply
    assert not Segment.objects.exists()
    response = client.post(url("coding:undo_hx", transcript), headers=HX)
    assert response.status_code == 400
    assert "nothing to undo" in response.text


def test_undo_steps_belong_to_their_coder_and_outlive_the_login(
    client_for, coder, project, transcript, codes
):
    apply(client_for(coder), transcript, 0, 11, codes["ownership"])
    other = MembershipFactory(project=project, role=Role.CODER).user
    response = client_for(other).post(url("coding:undo_hx", transcript), headers=HX)
    assert response.status_code == 400 and "nothing to undo" in response.text
    assert Segment.objects.exists()
    page = client_for(coder).get(url("coding:workspace", transcript))  # a new login: another browser
    assert 'class="undo" disabled' not in page.text
    client_for(coder).post(url("coding:undo_hx", transcript), headers=HX)
    assert not Segment.objects.exists()


def test_undo_reaches_back_twenty_steps(client_for, coder, transcript, codes):
    client = client_for(coder)
    for start in range(25):
        apply(client, transcript, start, start + 30, codes["ownership"])
    for _ in range(20):
        assert client.post(url("coding:undo_hx", transcript), headers=HX).status_code == 200
    assert Segment.objects.count() == 5
    response = client.post(url("coding:undo_hx", transcript), headers=HX)
    assert response.status_code == 400 and "nothing to undo" in response.text
    assert 'class="undo" disabled' in client.get(url("coding:workspace", transcript)).text


def test_opening_the_transcript_forgets_steps_beyond_the_undo_depth(client_for, coder, transcript, codes):
    client = client_for(coder)
    for start in range(25):
        apply(client, transcript, start, start + 30, codes["ownership"])
    assert UndoStep.objects.count() == 25  # writes add a step and nothing else
    client.get(url("coding:workspace", transcript))
    assert UndoStep.objects.count() == 20


def test_an_undo_that_can_no_longer_apply_is_forgotten(client_for, coder, owner, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, codes["ownership"])
    segment = Segment.objects.get()
    client.post(url("coding:segment_memo_hx", transcript, segment_id=segment.pk), {"memo": "m"}, headers=HX)
    client_for(owner).post(url("coding:segment_delete_hx", transcript, segment_id=segment.pk), headers=HX)
    client = client_for(coder)
    response = client.post(url("coding:undo_hx", transcript), headers=HX)  # the memo: its quotation is gone
    assert response.status_code == 400 and "no longer exists" in response.text
    response = client.post(url("coding:undo_hx", transcript), headers=HX)  # the apply, then nothing
    assert response.status_code == 200
    assert client.post(url("coding:undo_hx", transcript), headers=HX).status_code == 400


def test_a_refused_change_leaves_nothing_to_undo(client_for, coder, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, codes["ownership"])
    apply(client, transcript, 20, 40, codes["ownership"])
    first, second = Segment.objects.order_by("start")
    client.post(url("coding:undo_hx", transcript), headers=HX)  # takes back the second apply
    apply(client, transcript, 20, 40, codes["ownership"])
    second = Segment.objects.get(start=20)
    response = client.post(
        url("coding:segment_span_hx", transcript, segment_id=second.pk), {"start": 0, "end": 11}, headers=HX
    )
    assert response.status_code == 400  # the coder already has a quotation there
    client.post(url("coding:undo_hx", transcript), headers=HX)  # so this takes back the last apply
    assert list(Segment.objects.values_list("start", flat=True)) == [first.start]


def test_undo_of_an_in_vivo_apply_removes_the_new_code(client_for, coder, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, new_code="bureau pride", new_code_parent=codes["parent"].pk)
    client.post(url("coding:undo_hx", transcript), headers=HX)
    assert not Code.objects.filter(name="bureau pride").exists()
    assert list(CodebookEvent.objects.order_by("pk").values_list("action", flat=True)) == ["create", "delete"]


def test_undo_of_an_in_vivo_apply_that_reused_a_code_keeps_it(client_for, coder, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, new_code="bureau pride", new_code_parent=codes["parent"].pk)
    made = Code.objects.get(name="bureau pride")
    client.post(url("coding:coding_delete_hx", transcript, coding_id=made.codings.get().pk), headers=HX)
    apply(client, transcript, 13, 30, new_code="Bureau pride", new_code_parent=codes["parent"].pk)
    assert Coding.objects.get().code == made  # the sibling of that name, not a second code
    client.post(url("coding:undo_hx", transcript), headers=HX)
    assert not Coding.objects.exists()
    assert Code.objects.filter(pk=made.pk).exists()  # this apply did not make it, so its undo keeps it


def test_in_vivo_name_of_a_category_is_refused_and_nothing_is_written(client_for, coder, transcript, codes):
    response = apply(client_for(coder), transcript, 0, 11, new_code="determinants")
    assert response.status_code == 400
    assert "“Determinants” is a category and cannot be applied." in response.text
    assert not Segment.objects.exists() and not UndoStep.objects.exists()


def test_a_refused_in_vivo_apply_leaves_no_new_code(client_for, coder, case, codes):
    transcript = TranscriptFactory(case=case, text="Words.\n\n   \n\nMore words.")
    response = apply(client_for(coder), transcript, 7, 11, new_code="blank")
    assert response.status_code == 400 and "only white space" in response.text
    assert not Code.objects.filter(name="blank").exists() and not CodebookEvent.objects.exists()


@pytest.mark.parametrize("action", ["apply", "span", "memo", "delete", "valence", "remove"])
def test_an_action_and_its_undo_step_are_written_together(coder, transcript, codes, monkeypatch, action):
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=coder), code=codes["ownership"], coder=coder
    )
    segment = coding.segment
    calls = {
        "apply": lambda: actions.apply_codes(
            transcript=transcript, start=20, end=40, codes=[codes["political"]], coder=coder
        ),
        "span": lambda: actions.change_span(segment=segment, start=0, end=30, user=coder),
        "memo": lambda: actions.set_memo(segment=segment, memo="m", user=coder),
        "delete": lambda: actions.delete_segment(segment=segment, user=coder),
        "valence": lambda: actions.set_valence(coding=coding, valence="positive", user=coder),
        "remove": lambda: actions.remove_coding(coding=coding, user=coder),
    }
    before = (
        list(Segment.objects.values_list("pk", "start", "end", "memo")),
        list(Coding.objects.values_list("pk", "valence")),
    )

    def fail(**kwargs):
        raise RuntimeError("the undo step could not be written")

    monkeypatch.setattr(actions.undo, "push", fail)
    with pytest.raises(RuntimeError):
        calls[action]()
    after = (
        list(Segment.objects.values_list("pk", "start", "end", "memo")),
        list(Coding.objects.values_list("pk", "valence")),
    )
    assert after == before


def test_undo_restores_boundaries_and_valence(client_for, coder, transcript, codes):
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=coder), code=codes["ownership"], coder=coder
    )
    client = client_for(coder)
    client.post(
        url("coding:segment_span_hx", transcript, segment_id=coding.segment_id),
        {"start": 0, "end": 20},
        headers=HX,
    )
    client.post(
        url("coding:coding_valence_hx", transcript, coding_id=coding.pk), {"valence": "negative"}, headers=HX
    )
    client.post(url("coding:undo_hx", transcript), headers=HX)
    client.post(url("coding:undo_hx", transcript), headers=HX)
    coding.refresh_from_db()
    assert (coding.segment.start, coding.segment.end, coding.valence) == (0, 12, "none")


def test_actions_work_without_htmx(client_for, coder, transcript, codes):
    response = client_for(coder).post(
        url("coding:apply_hx", transcript), {"start": 0, "end": 11, "codes": [codes["ownership"].pk]}
    )
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/code/#s{segment.pk}")


def test_workspace_page_query_count_is_fixed(
    client_for, coder, project, transcript, codes, django_assert_num_queries
):
    client = client_for(coder)
    others = [MembershipFactory(project=project, role=Role.CODER).user for _ in range(3)]
    for index in range(40):
        segment = SegmentFactory(
            transcript=transcript, start=index, end=index + 15, created_by=others[index % 3]
        )
        CodingFactory(segment=segment, code=codes["ownership"], coder=others[index % 3], valence="negative")
        CodingFactory(segment=segment, code=codes["political"], coder=others[index % 3])
    # session, user, membership, transcript, quotations, their codings, codes, counts here, recent codes,
    # coders for the filter, the newest undo steps, the transcript's memos (with their authors, for the memo
    # panel)
    with django_assert_num_queries(13) as captured:
        response = client.get(url("coding:workspace", transcript))
    assert response.status_code == 200
    assert response.text.count('class="chip ') == 80
    # each read in one round trip: no server-side cursor (declare, fetch, close), as PostgreSQL would open
    # for a choice field's list of coders
    assert not [query for query in captured.captured_queries if query["sql"].startswith("DECLARE")]


# Each action: session, user, membership, transcript, the object it changes (or the codes it applies), the
# change and its undo step in one transaction (two savepoint queries here, inside the test's transaction),
# then the quotations in the paragraphs it touched and their codings (a span change redraws two passages:
# twice), and the quotation's codings with their counts. A new quotation takes its number (one query) and
# needs no second read of its codings; the panel redrawn after an in-vivo code or an undo costs the codebook,
# the recent codes and the coders for its filter. Each redraw reads the transcript's speaker labels once. An
# apply locks the codes it applies, and a span change, a deletion or a removal locks the quotation, each in a
# query of its own before what it reads (tests/coding/test_races.py says why); a valence or a memo is one
# UPDATE, which locks the row by itself. Deleting a quotation also deletes the links memos have to it (one
# query: Django deletes a many-to-many link's rows itself).
@pytest.mark.parametrize(
    ("action", "queries"),
    [
        ("apply", 16),
        ("apply to the same quotation", 16),
        ("in vivo", 29),
        ("span", 17),
        ("valence", 13),
        ("memo", 13),
        ("delete", 18),
        ("remove the last code", 19),
        ("remove a code", 16),
        ("undo", 23),
    ],
)
def test_action_query_counts_are_fixed(
    client_for, coder, transcript, codes, django_assert_num_queries, action, queries
):
    client = client_for(coder)
    coding = CodingFactory(
        segment=SegmentFactory(transcript=transcript, created_by=coder), code=codes["ownership"], coder=coder
    )
    for index in range(30):
        CodingFactory(
            segment=SegmentFactory(transcript=transcript, start=index + 1, end=index + 30),
            code=codes["political"],
        )
    if action == "remove a code":
        CodingFactory(segment=coding.segment, code=codes["political"], coder=coder)

    def remove():
        return client.post(url("coding:coding_delete_hx", transcript, coding_id=coding.pk), headers=HX)

    requests = {
        "apply": lambda: apply(client, transcript, 20, 60, codes["ownership"], codes["political"]),
        "apply to the same quotation": lambda: apply(client, transcript, 0, 12, codes["political"]),
        "in vivo": lambda: apply(
            client, transcript, 20, 60, codes["ownership"], new_code="new", new_code_parent=codes["parent"].pk
        ),
        "span": lambda: client.post(
            url("coding:segment_span_hx", transcript, segment_id=coding.segment_id),
            {"start": 0, "end": 30},
            headers=HX,
        ),
        "valence": lambda: client.post(
            url("coding:coding_valence_hx", transcript, coding_id=coding.pk),
            {"valence": "positive"},
            headers=HX,
        ),
        "memo": lambda: client.post(
            url("coding:segment_memo_hx", transcript, segment_id=coding.segment_id), {"memo": "m"}, headers=HX
        ),
        "delete": lambda: client.post(
            url("coding:segment_delete_hx", transcript, segment_id=coding.segment_id), headers=HX
        ),
        "remove the last code": remove,
        "remove a code": remove,
        "undo": lambda: client.post(url("coding:undo_hx", transcript), headers=HX),
    }
    if action == "undo":
        requests["delete"]()
    with django_assert_num_queries(queries):
        response = requests[action]()
    assert response.status_code == 200


def test_undo_of_a_removed_code_brings_it_back(client_for, coder, transcript, codes):
    client = client_for(coder)
    apply(client, transcript, 0, 11, codes["ownership"], codes["political"])
    coding = Coding.objects.get(code=codes["political"])
    client.post(url("coding:coding_delete_hx", transcript, coding_id=coding.pk), headers=HX)
    assert Coding.objects.count() == 1
    client.post(url("coding:undo_hx", transcript), headers=HX)
    restored = Coding.objects.get(code=codes["political"])
    assert (restored.pk, restored.valence) == (coding.pk, "negative")


def test_refresh_shows_other_coders_new_work_and_filters(client_for, coder, project, transcript, codes):
    other = MembershipFactory(project=project, role=Role.CODER).user
    client = client_for(coder)
    apply(client, transcript, 0, 11, codes["ownership"])
    CodingFactory(
        segment=SegmentFactory(transcript=transcript, start=13, end=20, created_by=other),
        code=codes["political"],
        coder=other,
    )
    everything = client.get(url("coding:workspace", transcript), headers=HX)
    assert everything.text.count('class="chip ') == 2
    assert 'id="code-panel" class="panel code-panel" hx-swap-oob="true"' in everything.text
    mine = client.get(url("coding:workspace", transcript) + "?mine=on", headers=HX)
    assert mine.text.count('class="chip ') == 1
    theirs = client.get(url("coding:workspace", transcript) + f"?coder={other.pk}", headers=HX)
    assert theirs.text.count('class="chip ') == 1 and "Political determination" in theirs.text
    by_code = client.get(url("coding:workspace", transcript) + f"?code={codes['ownership'].pk}", headers=HX)
    assert by_code.text.count('class="chip ') == 1
    # A foreign code id in the filter is ignored, not an error that hides everything.
    foreign = client.get(url("coding:workspace", transcript) + f"?code={CodeFactory().pk}", headers=HX)
    assert foreign.status_code == 200


def test_user_text_is_escaped_everywhere_on_the_page(client_for, coder, project, case):
    hostile = 'R01: <script>alert("x")</script> & \'quotes\' "here"'
    transcript = TranscriptFactory(case=case, text=hostile)
    code = CodeFactory(project=project, name='<img src=x onerror="alert(1)">')
    segment = SegmentFactory(transcript=transcript, start=5, end=34, created_by=coder, memo='"><b>memo</b>')
    CodingFactory(segment=segment, code=code, coder=coder)
    html = client_for(coder).get(url("coding:workspace", transcript)).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>memo</b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    panel = client_for(coder).get(url("coding:segment_hx", transcript, segment_id=segment.pk), headers=HX)
    assert "&quot;&gt;&lt;b&gt;memo&lt;/b&gt;" in panel.content.decode()


def _panel_filters(html: str) -> tuple[bool, str | None]:
    """Whether the redrawn code panel has "Only mine" ticked, and which coder its filter selects."""
    panel = html[html.index('id="code-panel"') :]
    mine = re.search(r'<input type="checkbox" name="mine"[^>]*>', panel).group(0)
    coder = re.search(r'<select name="coder"[^>]*>(.*?)</select>', panel, re.S)
    chosen = re.search(r'<option value="([^"]*)" selected>', coder.group(1)) if coder else None
    return "checked" in mine, chosen.group(1) if chosen else None


# The actions whose answer redraws the whole code panel, as the page sends them: the filters ride along.
PANEL_ACTIONS = {
    "in vivo": lambda client, transcript, codes, query: client.post(
        url("coding:apply_hx", transcript) + query,
        {"start": 0, "end": 11, "new_code": "guards", "new_code_parent": codes["parent"].pk},
        headers=HX,
    ),
    "undo": lambda client, transcript, codes, query: client.post(
        url("coding:undo_hx", transcript) + query, headers=HX
    ),
}


@pytest.mark.parametrize("action", PANEL_ACTIONS)
def test_a_redrawn_code_panel_keeps_only_mine(client_for, coder, transcript, codes, action):
    client = client_for(coder)
    apply(client, transcript, 13, 30, codes["ownership"])  # something to undo
    page = client.get(url("coding:workspace", transcript) + "?mine=on")
    assert 'data-filters="mine=on"' in page.text  # what the page sends back with each action
    response = PANEL_ACTIONS[action](client, transcript, codes, "?mine=on")
    assert response.status_code == 200
    assert _panel_filters(response.text) == (True, "")


@pytest.mark.parametrize("action", PANEL_ACTIONS)
def test_a_redrawn_code_panel_keeps_the_coder_and_codes_filter(
    client_for, coder, project, transcript, codes, action
):
    other = MembershipFactory(project=project, role=Role.CODER).user
    client = client_for(coder)
    apply(client, transcript, 13, 30, codes["ownership"])
    query = f"?code={codes['ownership'].pk}&coder={other.pk}"
    response = PANEL_ACTIONS[action](client, transcript, codes, query)
    assert response.status_code == 200
    assert _panel_filters(response.text) == (False, str(other.pk))
    assert f'value="{codes["ownership"].pk}" checked' in response.text


@pytest.mark.parametrize("name", ["Dr. Ana Ruiz", '<script>alert("ana")</script>'])
def test_coders_are_named_by_their_display_name(client_for, coder, owner, transcript, codes, name):
    ProfileFactory(user=coder, display_name=name)
    segment = SegmentFactory(transcript=transcript, created_by=coder)
    CodingFactory(segment=segment, code=codes["ownership"], coder=coder)
    CodingFactory(segment=segment, code=codes["political"], coder=owner)  # no profile: named "pi"
    client = client_for(owner)
    page = client.get(url("coding:workspace", transcript)).text
    panel = client.get(url("coding:segment_hx", transcript, segment_id=segment.pk), headers=HX).text
    shown = escape(name)
    assert f'title="Data ownership · {shown}"' in page and 'title="Political determination · pi"' in page
    assert f'value="{coder.pk}">{shown}</option>' in page and f'value="{owner.pk}">pi</option>' in page
    assert f") · {shown} · " in panel  # who made the quotation
    assert f'<span class="muted">{shown}</span>' in panel and '<span class="muted">pi</span>' in panel
    assert "<script>alert" not in page + panel
