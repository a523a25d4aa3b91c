"""Relations between codes (axial coding): built-in and project-defined kinds, each with a memo."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from codebook.models import CodebookEvent, CodeRelation
from codebook.seeding import load_framework, seed_framework
from tests.factories import CodeFactory


@pytest.fixture
def pair(project):
    return CodeFactory(project=project, name="Data ownership"), CodeFactory(project=project, name="Tension")


def url(name, code):
    return reverse(f"codebook:{name}", args=[code.project_id, code.pk])


def test_owner_relates_two_codes_with_a_memo(client_for, owner, pair):
    ownership, tension = pair
    response = client_for(owner).post(
        url("relation_add", ownership),
        {
            "direction": "out",
            "kind": "is-cause-of",
            "other": tension.pk,
            "memo": "Case 2, territorial behaviour.",
        },
    )
    assert response.status_code == 302
    relation = CodeRelation.objects.get()
    assert (relation.source, relation.kind, relation.target, relation.memo, relation.created_by) == (
        ownership,
        "is-cause-of",
        tension,
        "Case 2, territorial behaviour.",
        owner,
    )
    event = CodebookEvent.objects.get()
    assert (event.action, event.summary) == ("relate", "Related “Data ownership” is cause of “Tension”")
    page = client_for(owner).get(url("code_detail", tension))
    assert "is cause of" in page.text and "Case 2, territorial behaviour." in page.text


def test_incoming_direction_and_a_project_defined_kind(client_for, owner, pair):
    ownership, tension = pair
    response = client_for(owner).post(
        url("relation_add", ownership),
        {"direction": "in", "kind": "__other__", "new_kind": "  is a   condition for ", "other": tension.pk},
    )
    assert response.status_code == 302
    relation = CodeRelation.objects.get()
    assert (relation.source, relation.kind, relation.target) == (tension, "is a condition for", ownership)
    # The project's own kind is offered next time, next to the built-in ones.
    page = client_for(owner).get(url("code_detail", ownership))
    assert '<option value="is a condition for">is a condition for</option>' in page.text


def test_a_new_kind_spelled_like_a_built_in_one_is_the_built_in_one(client_for, owner, pair):
    ownership, tension = pair
    client_for(owner).post(
        url("relation_add", ownership),
        {"direction": "out", "kind": "__other__", "new_kind": "Strengthens", "other": tension.pk},
    )
    assert CodeRelation.objects.get().kind == "strengthens"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "__other__", "new_kind": ""}, "Name the new kind of relation."),
        ({"kind": "loves"}, "Select a valid choice"),
        ({"other": "self"}, "Select a valid choice"),
        ({"other": "foreign"}, "Select a valid choice"),
        ({"duplicate": True}, "This relation already exists."),
    ],
)
def test_bad_relations_are_refused_and_nothing_is_written(client_for, owner, pair, data, message):
    ownership, tension = pair
    post = {"direction": "out", "kind": "weakens", "other": tension.pk, "memo": ""}
    if data.pop("duplicate", False):
        CodeRelation.objects.create(
            project=ownership.project, source=ownership, target=tension, kind="weakens"
        )
    other = data.pop("other", None)
    if other == "self":
        post["other"] = ownership.pk
    elif other == "foreign":
        post["other"] = CodeFactory(name="Elsewhere").pk
    post.update(data)
    count = CodeRelation.objects.count()
    response = client_for(owner).post(url("relation_add", ownership), post)
    assert response.status_code == 400
    assert message in response.text
    assert CodeRelation.objects.count() == count
    assert not CodebookEvent.objects.exists()


def test_owner_edits_a_relation_memo_and_kind(client_for, owner, pair):
    ownership, tension = pair
    relation = CodeRelation.objects.create(
        project=ownership.project, source=ownership, target=tension, kind="weakens"
    )
    prefix = f"r{relation.pk}"
    response = client_for(owner).post(
        url("relation_edit", tension),
        {
            f"{prefix}-relation": relation.pk,
            f"{prefix}-kind": "strengthens",
            f"{prefix}-memo": "Revised after Case 3.",
        },
    )
    assert response.status_code == 302
    relation.refresh_from_db()
    assert (relation.kind, relation.memo) == ("strengthens", "Revised after Case 3.")
    event = CodebookEvent.objects.get()
    assert event.action == "relation-edit" and event.detail["before"] == {"kind": "weakens", "memo": ""}


def test_editing_a_relation_of_another_code_is_refused(client_for, owner, project, pair):
    ownership, tension = pair
    third = CodeFactory(project=project, name="Symbiosis")
    relation = CodeRelation.objects.create(project=project, source=ownership, target=tension, kind="weakens")
    prefix = f"r{relation.pk}"
    response = client_for(owner).post(
        url("relation_edit", third),
        {f"{prefix}-relation": relation.pk, f"{prefix}-kind": "strengthens", f"{prefix}-memo": ""},
        follow=True,
    )
    assert "Select a valid choice" in response.text
    assert CodeRelation.objects.get().kind == "weakens"


def test_owner_removes_a_relation(client_for, owner, pair):
    ownership, tension = pair
    relation = CodeRelation.objects.create(
        project=ownership.project, source=ownership, target=tension, kind="weakens"
    )
    response = client_for(owner).post(url("relation_delete", ownership), {"relation": relation.pk})
    assert response.status_code == 302
    assert not CodeRelation.objects.exists()
    event = CodebookEvent.objects.get()
    assert event.action == "unrelate" and event.detail["kind"] == "weakens"


def test_removing_a_relation_of_another_project_is_refused(client_for, owner, pair):
    foreign = CodeFactory(name="Foreign A")
    relation = CodeRelation.objects.create(
        project=foreign.project, source=foreign, target=CodeFactory(project=foreign.project), kind="weakens"
    )
    response = client_for(owner).post(url("relation_delete", pair[0]), {"relation": relation.pk}, follow=True)
    assert "That relation does not belong to this code." in response.text
    assert CodeRelation.objects.filter(pk=relation.pk).exists()


def test_coder_cannot_relate_codes(client_for, coder, pair):
    response = client_for(coder).post(
        url("relation_add", pair[0]), {"direction": "out", "kind": "weakens", "other": pair[1].pk}
    )
    assert response.status_code == 403
    assert not CodeRelation.objects.exists()


# Relations seeded with a framework


def test_ior_seeds_the_relations_the_paper_states_once(project):
    seed_framework(project=project, framework="ior")
    relations = set(project.code_relations.values_list("source__name", "kind", "target__name"))
    assert ("Determinants of interagency relationships", "is-cause-of", "Symbiosis") in relations
    assert ("Determinants of interagency relationships", "is-cause-of", "Tension") in relations
    assert ("Organisational boundaries and territory", "is-cause-of", "Rivalry between agencies") in relations
    assert len(relations) == len(load_framework("ior").relations)
    assert all(project.code_relations.values_list("memo", flat=True))
    seed_framework(project=project, framework="ior")
    assert project.code_relations.count() == len(relations)


def test_seeding_keeps_an_edited_relation_memo(project):
    seed_framework(project=project, framework="icaf")
    relation = project.code_relations.get(source__name="Unwilling to share (interest)")
    relation.memo = "Our reading."
    relation.save()
    seed_framework(project=project, framework="icaf")
    relation.refresh_from_db()
    assert relation.memo == "Our reading."


def test_seeding_is_recorded_in_the_history_once(project, owner, client_for):
    client_for(owner).post(reverse("codebook:seed", args=[project.pk]), {"framework": "ior"})
    seed_framework(project=project, framework="ior", user=owner)  # nothing new: nothing recorded
    event = CodebookEvent.objects.get()
    assert (event.action, event.user) == ("seed", owner)
    assert event.detail == {"framework": "ior", "codes": 22, "relations": 8}


def test_code_page_queries_do_not_grow_with_its_relations(client_for, owner, project):
    hub = CodeFactory(project=project, name="Tension")
    client = client_for(owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url("code_detail", hub)).status_code == 200
        return len(context)

    CodeRelation.objects.create(
        project=project, source=CodeFactory(project=project), target=hub, kind="weakens"
    )
    few = queries()
    for n in range(6):
        other = CodeFactory(project=project, name=f"Factor {n}")
        CodeRelation.objects.create(project=project, source=other, target=hub, kind=f"custom kind {n}")
    assert queries() == few
