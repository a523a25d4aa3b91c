"""Restructuring the codebook: move, merge, split, change level, delete, create and edit.

Every operation keeps the codings it should keep (counted before and after), writes one history event, and
leaves everything untouched when it is refused.
"""

import pytest
from django.urls import reverse

from cases.refusals import Refused
from codebook import changes
from codebook.models import Code, CodebookEvent, CodeRelation
from coding import recoding
from coding.models import Coding, Memo, Valence
from tests.factories import CodeFactory, CodingFactory, SegmentFactory

HX = {"HX-Request": "true"}


def url(name, code=None, project=None):
    if code is None:
        return reverse(f"codebook:{name}", args=[project.pk])
    return reverse(f"codebook:{name}", args=[code.project_id, code.pk])


def segment(transcript, start, end, user):
    return SegmentFactory(transcript=transcript, start=start, end=end, created_by=user)


@pytest.fixture
def tree(project):
    """Determinants (category) › Data ownership, Political determination; Status › Tension."""
    determinants = CodeFactory(project=project, name="Determinants", is_codable=False, level="axial")
    status = CodeFactory(project=project, name="Status", level="selective")
    return {
        "determinants": determinants,
        "ownership": CodeFactory(project=project, parent=determinants, name="Data ownership", position=0),
        "political": CodeFactory(
            project=project, parent=determinants, name="Political determination", position=1
        ),
        "status": status,
        "tension": CodeFactory(project=project, parent=status, name="Tension", level="selective"),
    }


# Move


def test_owner_moves_a_code_with_its_subtree_and_codings(client_for, owner, transcript, tree):
    child = CodeFactory(project=tree["ownership"].project, parent=tree["ownership"], name="Data as property")
    CodingFactory(segment=segment(transcript, 0, 12, owner), code=child, coder=owner)
    CodingFactory(segment=segment(transcript, 13, 20, owner), code=tree["ownership"], coder=owner)
    response = client_for(owner).post(url("code_move", tree["ownership"]), {"parent": tree["status"].pk})
    assert response.status_code == 302
    tree["ownership"].refresh_from_db()
    child.refresh_from_db()
    assert tree["ownership"].parent == tree["status"]
    assert child.parent == tree["ownership"]
    assert tree["ownership"].position == 1  # after Tension
    assert Coding.objects.filter(code__in=[child, tree["ownership"]]).count() == 2
    event = CodebookEvent.objects.get()
    assert (event.action, event.user, event.code) == ("move", owner, tree["ownership"])
    assert event.detail["from"]["name"] == "Determinants" and event.detail["to"]["name"] == "Status"
    assert "Moved “Data ownership” under “Status”" in event.summary


def test_move_to_the_top_level(client_for, owner, tree):
    response = client_for(owner).post(url("code_move", tree["political"]), {"parent": ""})
    assert response.status_code == 302
    tree["political"].refresh_from_db()
    assert tree["political"].parent is None
    assert CodebookEvent.objects.get().detail["to"] is None


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ownership", "cannot go under itself or one of its sub-codes"),
        ("grandchild", "cannot go under itself or one of its sub-codes"),
        ("determinants", "is already there"),
    ],
)
def test_move_into_its_own_subtree_or_nowhere_is_refused(client_for, owner, tree, target, message):
    grandchild = CodeFactory(project=tree["ownership"].project, parent=tree["ownership"], name="Deeper")
    tree["grandchild"] = grandchild
    response = client_for(owner).post(url("code_move", tree["ownership"]), {"parent": tree[target].pk})
    assert response.status_code == 400
    assert message in response.text or "Select a valid choice" in response.text
    tree["ownership"].refresh_from_db()
    assert tree["ownership"].parent == tree["determinants"]
    assert not CodebookEvent.objects.exists()


def test_move_next_to_a_sibling_of_the_same_name_is_refused(client_for, owner, tree):
    CodeFactory(project=tree["status"].project, parent=tree["status"], name="DATA OWNERSHIP")
    response = client_for(owner).post(url("code_move", tree["ownership"]), {"parent": tree["status"].pk})
    assert response.status_code == 400
    assert "There is already a code “DATA OWNERSHIP” under “Status”" in response.text
    tree["ownership"].refresh_from_db()
    assert tree["ownership"].parent == tree["determinants"]


def test_move_under_a_code_of_another_project_is_refused(client_for, owner, tree):
    foreign = CodeFactory(name="Elsewhere")
    response = client_for(owner).post(url("code_move", tree["ownership"]), {"parent": foreign.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert Code.objects.get(pk=tree["ownership"].pk).parent == tree["determinants"]


def test_the_domain_function_refuses_a_cycle_even_without_the_form(owner, tree):
    with pytest.raises(Refused, match="cannot go under itself"):
        changes.move_code(code=tree["determinants"], parent=tree["ownership"], user=owner)
    assert not CodebookEvent.objects.exists()


def test_drag_and_drop_move_answers_with_the_redrawn_tree(client_for, owner, tree):
    response = client_for(owner).post(
        url("code_move_hx", tree["political"]), {"parent": tree["status"].pk}, headers=HX
    )
    assert response.status_code == 200
    assert 'id="codebook-trees"' in response.text and "<html" not in response.text
    assert f'data-code-id="{tree["political"].pk}"' in response.text
    assert Code.objects.get(pk=tree["political"].pk).parent == tree["status"]


def test_drag_and_drop_refusal_answers_with_the_reason(client_for, owner, tree):
    response = client_for(owner).post(
        url("code_move_hx", tree["determinants"]), {"parent": tree["political"].pk}, headers=HX
    )
    assert response.status_code == 400
    assert "cannot go under itself or one of its sub-codes" in response.text
    assert Code.objects.get(pk=tree["determinants"].pk).parent is None


def test_coder_cannot_move_and_outsider_does_not_see_the_code(client_for, coder, outsider, tree):
    data = {"parent": tree["status"].pk}
    assert client_for(coder).post(url("code_move", tree["ownership"]), data).status_code == 403
    assert client_for(outsider).post(url("code_move", tree["ownership"]), data).status_code == 404
    assert Code.objects.get(pk=tree["ownership"].pk).parent == tree["determinants"]


# Merge


@pytest.fixture
def merge_case(project, owner, coder, transcript, tree):
    """A = Data ownership, B = Political determination, with overlapping codings by two coders."""
    a, b = tree["ownership"], tree["political"]
    s1, s2, s3 = (segment(transcript, start, start + 5, owner) for start in (0, 10, 20))
    CodingFactory(segment=s1, code=a, coder=owner, valence=Valence.POSITIVE)  # B has none here: B takes +
    CodingFactory(segment=s1, code=b, coder=owner, valence=Valence.NONE)
    CodingFactory(segment=s2, code=a, coder=owner, valence=Valence.NEGATIVE)  # conflict: B keeps +
    CodingFactory(segment=s2, code=b, coder=owner, valence=Valence.POSITIVE)
    CodingFactory(segment=s2, code=a, coder=coder, valence=Valence.NONE)  # no B by this coder: moves
    CodingFactory(segment=s3, code=a, coder=owner, valence=Valence.NONE)  # B keeps its −
    CodingFactory(segment=s3, code=b, coder=owner, valence=Valence.NEGATIVE)
    CodingFactory(segment=s3, code=b, coder=coder, valence=Valence.NONE)  # untouched
    a.definition = "Agencies treat data as their property."
    a.example = "“These are our records.”"
    a.save()
    child = CodeFactory(project=project, parent=a, name="Data as an asset")
    CodingFactory(segment=s1, code=child, coder=coder)
    x = tree["tension"]
    CodeRelation.objects.create(project=project, source=a, target=x, kind="strengthens", memo="from A")
    CodeRelation.objects.create(project=project, source=b, target=x, kind="strengthens", memo="from B")
    CodeRelation.objects.create(project=project, source=x, target=a, kind="weakens")
    CodeRelation.objects.create(project=project, source=a, target=b, kind="contradicts")
    Memo.objects.create(project=project, author=owner, code=a, text="A memo written on A.")
    return {"a": a, "b": b, "child": child, "segments": (s1, s2, s3), "tension": x}


def applications(code_ids):
    return set(Coding.objects.filter(code_id__in=code_ids).values_list("segment_id", "coder_id"))


def test_merge_moves_every_coding_and_collapses_duplicates(client_for, owner, coder, merge_case):
    a, b = merge_case["a"], merge_case["b"]
    before_pairs = applications([a.pk, b.pk])
    assert (a.codings.count(), b.codings.count(), Coding.objects.count()) == (4, 4, 9)

    response = client_for(owner).post(url("code_merge", a), {"target": b.pk})

    assert response.status_code == 302 and response["Location"] == b.get_absolute_url()
    assert not Code.objects.filter(pk=a.pk).exists()
    # 3 of A's codings duplicated one of B's and collapsed; the fourth moved; nothing else was touched.
    assert b.codings.count() == 5
    assert Coding.objects.count() == 9 - 3
    assert applications([b.pk]) == before_pairs
    s1, s2, s3 = merge_case["segments"]
    valences = {(c.segment_id, c.coder_id): c.valence for c in b.codings.all()}
    assert valences[(s1.pk, owner.pk)] == Valence.POSITIVE  # "none" gave way to A's +
    assert valences[(s2.pk, owner.pk)] == Valence.POSITIVE  # conflict: B's own kept
    assert valences[(s2.pk, coder.pk)] == Valence.NONE
    assert valences[(s3.pk, owner.pk)] == Valence.NEGATIVE
    merge_case["child"].refresh_from_db()
    assert merge_case["child"].parent == b and merge_case["child"].codings.count() == 1

    relations = set(CodeRelation.objects.values_list("source__name", "kind", "target__name", "memo"))
    assert relations == {
        ("Political determination", "strengthens", "Tension", "from B\n\n(from “Data ownership”) from A"),
        ("Tension", "weakens", "Political determination", ""),
    }
    memos = {memo.title: memo.text for memo in b.memos.all()}
    assert memos[""] == "A memo written on A."
    assert "Agencies treat data as their property." in memos["Merged from “Data ownership”"]
    assert "Example: “These are our records.”" in memos["Merged from “Data ownership”"]

    event = CodebookEvent.objects.get()
    assert (event.action, event.code, event.user) == ("merge", b, owner)
    assert event.summary == "Merged “Data ownership” into “Political determination”"
    assert event.detail["source"]["definition"] == "Agencies treat data as their property."
    assert (event.detail["codings_moved"], event.detail["duplicates_collapsed"]) == (1, 3)
    assert (event.detail["valences_taken"], event.detail["valence_conflicts"]) == (1, 1)
    assert (event.detail["relations_moved"], event.detail["relations_dropped"]) == (1, 2)
    assert event.detail["children_moved"] == ["Data as an asset"]


def test_merge_into_a_sub_code_is_refused_and_nothing_changes(client_for, owner, merge_case):
    a, child = merge_case["a"], merge_case["child"]
    response = client_for(owner).post(url("code_merge", a), {"target": child.pk})
    assert response.status_code == 400
    assert "is inside “Data ownership”" in response.text
    assert a.codings.count() == 4 and Coding.objects.count() == 9
    assert not CodebookEvent.objects.exists()


def test_merge_refuses_clashing_sub_codes(client_for, owner, project, merge_case):
    CodeFactory(project=project, parent=merge_case["b"], name="data as an ASSET")
    response = client_for(owner).post(url("code_merge", merge_case["a"]), {"target": merge_case["b"].pk})
    assert response.status_code == 400
    assert "Both codes have sub-codes named “Data as an asset”" in response.text
    assert Code.objects.filter(pk=merge_case["a"].pk).exists()


def test_merge_into_a_category_that_cannot_be_applied_is_refused(client_for, owner, merge_case, tree):
    response = client_for(owner).post(url("code_merge", merge_case["a"]), {"target": tree["determinants"].pk})
    assert response.status_code == 400
    assert "is a category that cannot be applied" in response.text


def test_merge_target_from_another_project_is_refused(client_for, owner, merge_case):
    foreign = CodeFactory(name="Foreign")
    response = client_for(owner).post(url("code_merge", merge_case["a"]), {"target": foreign.pk})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert Coding.objects.count() == 9


def test_coder_cannot_merge(client_for, coder, merge_case):
    response = client_for(coder).post(url("code_merge", merge_case["a"]), {"target": merge_case["b"].pk})
    assert response.status_code == 403
    assert Code.objects.filter(pk=merge_case["a"].pk).exists()


def test_merge_page_says_what_will_happen(client_for, owner, merge_case):
    response = client_for(owner).get(url("code_merge", merge_case["a"]))
    assert response.status_code == 200
    assert "its 4 codings become codings of the other code" in response.text
    assert "“Data as an asset”" in response.text


# Split


def test_split_moves_the_chosen_codings_to_a_new_sub_code(client_for, owner, coder, transcript, tree):
    code = tree["ownership"]
    kept = CodingFactory(segment=segment(transcript, 0, 5, owner), code=code, coder=owner)
    moved = [
        CodingFactory(segment=segment(transcript, 10, 15, owner), code=code, coder=owner, valence="negative"),
        CodingFactory(segment=segment(transcript, 20, 25, coder), code=code, coder=coder),
    ]
    response = client_for(owner).post(
        url("code_split", code),
        {
            "codings": [c.pk for c in moved],
            "name": "Data as property",
            "placement": "child",
            "definition": "Data seen as the agency's own.",
        },
    )
    new = Code.objects.get(name="Data as property")
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert (new.parent, new.level, new.framework, new.colour) == (code, "open", code.framework, code.colour)
    assert new.definition == "Data seen as the agency's own."
    assert set(new.codings.values_list("pk", flat=True)) == {c.pk for c in moved}
    assert list(code.codings.values_list("pk", flat=True)) == [kept.pk]
    assert Coding.objects.get(pk=moved[0].pk).valence == "negative"
    assert Coding.objects.count() == 3
    event = CodebookEvent.objects.get()
    assert (event.action, event.code) == ("split", new)
    assert event.detail["codings"] == sorted(c.pk for c in moved)


def test_split_into_a_sibling(client_for, owner, transcript, tree):
    coding = CodingFactory(segment=segment(transcript, 0, 5, owner), code=tree["ownership"], coder=owner)
    client_for(owner).post(
        url("code_split", tree["ownership"]),
        {"codings": [coding.pk], "name": "Data hoarding", "placement": "sibling"},
    )
    new = Code.objects.get(name="Data hoarding")
    assert new.parent == tree["determinants"] and new.level == tree["ownership"].level


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Data as property", "placement": "child"}, "Tick at least one coding to move."),
        ({"name": "", "placement": "child", "pick": True}, "This field is required."),
        (
            {"name": "political DETERMINATION", "placement": "sibling", "pick": True},
            "There is already a code",
        ),
        ({"name": "New", "placement": "child", "foreign": True}, "Select a valid choice"),
    ],
)
def test_split_with_bad_input_writes_nothing(client_for, owner, transcript, tree, data, message):
    code = tree["ownership"]
    coding = CodingFactory(segment=segment(transcript, 0, 5, owner), code=code, coder=owner)
    other = CodingFactory(segment=segment(transcript, 6, 9, owner), code=tree["political"], coder=owner)
    post = {key: value for key, value in data.items() if key not in {"pick", "foreign"}}
    if data.get("pick"):
        post["codings"] = [coding.pk]
    if data.get("foreign"):
        post["codings"] = [other.pk]  # a coding of another code
    count = Code.objects.count()
    response = client_for(owner).post(url("code_split", code), post)
    assert response.status_code == 400
    assert message in response.text
    assert Code.objects.count() == count
    assert (
        Coding.objects.get(pk=coding.pk).code == code
        and Coding.objects.get(pk=other.pk).code == tree["political"]
    )
    assert not CodebookEvent.objects.exists()


def test_split_page_lists_quotations_transcripts_and_coders(client_for, owner, transcript, tree):
    CodingFactory(segment=segment(transcript, 0, 12, owner), code=tree["ownership"], coder=owner)
    response = client_for(owner).get(url("code_split", tree["ownership"]))
    assert transcript.text[:12] in response.text
    assert transcript.title in response.text and "pi" in response.text


def test_coder_cannot_split(client_for, coder, transcript, tree):
    coding = CodingFactory(segment=segment(transcript, 0, 5, coder), code=tree["ownership"], coder=coder)
    response = client_for(coder).post(
        url("code_split", tree["ownership"]), {"codings": [coding.pk], "name": "X", "placement": "child"}
    )
    assert response.status_code == 403
    assert not Code.objects.filter(name="X").exists()


# Level


def test_level_change_keeps_every_coding_and_is_recorded(client_for, owner, transcript, tree):
    code = tree["ownership"]
    for start in (0, 10, 20):
        CodingFactory(segment=segment(transcript, start, start + 5, owner), code=code, coder=owner)
    response = client_for(owner).post(url("code_level", code), {"level": "axial"})
    assert response.status_code == 302
    code.refresh_from_db()
    assert code.level == "axial"
    assert code.codings.count() == 3
    event = CodebookEvent.objects.get()
    assert (event.action, event.detail) == ("level", {"changes": {"level": ["open", "axial"]}})
    assert event.summary == "Changed the level of “Data ownership” from open to axial"


def test_a_core_category_that_stops_being_selective_stops_being_core(owner, tree):
    tree["tension"].is_core = True
    tree["tension"].save()
    changes.change_level(code=tree["tension"], level="axial", user=owner)
    tree["tension"].refresh_from_db()
    assert (tree["tension"].level, tree["tension"].is_core) == ("axial", False)
    assert CodebookEvent.objects.get().detail["changes"]["is_core"] == [True, False]


def test_unknown_level_is_refused(client_for, owner, tree):
    response = client_for(owner).post(url("code_level", tree["ownership"]), {"level": "core"}, follow=True)
    assert "Choose open, axial or selective." in response.text
    assert Code.objects.get(pk=tree["ownership"].pk).level == "open"
    assert not CodebookEvent.objects.exists()


def test_coder_cannot_change_the_level(client_for, coder, tree):
    assert client_for(coder).post(url("code_level", tree["ownership"]), {"level": "axial"}).status_code == 403


# Delete


def test_deleting_a_code_with_codings_needs_confirmation(client_for, owner, transcript, tree):
    code = tree["ownership"]
    CodingFactory(segment=segment(transcript, 0, 5, owner), code=code, coder=owner)
    client = client_for(owner)
    page = client.get(url("code_delete", code))
    assert "1 coding, 0 relations and 0 memos" in page.text

    refused = client.post(url("code_delete", code), {"seen_all": 1})
    assert refused.status_code == 400
    assert "This deletes 1 coding: tick the box to confirm." in refused.text
    assert Code.objects.filter(pk=code.pk).exists() and Coding.objects.count() == 1

    response = client.post(url("code_delete", code), {"seen_all": 1, "confirm": "on"})
    assert response.status_code == 302
    assert not Code.objects.filter(pk=code.pk).exists() and not Coding.objects.exists()
    event = CodebookEvent.objects.get()
    assert event.action == "delete" and event.code is None
    assert event.detail["codes"][0]["name"] == "Data ownership" and event.detail["codings"] == 1


def test_deleting_asks_again_when_codings_were_added_meanwhile(client_for, owner, transcript, tree):
    code = tree["ownership"]
    CodingFactory(segment=segment(transcript, 0, 5, owner), code=code, coder=owner)
    CodingFactory(segment=segment(transcript, 6, 9, owner), code=code, coder=owner)  # added after the page
    response = client_for(owner).post(url("code_delete", code), {"seen_all": 1, "confirm": "on"})
    assert response.status_code == 400
    assert "this now deletes 2" in response.text
    assert 'name="seen_all" value="2"' in response.text
    assert Coding.objects.count() == 2


def test_deleting_a_category_can_keep_its_sub_codes(client_for, owner, transcript, tree):
    CodingFactory(segment=segment(transcript, 0, 5, owner), code=tree["political"], coder=owner)
    response = client_for(owner).post(
        url("code_delete", tree["determinants"]), {"children": "up", "seen_kept": 0, "seen_all": 1}
    )
    assert response.status_code == 302
    assert set(Code.objects.filter(parent=None).values_list("name", flat=True)) == {
        "Status",
        "Data ownership",
        "Political determination",
    }
    assert Coding.objects.count() == 1
    assert CodebookEvent.objects.get().detail["children_moved_up"] == 2


def test_deleting_a_category_with_its_sub_codes(client_for, owner, transcript, tree):
    CodingFactory(segment=segment(transcript, 0, 5, owner), code=tree["political"], coder=owner)
    response = client_for(owner).post(
        url("code_delete", tree["determinants"]),
        {"children": "delete", "seen_kept": 0, "seen_all": 1, "confirm": "on"},
    )
    assert response.status_code == 302
    assert set(Code.objects.values_list("name", flat=True)) == {"Status", "Tension"}
    assert not Coding.objects.exists()


def test_sub_codes_cannot_move_up_next_to_a_namesake(client_for, owner, project, tree):
    CodeFactory(project=project, name="Data ownership")  # top level, where the sub-code would go
    response = client_for(owner).post(
        url("code_delete", tree["determinants"]), {"children": "up", "seen_kept": 0, "seen_all": 0}
    )
    assert response.status_code == 400
    assert "Sub-codes named “Data ownership” already exist at the top level" in response.text
    assert Code.objects.filter(pk=tree["determinants"].pk).exists()


# Create and edit


def test_owner_creates_a_sub_code_with_a_normalised_colour(client_for, owner, tree):
    response = client_for(owner).post(
        url("code_create", project=tree["determinants"].project),
        {
            "parent": tree["determinants"].pk,
            "name": "  Financial readiness ",
            "level": "axial",
            "framework": "ior",
            "definition": "Money for sharing.",
            "colour": "#E9DC9B",
            "is_codable": "on",
        },
    )
    code = Code.objects.get(name="Financial readiness")
    assert response.status_code == 302 and response["Location"] == code.get_absolute_url()
    assert (code.parent, code.colour, code.position, code.created_by) == (
        tree["determinants"],
        "#e9dc9b",
        2,
        owner,
    )
    assert CodebookEvent.objects.get().action == "create"


@pytest.mark.parametrize(
    ("changes_", "message"),
    [
        ({"colour": "teal"}, "Give the colour as #rrggbb"),
        ({"name": "data OWNERSHIP"}, "There is already a code “Data ownership” under “Determinants”"),
        ({"is_core": "on"}, "Only a selective code can be a core category."),
        ({"framework": "grounded"}, "Select a valid choice"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_creating_with_bad_input_writes_nothing(client_for, owner, tree, changes_, message):
    data = {
        "parent": tree["determinants"].pk,
        "name": "New code",
        "level": "open",
        "framework": "emergent",
        "colour": "#aabbcc",
        **changes_,
    }
    count = Code.objects.count()
    response = client_for(owner).post(url("code_create", project=tree["determinants"].project), data)
    assert response.status_code == 400
    assert message in response.text
    assert Code.objects.count() == count and not CodebookEvent.objects.exists()


def test_edit_records_old_and_new_values(client_for, owner, tree):
    code = tree["tension"]
    response = client_for(owner).post(
        url("code_edit", code),
        {
            "name": "Interagency tension",
            "level": "selective",
            "framework": code.framework,
            "definition": "Pushing forces dominate.",
            "inclusion": "",
            "exclusion": "",
            "example": "",
            "colour": "#ECA7CC",
            "is_codable": "on",
            "is_core": "on",
        },
    )
    assert response.status_code == 302
    code.refresh_from_db()
    assert (code.name, code.is_core, code.colour) == ("Interagency tension", True, "#eca7cc")
    event = CodebookEvent.objects.get()
    assert event.action == "edit"
    assert event.detail["changes"]["name"] == ["Tension", "Interagency tension"]
    assert event.detail["changes"]["is_core"] == [False, True]
    assert "Edited “Tension” (now “Interagency tension”)" in event.summary


def test_edit_that_changes_nothing_records_nothing(client_for, owner, tree):
    code = tree["ownership"]
    data = {name: getattr(code, name) for name in ("name", "level", "framework", "definition", "colour")}
    data["is_codable"] = "on"
    response = client_for(owner).post(url("code_edit", code), data, follow=True)
    assert "Nothing changed." in response.text
    assert not CodebookEvent.objects.exists()


def test_edit_to_a_sibling_name_is_refused(client_for, owner, tree):
    code = tree["ownership"]
    data = {"name": "Political Determination", "level": "open", "framework": "emergent", "colour": "#aabbcc"}
    response = client_for(owner).post(url("code_edit", code), data)
    assert response.status_code == 400
    assert Code.objects.get(pk=code.pk).name == "Data ownership"


def test_coders_and_viewers_see_no_restructuring_controls(client_for, coder, viewer, tree):
    for user in (coder, viewer):
        page = client_for(user).get(url("code_detail", tree["ownership"]))
        assert page.status_code == 200
        assert "Merge into" not in page.text and "Add a relation" not in page.text
        tree_page = client_for(user).get(url("codebook", project=tree["ownership"].project))
        assert 'draggable="true"' not in tree_page.text


def test_owner_sees_restructuring_controls_and_drag_handles(client_for, owner, tree):
    page = client_for(owner).get(url("code_detail", tree["ownership"]))
    assert "Merge into" in page.text and "Split" in page.text and "Add a relation" in page.text
    tree_page = client_for(owner).get(url("codebook", project=tree["ownership"].project))
    assert 'draggable="true"' in tree_page.text and "js/codebook.js" in tree_page.text


def test_a_merge_that_fails_half_way_leaves_everything_as_it_was(owner, merge_case, monkeypatch):
    """The history event is written in the merge's own transaction: when writing it fails, the codings already
    moved, the duplicates already deleted and the code already removed all come back."""

    def broken(**kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(changes, "record", broken)
    before = set(Coding.objects.values_list("pk", "code_id", "valence"))
    source_pk = merge_case["a"].pk
    with pytest.raises(RuntimeError):
        recoding.merge_codes(source=merge_case["a"], target=merge_case["b"], user=owner)
    assert set(Coding.objects.values_list("pk", "code_id", "valence")) == before
    assert Code.objects.filter(pk=source_pk).exists()
    assert Code.objects.get(pk=merge_case["child"].pk).parent_id == source_pk
    assert CodeRelation.objects.count() == 4 and Memo.objects.count() == 1


def test_new_code_form_starts_under_the_chosen_parent(client_for, owner, tree):
    project = tree["determinants"].project
    page = client_for(owner).get(url("code_create", project=project), {"parent": tree["determinants"].pk})
    assert f'<option value="{tree["determinants"].pk}" selected>' in page.text
    for junk in ("abc", "999999", ""):
        assert client_for(owner).get(url("code_create", project=project), {"parent": junk}).status_code == 200
