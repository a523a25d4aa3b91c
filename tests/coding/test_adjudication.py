"""The disagreement view of two coders on one transcript, adjudication into the consensus layer, and the
consensus layer as the scope of the matrix, retrieval and exports.

The transcript starts with characters outside the BMP (a CJK Extension B character and an emoji), so every
offset below is in code points, as Python counts them, and differs from the browser's UTF-16 offsets."""

import threading

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.people import consensus_coder
from cases.models import Role
from coding.analysis.matrix import Spec, build_matrix, describe
from coding.analysis.retrieval import Criteria, load_facets
from coding.consensus.adjudication import decide
from coding.consensus.differences import Coded, Kind, compare
from coding.models import Adjudication, Coding, Decision, Segment
from tests.concurrency import in_thread, postgresql_only
from tests.factories import (
    CodeFactory,
    MembershipFactory,
    ProfileFactory,
    ProjectFactory,
    TranscriptFactory,
    UserFactory,
)

TEXT = (
    "𠀀😀 Every bureau guards its own data.\n\n"
    "The big-data bureau asks, but the departments say the data belongs to them.\n\n"
    "When the mayor pushes, things move quickly."
)


def coded(start, end, code=1, valence="none", pk=[0]):  # noqa: B006 (a counter for distinct ids)
    pk[0] += 1
    return Coded(pk[0], pk[0], pk[0], code, start, end, valence)


def kinds(a, b):
    return [(d.kind, d.code_id, d.start, d.end) for d in compare(a, b).differences]


# Classification ------------------------------------------------------------------------------------------


def test_one_coders_coding_alone_is_only_a_or_only_b():
    assert kinds([coded(0, 10)], []) == [(Kind.ONLY_A, 1, 0, 10)]
    assert kinds([], [coded(5, 9)]) == [(Kind.ONLY_B, 1, 5, 9)]


def test_touching_spans_do_not_overlap():
    # [0, 10) and [10, 20) share no code point: two differences, not one.
    assert kinds([coded(0, 10)], [coded(10, 20)]) == [(Kind.ONLY_A, 1, 0, 10), (Kind.ONLY_B, 1, 10, 20)]


def test_overlapping_spans_of_one_code_differ_in_span():
    assert kinds([coded(0, 10)], [coded(5, 20)]) == [(Kind.SPAN, 1, 0, 20)]


def test_nested_spans_differ_in_span():
    assert kinds([coded(0, 100)], [coded(20, 40)]) == [(Kind.SPAN, 1, 0, 100)]


def test_overlap_joins_transitively_into_one_difference():
    # B's passage bridges two of A's: one group, whose extent runs from A's first start to A's last end.
    comparison = compare([coded(0, 10), coded(20, 30)], [coded(5, 25)])
    [difference] = comparison.differences
    assert (difference.kind, difference.start, difference.end) == (Kind.SPAN, 0, 30)
    assert [c.span for c in difference.a] == [(0, 10), (20, 30)]
    assert [c.span for c in difference.b] == [(5, 25)]


def test_same_spans_with_another_valence_differ_in_valence():
    assert kinds([coded(0, 10, valence="positive")], [coded(0, 10, valence="negative")]) == [
        (Kind.VALENCE, 1, 0, 10)
    ]


def test_same_spans_and_valences_agree():
    comparison = compare([coded(0, 10, valence="positive")], [coded(0, 10, valence="positive")])
    assert comparison.differences == []
    assert comparison.agreements == 1


def test_another_code_on_the_same_span_is_two_differences():
    assert kinds([coded(0, 10, code=1)], [coded(0, 10, code=2)]) == [
        (Kind.ONLY_A, 1, 0, 10),
        (Kind.ONLY_B, 2, 0, 10),
    ]


def test_differences_come_in_reading_order_then_codebook_order():
    a = [coded(50, 60, code=1), coded(0, 10, code=2), coded(0, 10, code=1)]
    found = compare(a, [], code_order={2: 0, 1: 1}).differences
    assert [(d.start, d.code_id) for d in found] == [(0, 2), (0, 1), (50, 1)]


# The database and pages --------------------------------------------------------------------------------


@pytest.fixture
def team(project, owner, coder, viewer, case):
    other = MembershipFactory(project=project, user=UserFactory(username="rb"), role=Role.CODER).user
    ProfileFactory(user=other, display_name="Bea")
    ProfileFactory(user=coder, display_name="Ann")
    transcript = TranscriptFactory(case=case, text=TEXT)
    code = CodeFactory(project=project, name="Data ownership")
    return project, transcript, code, coder, other


def span_of(passage: str) -> tuple[int, int]:
    start = TEXT.index(passage)
    return start, start + len(passage)


def code_span(transcript, code, coder, passage, valence="none"):
    start, end = span_of(passage)
    segment, _ = Segment.objects.get_or_create(transcript=transcript, start=start, end=end, created_by=coder)
    return Coding.objects.create(segment=segment, code=code, coder=coder, valence=valence)


def page_url(project, transcript, a=None, b=None):
    url = reverse("coding:disagreements", args=[project.pk, transcript.pk])
    return f"{url}?a={a.pk}&b={b.pk}" if a else url


def post_decision(client, project, transcript, a, b, code, passage, decision, memo=""):
    start, end = passage if isinstance(passage, tuple) else span_of(passage)
    return client.post(
        reverse("coding:decide", args=[project.pk, transcript.pk]),
        {
            "a": a.pk,
            "b": b.pk,
            "code": code.pk,
            "start": start,
            "end": end,
            "decision": decision,
            "memo": memo,
        },
    )


def consensus_spans(transcript):
    return sorted(
        Coding.objects.filter(coder=consensus_coder(), segment__transcript=transcript).values_list(
            "code_id", "segment__start", "segment__end", "valence", "segment__created_by__username"
        )
    )


def test_offsets_after_astral_characters_are_code_points(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "guards its own data")
    code_span(transcript, CodeFactory(project=project), bea, "mayor pushes")
    start, end = span_of("guards its own data")
    assert start == 16  # the two astral characters count one each (UTF-16 would say 18)
    response = client_for(owner).get(page_url(project, transcript, ann, bea))
    assert response.status_code == 200
    row = response.context["rows"][0]
    assert (row.difference.kind, row.difference.start, row.difference.end) == (Kind.ONLY_A, start, end)
    assert row.excerpt == "guards its own data"
    segment = Segment.objects.get(created_by=ann)
    assert f"code/#s{segment.pk}" in response.content.decode()  # one click to the workspace at the passage


def test_page_lists_differences_with_both_stripes(team, client_for, viewer):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks")
    code_span(transcript, code, bea, "big-data bureau")
    code_span(transcript, code, bea, "mayor pushes", valence="positive")
    response = client_for(viewer).get(page_url(project, transcript, ann, bea))
    html = response.content.decode()
    rows = response.context["rows"]
    assert [row.kind for row in rows] == ["same code, different span", "only Bea"]
    assert 'class="run by-a by-b differs"' in html and 'class="run by-a differs"' in html
    assert "Decide" not in html  # a viewer sees the differences, not the decision forms


def test_page_chooses_the_first_two_coders_by_name(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, bea, "mayor pushes")
    code_span(transcript, code, ann, "mayor pushes")
    response = client_for(owner).get(page_url(project, transcript))
    assert (response.context["name_a"], response.context["name_b"]) == ("Ann", "Bea")
    assert response.context["agreements"] == 1 and response.context["rows"] == []


def test_page_with_fewer_than_two_coders_says_so(team, client_for, owner):
    project, transcript, code, ann, _ = team
    code_span(transcript, code, ann, "mayor pushes")
    response = client_for(owner).get(page_url(project, transcript))
    assert "Fewer than two coders" in response.content.decode()


def test_page_refuses_a_coder_who_did_not_code_the_transcript(team, client_for, owner, outsider):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "mayor pushes")
    code_span(transcript, code, bea, "mayor pushes")
    response = client_for(owner).get(page_url(project, transcript, ann, outsider))
    assert response.status_code == 400
    assert "Choose a coder who has coded this transcript." in response.content.decode()


def test_while_blind_only_owners_compare_coders(team, client_for, owner):
    project, transcript, _, ann, _ = team
    project.blind_coding = True
    project.save()
    assert client_for(ann).get(page_url(project, transcript)).status_code == 403
    assert client_for(owner).get(page_url(project, transcript)).status_code == 200


def test_page_query_count_is_fixed(team, client_for, owner, django_assert_num_queries):
    project, transcript, code, ann, bea = team
    other = CodeFactory(project=project, name="Trust")
    code_span(transcript, code, ann, "guards its own data")
    code_span(transcript, code, bea, "mayor pushes")
    client = client_for(owner)
    decide_on(project, transcript, code, ann, bea, "guards its own data", Decision.A, owner)
    with django_assert_num_queries(8) as first:
        assert len(client.get(page_url(project, transcript, ann, bea)).context["rows"]) == 2
    for passage in ("Every bureau", "departments say", "things move quickly", "belongs to them"):
        code_span(transcript, other, ann, passage, valence="negative")
        code_span(transcript, other, bea, passage, valence="positive")
    decide_on(project, transcript, other, ann, bea, "departments say", Decision.B, owner)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(page_url(project, transcript, ann, bea)).context["rows"]) == 6


def decide_on(project, transcript, code, a, b, passage, decision, user, memo=""):
    start, end = span_of(passage) if isinstance(passage, str) else passage
    return decide(
        project=project,
        transcript=transcript,
        code=code,
        coder_a=a,
        coder_b=b,
        start=start,
        end=end,
        decision=decision,
        memo=memo,
        user=user,
        consensus=consensus_coder(),
    )


# Adjudication --------------------------------------------------------------------------------------------


def test_accepting_a_writes_exactly_as_codings(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks", valence="negative")
    code_span(transcript, code, bea, "big-data bureau", valence="positive")
    extent = span_of("The big-data bureau asks")
    response = post_decision(
        client_for(owner), project, transcript, ann, bea, code, extent, "a", "A reads it whole"
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#d{code.pk}-{extent[0]}-{extent[1]}")
    assert consensus_spans(transcript) == [(code.pk, *extent, "negative", "~consensus")]
    consensus_segment = Segment.objects.get(created_by=consensus_coder())
    assert consensus_segment.quote == "The big-data bureau asks" and consensus_segment.number
    [row] = Adjudication.objects.all()
    assert (row.decision, row.kind, row.memo, row.decided_by, row.current) == (
        Decision.A if ann.pk < bea.pk else Decision.B,  # stored in the coders' id order
        Kind.SPAN,
        "A reads it whole",
        owner,
        True,
    )
    assert {row.coder_a, row.coder_b} == {ann, bea}
    page = client_for(owner).get(response["Location"]).content.decode()
    assert "Resolved: accepted Ann’s codings" in page and "A reads it whole" in page


def test_accepting_both_writes_both_spans_and_neither_writes_nothing(team, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks")
    code_span(transcript, code, bea, "big-data bureau")
    code_span(transcript, code, bea, "mayor pushes")
    decide_on(project, transcript, code, ann, bea, "The big-data bureau asks", Decision.BOTH, owner)
    assert [s[1:3] for s in consensus_spans(transcript)] == [
        span_of("The big-data bureau asks"),
        span_of("big-data bureau"),
    ]
    decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.NEITHER, owner, memo="Too thin")
    assert len(consensus_spans(transcript)) == 2
    neither = Adjudication.objects.get(decision=Decision.NEITHER)
    assert (neither.spans, neither.memo) == ([], "Too thin")


def test_deciding_again_replaces_what_the_first_decision_wrote(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks")
    code_span(transcript, code, bea, "big-data bureau", valence="positive")
    extent = span_of("The big-data bureau asks")
    client = client_for(owner)
    post_decision(client, project, transcript, ann, bea, code, extent, "a")
    post_decision(client, project, transcript, bea, ann, code, extent, "a", "Bea was right")  # order swapped
    assert consensus_spans(transcript) == [(code.pk, *span_of("big-data bureau"), "positive", "~consensus")]
    assert Segment.objects.filter(created_by=consensus_coder()).count() == 1  # A's span went with its coding
    history = list(Adjudication.objects.order_by("pk"))
    assert [h.current for h in history] == [False, True]
    assert history[1].memo == "Bea was right"
    page = client.get(page_url(project, transcript, ann, bea)).content.decode()
    assert "accepted Bea’s codings" in page and "(replaced)" in page


def test_both_is_refused_where_valences_differ_on_one_span(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "mayor pushes", valence="positive")
    code_span(transcript, code, bea, "mayor pushes", valence="negative")
    response = post_decision(client_for(owner), project, transcript, ann, bea, code, "mayor pushes", "both")
    assert response.status_code == 400
    assert "can hold only one" in response.content.decode()
    assert not Adjudication.objects.exists() and consensus_spans(transcript) == []


def test_a_difference_that_changed_meanwhile_is_a_conflict(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks")
    code_span(transcript, code, bea, "mayor pushes")
    response = post_decision(client_for(owner), project, transcript, ann, bea, code, "big-data bureau", "a")
    assert response.status_code == 409
    assert "changed since the page was drawn" in response.content.decode()
    assert not Adjudication.objects.exists() and consensus_spans(transcript) == []


@pytest.mark.parametrize(
    ("field", "value", "sentence"),
    [
        ("decision", "maybe", "Choose what to accept"),
        ("code", "foreign", "That code is not one of this project’s."),
        ("b", "outsider", "Choose a coder who has coded this transcript."),
        ("end", "start", "A difference must end after it starts."),
    ],
)
def test_bad_decisions_are_refused_and_write_nothing(
    team, client_for, owner, outsider, field, value, sentence
):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "mayor pushes")
    code_span(transcript, code, bea, "big-data bureau")
    start, end = span_of("mayor pushes")
    data = {"a": ann.pk, "b": bea.pk, "code": code.pk, "start": start, "end": end, "decision": "a"}
    data[field] = {
        "maybe": "maybe",
        "foreign": CodeFactory(project=ProjectFactory()).pk,
        "outsider": outsider.pk,
        "start": start,
    }[value]
    response = client_for(owner).post(reverse("coding:decide", args=[project.pk, transcript.pk]), data)
    assert response.status_code == 400
    assert (
        sentence.replace("’", "&#x27;") in response.content.decode() or sentence in response.content.decode()
    )
    assert not Adjudication.objects.exists() and consensus_spans(transcript) == []


def test_a_transcript_of_another_project_is_404(team, client_for, owner):
    project = team[0]
    foreign = TranscriptFactory()
    response = client_for(owner).post(
        reverse("coding:decide", args=[project.pk, foreign.pk]), {"decision": "a"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.CODER, Role.VIEWER])
def test_coders_and_viewers_cannot_adjudicate(team, client_for, role):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "mayor pushes")
    member = MembershipFactory(project=project, user=UserFactory(), role=role).user
    response = post_decision(client_for(member), project, transcript, ann, bea, code, "mayor pushes", "a")
    assert response.status_code == 403
    assert not Adjudication.objects.exists()


def test_a_consensus_span_another_pairs_decision_holds_stays(team, owner, project, case):
    project, transcript, code, ann, bea = team
    cid = MembershipFactory(project=project, user=UserFactory(username="rc"), role=Role.CODER).user
    code_span(transcript, code, ann, "mayor pushes")
    decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.A, owner)
    decide_on(project, transcript, code, ann, cid, "mayor pushes", Decision.A, owner)
    decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.NEITHER, owner)
    assert [s[1:3] for s in consensus_spans(transcript)] == [span_of("mayor pushes")]


# The consensus layer in analysis -----------------------------------------------------------------------


def test_matrix_on_the_consensus_layer_counts_adjudicated_codings(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks")
    code_span(transcript, code, bea, "big-data bureau")
    code_span(transcript, code, ann, "mayor pushes")
    decide_on(project, transcript, code, ann, bea, "The big-data bureau asks", Decision.BOTH, owner)
    facets = load_facets(project=project)
    assert facets.consensus == consensus_coder()

    def total(coder_id):
        spec = Spec(dimension=facets.dimensions["case"], criteria=Criteria(coder_id=coder_id))
        table = build_matrix(facets=facets, spec=spec)
        return next(row.total.value for row in table.rows if row.code.pk == code.pk), dict(
            describe(facets=facets, spec=spec)
        )["Scope"]

    assert total(facets.consensus.pk) == (2, "the consensus layer (adjudicated codings) only")
    # Everyone is the coders: the two adjudicated passages are not counted a second time.
    assert total(None) == (3, "coded by every coder (the consensus layer not counted)")
    assert total(ann.pk) == (2, "coded by Ann")

    client = client_for(owner)
    page = client.get(reverse("coding:matrix", args=[project.pk]), {"coder": facets.consensus.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert ">Consensus layer</option>" in html and "the consensus layer (adjudicated codings) only" in html
    export = client.get(
        reverse("coding:matrix_export", args=[project.pk]), {"coder": facets.consensus.pk, "format": "csv"}
    )
    assert "the consensus layer (adjudicated codings) only" in export.getvalue().decode()
    excerpts = client.get(
        reverse("coding:excerpts_export", args=[project.pk]), {"coder": facets.consensus.pk}
    )
    body = excerpts.getvalue().decode()
    assert body.count("big-data bureau") == 2 and "mayor pushes" not in body


def test_projects_without_a_consensus_layer_offer_no_such_choice(team, client_for, owner):
    project, transcript, code, ann, bea = team
    other = ProjectFactory()
    code_span(transcript, code, ann, "mayor pushes")
    decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.A, owner)
    assert load_facets(project=other).consensus is None
    assert load_facets(project=project).consensus is not None


def test_workspace_shows_the_consensus_layer_only_when_chosen(team, client_for, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "mayor pushes")
    decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.A, owner)
    consensus_segment = Segment.objects.get(created_by=consensus_coder())
    url = reverse("coding:workspace", args=[project.pk, transcript.pk])
    client = client_for(owner)
    everyone = client.get(url).content.decode()
    assert f'data-segment="{consensus_segment.pk}"' not in everyone
    assert ">Consensus layer</option>" in everyone
    layer = client.get(url, {"coder": consensus_coder().pk}).content.decode()
    assert f'data-segment="{consensus_segment.pk}"' in layer


def test_the_database_holds_one_standing_decision_per_difference(team, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "mayor pushes")
    first = decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.A, owner)
    fields = {
        f: getattr(first, f) for f in ("project", "transcript", "code", "coder_a", "coder_b", "start", "end")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Adjudication.objects.create(**fields, kind=Kind.ONLY_A, decision=Decision.B, decided_by=owner)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_owners_deciding_at_once_write_one_after_the_other():
    transcript = TranscriptFactory(text=TEXT)
    project = transcript.case.project
    code = CodeFactory(project=project)
    owner, ann, bea = (MembershipFactory(project=project).user for _ in range(3))
    code_span(transcript, code, ann, "The big-data bureau asks")
    code_span(transcript, code, bea, "big-data bureau")
    consensus_coder()
    together, results = threading.Barrier(2), []

    def deciding(decision):
        def work():
            together.wait(10)
            return decide_on(project, transcript, code, ann, bea, "The big-data bureau asks", decision, owner)

        return work

    threads = [in_thread(deciding(Decision.A), results), in_thread(deciding(Decision.BOTH), results)]
    for thread in threads:
        thread.join(20)
    assert all(isinstance(result, Adjudication) for result in results), results
    assert Adjudication.objects.count() == 2 and Adjudication.objects.filter(current=True).count() == 1
    standing = Adjudication.objects.get(current=True)
    expected = {Decision.A: 1, Decision.B: 1, Decision.BOTH: 2}[standing.decision]
    assert len(consensus_spans(transcript)) == expected


def test_a_decision_over_a_stretch_whose_difference_changed_replaces_the_old_one(team, owner):
    project, transcript, code, ann, bea = team
    code_span(transcript, code, ann, "The big-data bureau asks")
    theirs = code_span(transcript, code, bea, "big-data bureau")
    decide_on(project, transcript, code, ann, bea, "The big-data bureau asks", Decision.A, owner)
    start, end = span_of("The big-data bureau asks, but")
    Segment.objects.filter(pk=theirs.segment_id).update(start=start, end=end)  # Bea widened her quotation
    decide_on(project, transcript, code, ann, bea, (start, end), Decision.B, owner)
    assert [s[1:3] for s in consensus_spans(transcript)] == [(start, end)]
    assert list(Adjudication.objects.order_by("pk").values_list("current", flat=True)) == [False, True]
    # An unrelated standing decision elsewhere in the text stays.
    code_span(transcript, code, ann, "mayor pushes")
    decide_on(project, transcript, code, ann, bea, "mayor pushes", Decision.A, owner)
    decide_on(project, transcript, code, ann, bea, (start, end), Decision.NEITHER, owner)
    assert [s[1:3] for s in consensus_spans(transcript)] == [span_of("mayor pushes")]
