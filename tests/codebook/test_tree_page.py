"""The codebook page as a tree: each code's own and rolled-up quotation counts, the detail panel, and
reordering siblings (one step up or down, or before or after a sibling), recorded in the history."""

import pytest
from django.db import connection
from django.urls import reverse

from codebook.models import CodebookAction, CodebookEvent
from coding import usage
from tests.factories import CodeFactory, CodingFactory, ProjectFactory, SegmentFactory, TranscriptFactory

HX = {"HX-Request": "true"}


def url(name, code):
    return reverse(f"codebook:{name}", args=[code.project_id, code.pk])


def order(parent):
    return list(parent.children.order_by("position", "name").values_list("name", flat=True))


@pytest.fixture
def siblings(project):
    """Determinants › Ownership, Politics, Partnership, Readiness (in that order); Status › Tension."""
    determinants = CodeFactory(project=project, name="Determinants", level="axial", position=0)
    status = CodeFactory(project=project, name="Status", level="selective", position=1)
    children = {
        name: CodeFactory(project=project, parent=determinants, name=name, position=index)
        for index, name in enumerate(["Ownership", "Politics", "Partnership", "Readiness"])
    }
    tension = CodeFactory(project=project, parent=status, name="Tension", level="selective")
    return {"determinants": determinants, "status": status, "tension": tension, **children}


# Reordering


def test_up_and_down_move_a_code_one_place_and_record_it(client_for, owner, siblings):
    client = client_for(owner)
    response = client.post(url("code_reorder", siblings["Partnership"]), {"direction": "up"})
    assert response.status_code == 302
    assert response.url.endswith(f"/codebook/#code-{siblings['Partnership'].pk}")
    assert order(siblings["determinants"]) == ["Ownership", "Partnership", "Politics", "Readiness"]
    event = CodebookEvent.objects.get()
    assert event.action == CodebookAction.MOVE and event.code == siblings["Partnership"]
    assert event.summary == "Moved “Partnership” before “Politics” under “Determinants”"
    assert event.detail["position"] == {"from": 2, "to": 1}
    assert (
        event.detail["from"]
        == event.detail["to"]
        == {"id": siblings["determinants"].pk, "name": "Determinants"}
    )

    client.post(url("code_reorder", siblings["Ownership"]), {"direction": "down", "compact": "1"})
    assert order(siblings["determinants"]) == ["Partnership", "Ownership", "Politics", "Readiness"]
    # Positions are renumbered 0…n-1, so the next step is one place whatever they were before.
    positions = list(
        siblings["determinants"].children.order_by("position").values_list("position", flat=True)
    )
    assert positions == [0, 1, 2, 3]
    assert CodebookEvent.objects.count() == 2


def test_drop_before_or_after_a_sibling_answers_htmx_with_the_redrawn_tree(client_for, owner, siblings):
    client = client_for(owner)
    response = client.post(
        url("code_reorder", siblings["Readiness"]), {"before": siblings["Ownership"].pk}, headers=HX
    )
    assert response.status_code == 200
    assert 'id="codebook-trees"' in response.text and "moved" in response.text
    assert order(siblings["determinants"]) == ["Readiness", "Ownership", "Politics", "Partnership"]
    client.post(url("code_reorder", siblings["Readiness"]), {"after": siblings["Partnership"].pk}, headers=HX)
    assert order(siblings["determinants"]) == ["Ownership", "Politics", "Partnership", "Readiness"]
    # A compact page stays compact when the tree is redrawn.
    response = client.post(
        url("code_reorder", siblings["Politics"]), {"direction": "up", "compact": "1"}, headers=HX
    )
    assert 'class="codebook-trees compact"' in response.text


def test_putting_a_code_where_it_already_is_writes_nothing(client_for, owner, siblings):
    client = client_for(owner)
    client.post(url("code_reorder", siblings["Politics"]), {"after": siblings["Ownership"].pk}, headers=HX)
    assert order(siblings["determinants"]) == ["Ownership", "Politics", "Partnership", "Readiness"]
    assert not CodebookEvent.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"direction": "up"}, "“Ownership” is already the first of its siblings."),
        ({}, "Say where the code goes: up, down, or before or after one sibling."),
        ({"direction": "up", "after": "PARTNERSHIP"}, "Say where the code goes"),
        ({"before": "TENSION"}, "“Tension” is not a sibling of “Ownership”: use Move"),
        ({"after": "STATUS"}, "“Status” is not a sibling of “Ownership”"),
        ({"before": "OWNERSHIP"}, "“Ownership” is not a sibling of “Ownership”"),
        ({"before": "OTHER"}, "Choose a code of this codebook to put it before."),
        ({"after": "nonsense"}, "Choose a code of this codebook to put it after."),
        ({"direction": "sideways"}, "sideways"),
    ],
)
def test_bad_reorders_are_refused_with_a_sentence_and_change_nothing(
    client_for, owner, siblings, data, message
):
    other = CodeFactory(project=ProjectFactory(), name="Elsewhere")
    ids = {
        "PARTNERSHIP": siblings["Partnership"],
        "TENSION": siblings["tension"],
        "STATUS": siblings["status"],
    }
    ids |= {"OWNERSHIP": siblings["Ownership"], "OTHER": other}
    data = {key: str(ids[value].pk) if value in ids else value for key, value in data.items()}
    client = client_for(owner)
    response = client.post(url("code_reorder", siblings["Ownership"]), data, headers=HX)
    assert response.status_code == 400
    assert message in response.text
    # Without htmx: back to the codebook with the reason.
    response = client.post(url("code_reorder", siblings["Ownership"]), data, follow=True)
    assert message in response.text.replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert order(siblings["determinants"]) == ["Ownership", "Politics", "Partnership", "Readiness"]
    assert not CodebookEvent.objects.exists()


def test_coders_and_viewers_cannot_reorder_outsiders_do_not_see_the_code_and_get_is_not_allowed(
    client_for, coder, viewer, outsider, siblings
):
    target = url("code_reorder", siblings["Politics"])
    assert client_for(coder).post(target, {"direction": "up"}).status_code == 403
    assert client_for(viewer).post(target, {"direction": "up"}).status_code == 403
    assert client_for(outsider).post(target, {"direction": "up"}).status_code == 404
    assert client_for(outsider).get(target).status_code == 405
    assert order(siblings["determinants"]) == ["Ownership", "Politics", "Partnership", "Readiness"]


def test_the_domain_function_refuses_a_code_of_another_parent(owner, siblings):
    from cases.refusals import Refused
    from codebook import changes

    with pytest.raises(Refused, match="under the same parent"):
        changes.reorder_code(code=siblings["Ownership"], target=siblings["tension"], after=False, user=owner)
    assert not CodebookEvent.objects.exists()


# Counts


@pytest.fixture
def coded_tree(project, case, owner, coder):
    """A › B › C and A › D. Quotations, hand-counted:
      q1 coded A and B (a parent and its child: once for A)
      q2 coded C
      q3 coded C and D (two branches of A: once for A)
      q4 coded B by the owner and by the coder (one quotation, two codings)
    Own: A 1, B 2 (q1, q4), C 2 (q2, q3), D 1 (q3). Rolled up: C 2, D 1, B 4 (q1, q4, q2, q3), A 4."""
    a = CodeFactory(project=project, name="A", position=0)
    b = CodeFactory(project=project, parent=a, name="B", position=0)
    c = CodeFactory(project=project, parent=b, name="C")
    d = CodeFactory(project=project, parent=a, name="D", position=1)
    transcript = TranscriptFactory(case=case)
    quotations = [
        SegmentFactory(transcript=transcript, start=start, end=start + 5, created_by=owner)
        for start in (0, 10, 20, 30)
    ]
    for index, code in [(0, a), (0, b), (1, c), (2, c), (2, d), (3, b)]:
        CodingFactory(segment=quotations[index], code=code, coder=owner)
    CodingFactory(segment=quotations[3], code=b, coder=coder)
    return {"A": a, "B": b, "C": c, "D": d}


def test_rolled_up_counts_are_distinct_quotations_of_the_code_and_its_descendants(project, coded_tree):
    codes = {code.name: code for code in usage.tree_with_quotations(project=project, membership=None)}
    assert {name: code.quotation_count for name, code in codes.items()} == {"A": 1, "B": 2, "C": 2, "D": 1}
    assert {name: code.rolled_up_count for name, code in codes.items()} == {"A": 4, "B": 4, "C": 2, "D": 1}
    assert codes["B"].coding_count == 3  # q1, and q4 twice
    assert usage.quotation_counts(code=coded_tree["B"], membership=None) == (2, 4)
    assert usage.quotation_counts(code=coded_tree["A"], membership=None) == (1, 4)


def test_the_detail_panel_shows_the_chosen_code_with_its_counts(client_for, viewer, coded_tree):
    b = coded_tree["B"]
    response = client_for(viewer).get(url("code_detail", b), headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<aside id="code-panel"')
    assert "2 with the code itself · 4 with it or a code beneath it" in response.text
    assert "3 in 1 interview" in response.text
    # Without htmx, the code's own page.
    assert "<html" in client_for(viewer).get(url("code_detail", b)).text


def test_codebook_page_has_a_fixed_number_of_queries(
    client_for, viewer, project, coded_tree, django_assert_num_queries
):
    client = client_for(viewer)
    page = reverse("codebook:codebook", args=[project.pk])
    # session, user, membership, codes, the project's interviews, the matrix's counting query, interviews per
    # case, usage; on PostgreSQL the counting query runs in its own transaction with two SET LOCALs
    expected = 8 + (4 if connection.vendor == "postgresql" else 0)
    with django_assert_num_queries(expected):
        response = client.get(page)
    assert response.text.count('class="count rolled"') == 4
    more = CodeFactory(project=project, parent=coded_tree["D"], name="E")
    for start in (40, 50, 60):
        CodingFactory(
            segment=SegmentFactory(
                transcript=TranscriptFactory(case=project.cases.get()), start=start, end=start + 3
            ),
            code=more,
        )
    with django_assert_num_queries(expected):
        response = client.get(page + "?compact=1")
    assert response.text.count('class="count rolled"') == 5
    assert 'class="codebook-trees compact"' in response.text
