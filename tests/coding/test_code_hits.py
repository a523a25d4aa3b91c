"""Code all hits: the hits of a search coded in one batch, previewed first, undone as one step."""

import pytest
from django.urls import reverse

from cases.turns import sentence_around
from coding.hits.batches import find_hits
from coding.models import Coding, CodingBatch, Segment
from tests.factories import CaseFactory, CodeFactory, ProjectFactory, TranscriptFactory, code_passage

# Astral characters (𠮷, 𩸽, 😀) before every hit: a UTF-16 offset would land two or more places off.
FIRST = "問：𠮷野家的𩸽😀，數據𠀋在哪裡？答：數據𠀋屬於部門。\n\n問：還有呢？答：沒有𠀋了！"
SECOND = "R01: The 𠀋 records are ours. We share them?\n\nR01: Not 𠀋 yet. Maybe 3.5 days."


@pytest.fixture
def hits_project(project, owner, coder):
    case = CaseFactory(project=project, name="City Y")
    first = TranscriptFactory(case=case, title="Y1", text=FIRST)
    second = TranscriptFactory(case=case, title="Y2", text=SECOND)
    TranscriptFactory(case=case, title="Y3", text="Nothing here.")
    code = CodeFactory(project=project, name="Data ownership")
    return project, first, second, code


def url(project, name="coding:code_hits"):
    return reverse(name, args=[project.pk])


def preview(client, project, **data):
    return client.get(
        url(project), {"q": "𠀋", "valence": "negative", "extent": "hit", "which": "all", **data}
    )


def apply(client, project, response, **changes):
    """Posts the preview's own apply form."""
    planned = response.context["plan"]
    form = response.context["form"]
    data = {
        "q": form.cleaned_data["q"],
        "code": planned.code.pk,
        "valence": planned.valence,
        "extent": planned.extent,
        "which": form.cleaned_data["which"],
        "hit": sorted(response.context["ticked"]),
        "digest": planned.digest,
        **changes,
    }
    return client.post(url(project, "coding:code_hits_apply"), data)


def astral_offsets(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at != -1:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def test_code_all_hits_codes_exactly_the_hits_and_one_undo_removes_them(hits_project, client_for, coder):
    project, first, second, code = hits_project
    client = client_for(coder)
    response = preview(client, project, code=code.pk)
    assert response.status_code == 200
    planned = response.context["plan"]
    assert (planned.hits, planned.new, planned.added, planned.have) == (5, 5, 0, 0)
    assert not Segment.objects.exists()  # a preview writes nothing

    response = apply(client, project, response)
    assert response.status_code == 302
    segments = list(Segment.objects.order_by("transcript_id", "start"))
    expected = [(first.pk, at) for at in astral_offsets(FIRST, "𠀋")] + [
        (second.pk, at) for at in astral_offsets(SECOND, "𠀋")
    ]
    assert [(s.transcript_id, s.start) for s in segments] == expected
    assert all(s.end == s.start + 1 and s.quote == "𠀋" and s.created_by == coder for s in segments)
    assert FIRST.index("𠀋") == 11  # code points: 𠮷, 𩸽 and 😀 count one each
    codings = Coding.objects.all()
    assert {(c.code_id, c.coder_id, c.valence) for c in codings} == {(code.pk, coder.pk, "negative")}
    assert codings.count() == 5
    batch = CodingBatch.objects.get()
    assert (batch.codings_created, batch.quotations_created, batch.transcripts) == (5, 5, 2)
    page = client.get(url(project), {"q": "𠀋"})
    assert "Undo this batch" in page.content.decode()

    response = client.post(reverse("coding:batch_undo", args=[project.pk, batch.pk]))
    assert response.status_code == 302
    assert not Segment.objects.exists() and not Coding.objects.exists()
    batch.refresh_from_db()
    assert batch.undone_at is not None and batch.undone_by == coder
    again = client.post(reverse("coding:batch_undo", args=[project.pk, batch.pk]), follow=True)
    assert "This batch has been undone already." in again.content.decode()


def test_only_the_ticked_hits(hits_project, client_for, coder):
    project, *_, code = hits_project
    client = client_for(coder)
    found = find_hits(project=project, query="𠀋")
    chosen = [found.hits[1].key, found.hits[4].key]
    response = preview(client, project, code=code.pk, which="ticked", hit=chosen)
    assert response.context["plan"].new == 2
    assert apply(client, project, response).status_code == 302
    assert sorted(Segment.objects.values_list("transcript_id", "start")) == sorted(
        [
            (found.hits[1].transcript_id, found.hits[1].start),
            (found.hits[4].transcript_id, found.hits[4].start),
        ]
    )


def test_sentences_end_at_cjk_and_ascii_marks():
    at = FIRST.index("𠀋")
    assert FIRST[slice(*sentence_around(FIRST, at, at + 1))] == "問：𠮷野家的𩸽😀，數據𠀋在哪裡？"
    at = FIRST.index("𠀋", at + 1)
    assert FIRST[slice(*sentence_around(FIRST, at, at + 1))] == "答：數據𠀋屬於部門。"
    at = FIRST.rindex("𠀋")
    assert FIRST[slice(*sentence_around(FIRST, at, at + 1))] == "答：沒有𠀋了！"
    at = SECOND.index("𠀋")
    assert SECOND[slice(*sentence_around(SECOND, at, at + 1))] == "R01: The 𠀋 records are ours."
    at = SECOND.index("3.5")
    assert SECOND[slice(*sentence_around(SECOND, at, at + 3))] == "Maybe 3.5 days."
    text = "他說：「好。」然後走了。"
    at = text.index("好")
    assert text[slice(*sentence_around(text, at, at + 1))] == "他說：「好。」"


def test_sentence_and_paragraph_extents_and_two_hits_in_one_passage(hits_project, client_for, coder):
    project, *_, code = hits_project
    client = client_for(coder)
    response = preview(client, project, code=code.pk, extent="paragraph")
    planned = response.context["plan"]
    # Y1's first paragraph holds two hits: one quotation; its second paragraph one; Y2 two paragraphs.
    assert [len(item.hits) for item in planned.items] == [2, 1, 1, 1]
    assert planned.items[0].quote == FIRST.split("\n\n")[0]
    response = preview(client, project, code=code.pk, extent="sentence")
    quotes = [item.quote for item in response.context["plan"].items]
    assert quotes == [
        "問：𠮷野家的𩸽😀，數據𠀋在哪裡？",
        "答：數據𠀋屬於部門。",
        "答：沒有𠀋了！",
        "R01: The 𠀋 records are ours.",
        "R01: Not 𠀋 yet.",
    ]
    assert apply(client, project, response).status_code == 302
    assert sorted(Segment.objects.values_list("quote", flat=True)) == sorted(quotes)


def test_existing_quotations_get_the_code_or_are_left_when_they_have_it(
    hits_project, client_for, coder, owner
):
    project, first, second, code = hits_project
    other = CodeFactory(project=project, name="Trust")
    has_it = code_passage(second, "R01: The 𠀋 records are ours.", code, coder)
    has_other = code_passage(second, "R01: Not 𠀋 yet.", other, coder)
    # The owner's quotation on a span is not the coder's: the coder gets a quotation of their own.
    code_passage(first, "答：數據𠀋屬於部門。", code, owner)
    client = client_for(coder)
    response = preview(client, project, code=code.pk, extent="sentence")
    planned = response.context["plan"]
    assert (planned.new, planned.added, planned.have) == (3, 1, 1)
    text = response.content.decode()
    assert f"Q{has_it.segment.number} has it" in text and f"Q{has_other.segment.number} gets the code" in text
    assert apply(client, project, response).status_code == 302
    assert set(has_other.segment.codings.values_list("code__name", flat=True)) == {"Trust", "Data ownership"}
    assert has_it.segment.codings.count() == 1
    assert Segment.objects.filter(created_by=coder).count() == 5
    batch = CodingBatch.objects.get()
    client.post(reverse("coding:batch_undo", args=[project.pk, batch.pk]))
    # What was there before the batch stays: both of the coder's quotations and their codes, the owner's.
    assert set(has_other.segment.codings.values_list("code__name", flat=True)) == {"Trust"}
    assert Segment.objects.filter(created_by=coder).count() == 2
    assert Coding.objects.count() == 3


def test_a_quotation_coded_since_stays_when_the_batch_is_undone(hits_project, client_for, coder):
    project, *_, code = hits_project
    client = client_for(coder)
    assert apply(client, project, preview(client, project, code=code.pk)).status_code == 302
    segment = Segment.objects.first()
    Coding.objects.create(segment=segment, code=CodeFactory(project=project), coder=coder)
    client.post(reverse("coding:batch_undo", args=[project.pk, CodingBatch.objects.get().pk]))
    assert list(Segment.objects.all()) == [segment]
    assert segment.codings.count() == 1


def test_a_stale_preview_is_refused_and_nothing_is_written(hits_project, client_for, coder):
    project, _, second, code = hits_project
    client = client_for(coder)
    response = preview(client, project, code=code.pk, extent="sentence")
    code_passage(second, "R01: Not 𠀋 yet.", code, coder)  # meanwhile, in the workspace
    stale = apply(client, project, response)
    assert stale.status_code == 409
    assert "changed since the preview" in stale.content.decode()
    assert Segment.objects.count() == 1 and not CodingBatch.objects.exists()


def test_bad_input_is_refused_with_a_sentence(hits_project, client_for, coder):
    project, *_, code = hits_project
    client = client_for(coder)
    foreign = CodeFactory(project=ProjectFactory())
    response = preview(client, project, code=foreign.pk)
    assert response.status_code == 400
    assert "That code is not one you can apply" in response.content.decode()
    response = preview(client, project, code="")
    assert response.status_code == 400 and "Choose the code to apply." in response.content.decode()
    response = preview(client, project, code=code.pk, which="ticked")
    assert response.status_code == 400 and "Tick at least one hit" in response.content.decode()
    response = preview(client, project, code=code.pk, hit=["999999:0:1"], which="ticked")
    assert response.status_code == 400 and "no longer in the transcripts" in response.content.decode()
    response = client.post(url(project, "coding:code_hits_apply"), {"q": "", "code": code.pk, "which": "all"})
    assert response.status_code == 400 and "Search for something first" in response.content.decode()
    post = client.post(
        url(project, "coding:code_hits_apply"), {"q": "𠀋", "code": foreign.pk, "which": "all"}
    )
    assert post.status_code == 400
    assert not Segment.objects.exists() and not CodingBatch.objects.exists()


def test_only_its_coder_or_an_owner_undoes_a_batch(hits_project, client_for, coder, owner, project):
    project, *_, code = hits_project
    from cases.models import Role
    from tests.factories import MembershipFactory, UserFactory

    other = MembershipFactory(project=project, user=UserFactory(username="ra2"), role=Role.CODER).user
    client = client_for(coder)
    apply(client, project, preview(client, project, code=code.pk))
    batch = CodingBatch.objects.get()
    undo = reverse("coding:batch_undo", args=[project.pk, batch.pk])
    assert client_for(other).post(undo).status_code == 403
    assert Segment.objects.count() == 5
    assert client_for(owner).post(undo).status_code == 302
    assert not Segment.objects.exists()


def test_preview_and_apply_query_counts_are_fixed(hits_project, client_for, coder, django_assert_num_queries):
    project, first, second, code = hits_project
    at = SECOND.index("𠀋")
    segment = Segment.objects.create(transcript=second, start=at, end=at + 1, created_by=coder)
    Coding.objects.create(segment=segment, code=CodeFactory(project=project), coder=coder)
    client = client_for(coder)
    # session, user, membership; codes; matching transcripts; the coder's quotations there, those with the
    # code; the batches
    with django_assert_num_queries(8):
        response = preview(client, project, code=code.pk)
    assert (response.context["plan"].new, response.context["plan"].added) == (4, 1)
    # session, user, membership; codes; matching transcripts (the form); then in one transaction: the code
    # locked, matching transcripts, the coder's quotations locked, those with the code, quotation numbers,
    # quotations, codings, the batch (and SAVEPOINT / RELEASE around it)
    with django_assert_num_queries(15):
        assert apply(client, project, response).status_code == 302
    TranscriptFactory(case=first.case, title="Y4", text="更多𠀋。" * 20)
    with django_assert_num_queries(8):
        response = preview(client, project, code=code.pk)
    assert response.context["plan"].new == 20
    with django_assert_num_queries(15):
        assert apply(client, project, response).status_code == 302
