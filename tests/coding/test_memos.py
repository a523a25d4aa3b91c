"""Memos as objects of their own: about the project, a case, a transcript, a code, a relation or a quotation,
linked to quotations and codes; who writes, edits and deletes them; the memo list's filters and search; and
where memos show (code, case and workspace pages, the codebook document, the quotation report)."""

import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from docx import Document

from cases.models import AccessEvent, Role
from codebook.models import CodeRelation
from coding import recoding
from coding.memos.writing import create_memo
from coding.models import Memo
from tests.factories import (
    CaseFactory,
    CodeFactory,
    CodingFactory,
    MembershipFactory,
    ProfileFactory,
    ProjectFactory,
    SegmentFactory,
    TranscriptFactory,
)


@pytest.fixture
def things(project, owner, case, transcript):
    """One object of each kind a memo can be about, and a quotation."""
    code = CodeFactory(project=project, name="Data ownership")
    other = CodeFactory(project=project, name="Tension")
    relation = CodeRelation.objects.create(project=project, source=code, target=other, kind="weakens")
    segment = SegmentFactory(transcript=transcript, created_by=owner)
    CodingFactory(segment=segment, code=code, coder=owner)
    return {
        "project": project,
        "case": case,
        "transcript": transcript,
        "code": code,
        "other": other,
        "relation": relation,
        "segment": segment,
    }


def about(kind: str, things) -> str:
    return "project" if kind == "project" else f"{kind}:{things[kind].pk}"


def create_url(project) -> str:
    return reverse("coding:memo_create", args=[project.pk])


def list_url(project, query: str = "") -> str:
    return reverse("coding:memo_list", args=[project.pk]) + query


def memo_url(name: str, memo: Memo) -> str:
    return reverse(f"coding:{name}", args=[memo.project_id, memo.pk])


TARGETS = ["project", "case", "transcript", "code", "relation"]


# Permissions, per role and target


@pytest.mark.parametrize("kind", TARGETS)
def test_coder_writes_a_memo_about_each_kind_of_target(client_for, coder, things, kind):
    response = client_for(coder).post(
        create_url(things["project"]), {"about": about(kind, things), "title": "First", "text": "Line one"}
    )
    assert response.status_code == 302
    memo = Memo.objects.get()
    assert (memo.author, memo.title, memo.text, memo.target_kind) == (coder, "First", "Line one", kind)
    assert memo.target == things[kind]
    page = client_for(coder).get(response["Location"])
    assert "Line one" in page.text  # the memo shows where it redirects: its target's page


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("outsider", 404)])
@pytest.mark.parametrize("kind", TARGETS)
def test_viewer_gets_403_and_outsider_404_writing_about_any_target(
    request, client_for, things, kind, who, status
):
    response = client_for(request.getfixturevalue(who)).post(
        create_url(things["project"]), {"about": about(kind, things), "text": "x"}
    )
    assert response.status_code == status
    assert not Memo.objects.exists()


@pytest.mark.parametrize("kind", TARGETS)
def test_viewer_reads_memos_where_their_target_is_shown(client_for, owner, viewer, things, kind):
    target = things["project"] if kind == "project" else things[kind]
    memo = create_memo(project=things["project"], author=owner, target=target, title="Seen", text="Read me")
    from coding.memos.listing import target_url

    response = client_for(viewer).get(target_url(memo))
    assert response.status_code == 200 and "Read me" in response.text
    assert memo_url("memo_edit", memo) not in response.text  # a viewer is offered no edit link


@pytest.fixture
def colleague(project):
    return MembershipFactory(project=project, role=Role.CODER).user


def test_author_edits_and_deletes_their_own_memo(client_for, coder, things):
    memo = create_memo(
        project=things["project"], author=coder, target=things["code"], title="Mine", text="v1"
    )
    client = client_for(coder)
    response = client.post(memo_url("memo_edit", memo), {"about": about("case", things), "text": "v2"})
    assert response.status_code == 302
    memo.refresh_from_db()
    assert (memo.text, memo.title, memo.case) == ("v2", "", things["case"])
    assert client.post(memo_url("memo_delete", memo)).status_code == 302
    assert not Memo.objects.exists()


def test_another_coder_cannot_edit_or_delete_a_colleagues_memo(client_for, coder, colleague, things):
    memo = create_memo(project=things["project"], author=coder, target=things["code"], title="", text="mine")
    client = client_for(colleague)
    assert client.get(memo_url("memo_edit", memo)).status_code == 403
    assert client.post(memo_url("memo_edit", memo), {"about": "project", "text": "theirs"}).status_code == 403
    assert client.post(memo_url("memo_delete", memo)).status_code == 403
    memo.refresh_from_db()
    assert memo.text == "mine"
    assert memo_url("memo_edit", memo) not in client.get(list_url(things["project"])).text


def test_owner_edits_and_deletes_anyones_memo(client_for, owner, coder, things):
    memo = create_memo(project=things["project"], author=coder, target=things["code"], title="", text="draft")
    client = client_for(owner)
    assert (
        client.post(
            memo_url("memo_edit", memo), {"about": about("code", things), "text": "tidied"}
        ).status_code
        == 302
    )
    memo.refresh_from_db()
    assert (memo.text, memo.author) == ("tidied", coder)  # the author stays the author
    assert client.post(memo_url("memo_delete", memo)).status_code == 302
    assert not Memo.objects.exists()


def test_an_author_demoted_to_viewer_can_no_longer_change_their_memo(client_for, coder, things):
    memo = create_memo(project=things["project"], author=coder, target=things["code"], title="", text="kept")
    things["project"].memberships.filter(user=coder).update(role=Role.VIEWER)
    assert client_for(coder).post(memo_url("memo_delete", memo)).status_code == 403
    assert Memo.objects.filter(pk=memo.pk).exists()


def test_a_memo_of_another_project_is_404(client_for, owner, things):
    elsewhere = ProjectFactory()
    MembershipFactory(project=elsewhere, user=owner, role=Role.OWNER)
    memo = create_memo(project=elsewhere, author=owner, target=elsewhere, title="", text="there")
    url = reverse("coding:memo_edit", args=[things["project"].pk, memo.pk])
    assert client_for(owner).get(url).status_code == 404


def test_deleting_a_memo_is_recorded_in_the_access_log(client_for, owner, things):
    memo = create_memo(project=things["project"], author=owner, target=things["code"], title="Gone", text="x")
    client_for(owner).post(memo_url("memo_delete", memo))
    event = AccessEvent.objects.get(action="deleted")
    assert event.project_ref == things["project"].pk
    assert event.detail == "memo “Gone” (Code Data ownership)"


# Bad input: a clear sentence, nothing written


def test_an_empty_memo_is_refused(client_for, coder, things):
    response = client_for(coder).post(create_url(things["project"]), {"about": "project", "text": "  \n "})
    assert response.status_code == 400
    assert "This field is required." in response.text or "Write the memo" in response.text
    assert not Memo.objects.exists()


def test_a_target_of_another_project_is_refused(client_for, coder, things):
    stranger = CodeFactory(project=ProjectFactory())
    response = client_for(coder).post(
        create_url(things["project"]), {"about": f"code:{stranger.pk}", "text": "x"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Memo.objects.exists()


# Links to quotations and codes


def test_memo_links_quotations_by_number_and_codes(client_for, coder, things):
    second = SegmentFactory(transcript=things["transcript"], start=20, end=30, created_by=coder)
    response = client_for(coder).post(
        create_url(things["project"]),
        {
            "about": "project",
            "text": "Both say so.",
            "quotations": f"{second.citable_id}, {things['segment'].number}",
            "codes": [things["code"].pk, things["other"].pk],
        },
    )
    assert response.status_code == 302
    memo = Memo.objects.get()
    assert set(memo.quotations.all()) == {things["segment"], second}
    assert set(memo.codes.all()) == {things["code"], things["other"]}
    page = client_for(coder).get(list_url(things["project"])).text
    assert f'#s{second.pk}">{second.citable_id}</a>' in page and "Tension</a>" in page


def test_a_link_to_a_code_of_another_project_is_refused(client_for, coder, things):
    stranger = CodeFactory(project=ProjectFactory())
    response = client_for(coder).post(
        create_url(things["project"]), {"about": "project", "text": "x", "codes": [stranger.pk]}
    )
    assert response.status_code == 400
    assert f"Select a valid choice. {stranger.pk} is not one of the available choices." in response.text
    assert not Memo.objects.exists()


def test_a_link_to_a_quotation_of_another_project_is_refused(client_for, coder, things):
    elsewhere = TranscriptFactory(case=CaseFactory(project=ProjectFactory()))
    for start in range(3):  # Q1 to Q3 there; this project has only Q1
        SegmentFactory(transcript=elsewhere, start=start, end=start + 5)
    response = client_for(coder).post(
        create_url(things["project"]), {"about": "project", "text": "x", "quotations": "Q1 Q3"}
    )
    assert response.status_code == 400
    assert "This project has no quotation Q3." in response.text
    response = client_for(coder).post(
        create_url(things["project"]), {"about": "project", "text": "x", "quotations": "Q1, page 4"}
    )
    assert "“page” is not a quotation number such as Q12." in response.text
    assert not Memo.objects.exists()


def test_the_database_holds_one_target_at_most(things, owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Memo.objects.create(
            project=things["project"], text="x", code=things["code"], relation=things["relation"]
        )
    memo = Memo.objects.create(project=things["project"], text="x", relation=things["relation"])
    assert memo.target_kind == "relation" and memo.guid
    assert Memo.objects.create(project=things["project"], text="y").guid != memo.guid


def test_merging_codes_keeps_memos_links_and_relation_memos(owner, things):
    project, code, other = things["project"], things["code"], things["other"]
    linked = create_memo(project=project, author=owner, target=project, title="", text="l", codes=[code])
    on_relation = create_memo(project=project, author=owner, target=things["relation"], title="", text="r")
    recoding.merge_codes(source=code, target=other, user=owner)  # the relation would link Tension to itself
    assert list(linked.codes.all()) == [other]
    on_relation.refresh_from_db()
    assert (on_relation.relation, on_relation.code) == (None, other)


# Rendering: escaped, line breaks kept


def test_memo_text_is_escaped_with_its_line_breaks(client_for, owner, things):
    create_memo(
        project=things["project"],
        author=owner,
        target=things["code"],
        title="<i>t</i>",
        text="<b>x</b>\nnext",
    )
    page = client_for(owner).get(
        reverse("codebook:code_detail", args=[things["project"].pk, things["code"].pk])
    )
    assert "&lt;b&gt;x&lt;/b&gt;<br>next" in page.text and "<b>x</b>" not in page.text
    assert "&lt;i&gt;t&lt;/i&gt;" in page.text


# The memo list: filters, search, pages, queries


@pytest.fixture
def written(project, owner, coder, things):
    ProfileFactory(user=coder, display_name="Lin Wei")
    city_y = CaseFactory(project=project, name="City Y")
    y1 = TranscriptFactory(case=city_y, title="Y1")
    quote_y = SegmentFactory(transcript=y1, created_by=coder)
    make = lambda target, text, author=owner, **links: create_memo(  # noqa: E731
        project=project, author=author, target=target, title="", text=text, **links
    )
    return {
        "project": make(project, "Overall the agencies hoard data."),
        "case": make(things["case"], "City X guards its records.", author=coder),
        "transcript": make(things["transcript"], "R01 contradicts himself about sharing."),
        "code": make(things["code"], "Ownership is territorial.", author=coder),
        "relation": make(things["relation"], "Ownership weakens symbiosis."),
        "linked": make(project, "Y1 echoes the bureau.", quotations=[quote_y], codes=[things["code"]]),
        "chinese": make(city_y, "數據是我們部門的𠮷"),
    }


def listed(client, project, query="") -> set[str]:
    response = client.get(list_url(project, query))
    assert response.status_code == 200
    return {memo.text for memo in Memo.objects.all() if memo.text.replace("\n", "<br>") in response.text}


def test_list_shows_every_memo_with_what_it_is_about(client_for, viewer, written, things):
    response = client_for(viewer).get(list_url(things["project"]))
    assert response.text.count('class="memo-item"') == 7
    assert "Relation Data ownership weakens Tension" in response.text
    assert f"Transcript {things['transcript'].title} (City X)" in response.text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?about=case", {"case", "chinese"}),
        ("?about=project", {"project", "linked"}),
        ("?about=relation", {"relation"}),
        ("?q=OWNERSHIP", {"code", "relation"}),
        ("?q=%F0%A0%AE%B7", {"chinese"}),  # 𠮷, outside the BMP
        ("?q=records&about=case", {"case"}),
    ],
)
def test_list_filters_by_target_and_searches(client_for, viewer, written, things, query, expected):
    texts = {written[key].text for key in expected}
    assert listed(client_for(viewer), things["project"], query) == texts


def test_list_filters_by_author(client_for, viewer, written, coder, things):
    found = listed(client_for(viewer), things["project"], f"?author={coder.pk}")
    assert found == {written["case"].text, written["code"].text}


def test_code_filter_takes_memos_about_it_linked_to_it_or_about_its_relations(
    client_for, viewer, written, things
):
    found = listed(client_for(viewer), things["project"], f"?code={things['code'].pk}")
    assert found == {written[key].text for key in ("code", "relation", "linked")}


def test_case_filter_takes_memos_about_it_its_transcripts_and_quotations_in_it(
    client_for, viewer, written, things
):
    found = listed(client_for(viewer), things["project"], f"?case={things['case'].pk}")
    assert found == {written["case"].text, written["transcript"].text}
    city_y = things["project"].cases.get(name="City Y")
    assert listed(client_for(viewer), things["project"], f"?case={city_y.pk}") == {
        written["chinese"].text,
        written["linked"].text,
    }


def test_list_refuses_a_filter_of_another_project(client_for, viewer, written, things):
    stranger = CaseFactory(project=ProjectFactory())
    response = client_for(viewer).get(list_url(things["project"], f"?case={stranger.pk}"))
    assert response.status_code == 400 and "Select a valid choice" in response.text


def test_list_pages_keep_the_filters(client_for, owner, things):
    for index in range(30):
        create_memo(
            project=things["project"], author=owner, target=things["case"], title="", text=f"m{index}"
        )
    page = client_for(owner).get(list_url(things["project"], "?about=case")).text
    assert "Page 1 of 2" in page and "?about=case&amp;page=2" in page


def memos_of_every_kind(project, owner, things, count: int) -> None:
    quotations, codes = [things["segment"]], [things["code"], things["other"]]
    for index in range(count):
        target = [project, things["case"], things["transcript"], things["code"], things["relation"]][
            index % 5
        ]
        create_memo(
            project=project,
            author=owner,
            target=target,
            title="",
            text=f"m{index}",
            quotations=quotations,
            codes=codes,
        )
    create_memo(project=project, author=owner, target=things["segment"], title="", text="on a quotation")


@pytest.mark.parametrize("count", [3, 30])
def test_memo_list_query_count_is_fixed(client_for, owner, things, count, django_assert_num_queries):
    memos_of_every_kind(things["project"], owner, things, count)
    client = client_for(owner)
    # session, user, membership; the code filtered by, the codes for the filter's choices; the count and the
    # page of memos with their targets; their quotations and codes; the filter's authors and cases
    with django_assert_num_queries(11) as captured:
        response = client.get(list_url(things["project"], f"?code={things['code'].pk}"))
    assert response.status_code == 200
    # the authors and the cases each in one round trip, not through a server-side cursor (PostgreSQL)
    assert not [query for query in captured.captured_queries if query["sql"].startswith("DECLARE")]


# Where memos show


def test_code_page_shows_its_memos_and_its_relations_memos(client_for, viewer, written, things):
    page = client_for(viewer).get(
        reverse("codebook:code_detail", args=[things["project"].pk, things["code"].pk])
    )
    for key in ("code", "relation", "linked"):
        assert written[key].text in page.text
    assert written["case"].text not in page.text


def test_case_page_shows_its_memos(client_for, viewer, written, things):
    page = client_for(viewer).get(
        reverse("cases:case_detail", args=[things["project"].pk, things["case"].pk])
    )
    assert written["case"].text in page.text and written["transcript"].text not in page.text


def test_workspace_shows_the_transcripts_memos_in_a_panel(client_for, coder, written, things):
    page = client_for(coder).get(
        reverse("coding:workspace", args=[things["project"].pk, things["transcript"].pk]) + "?memos=open"
    )
    assert '<details id="memos" class="panel memo-panel" open>' in page.text
    assert written["transcript"].text in page.text and "Memos on this transcript (1)" in page.text
    assert f'name="about" value="transcript:{things["transcript"].pk}"' in page.text


def test_codebook_document_and_docx_hold_code_and_relation_memos(client_for, viewer, written, things):
    client = client_for(viewer)
    page = client.get(reverse("codebook:document", args=[things["project"].pk])).text
    assert "Ownership is territorial." in page and "Ownership weakens symbiosis." in page
    response = client.get(reverse("codebook:document_docx", args=[things["project"].pk]))
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    at = paragraphs.index("Ownership is territorial.")
    assert paragraphs[at - 1].startswith("Memo (Lin Wei, ")
    assert any(text.startswith("Memo: weakens “Tension” (") for text in paragraphs)
    assert "Ownership weakens symbiosis." in paragraphs
    assert "Overall the agencies hoard data." not in paragraphs  # a project memo is not about a code


def test_quotation_report_holds_memos_about_its_codes_and_quotations(client_for, viewer, owner, things):
    project, segment, code = things["project"], things["segment"], things["code"]
    create_memo(
        project=project, author=owner, target=code, title="On ownership", text="Code memo.\nTwo lines."
    )
    create_memo(
        project=project, author=owner, target=project, title="", text="Linked to Q.", quotations=[segment]
    )
    create_memo(project=project, author=owner, target=segment, title="Here", text="On the quotation.")
    create_memo(project=project, author=owner, target=things["other"], title="", text="Not reported.")
    url = reverse("coding:report_export", args=[project.pk]) + f"?any_codes={code.pk}"
    page = client_for(viewer).get(url).text
    assert "Code memo.<br>Two lines." in page and "Linked to Q." in page and "On the quotation." in page
    assert "Not reported." not in page
    docx = client_for(viewer).get(url + "&format=docx")
    document = Document(io.BytesIO(docx.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[paragraphs.index("Code memo.") - 1].startswith("Memo: On ownership (")
    source = document.tables[0].rows[1].cells[1].text
    assert "Linked to Q." in source and "Memo: Here (" in source and "Not reported." not in source


@pytest.mark.parametrize("count", [1, 10])
def test_report_memos_cost_a_fixed_number_of_queries(
    client_for, viewer, owner, things, count, django_assert_num_queries
):
    project = things["project"]
    for index in range(count):
        target = [things["code"], things["segment"], project][index % 3]
        create_memo(
            project=project,
            author=owner,
            target=target,
            title="",
            text=f"m{index}",
            quotations=[things["segment"]],
            codes=[things["code"]],
        )
    client = client_for(viewer)
    # as without memos (tests/coding/test_exports.py, 10 here), and the memos' links to the reported codes
    # and to the reported quotations
    with django_assert_num_queries(12):
        response = client.get(reverse("coding:report_export", args=[project.pk]) + "?format=docx")
    assert response.status_code == 200
