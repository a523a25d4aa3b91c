"""Blind coding: while it is on, a coder (and a viewer) sees only their own codings wherever codings of others
would appear; owners see everyone's; the query string cannot widen it; ending it shows everything again."""

import csv
import io
import json
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import Role
from coding.analysis.matrix import TOTAL
from coding.models import Coding, Segment
from tests.factories import CodeFactory, MembershipFactory, ProfileFactory, UserFactory, code_passage

HX = {"HX-Request": "true"}
MINE = "Every bureau guards its own data."
THEIRS = "When the mayor pushes, things move quickly."


@pytest.fixture
def blind(project, owner, coder, viewer, transcript):
    """ra and Lee Chen code one interview; ra codes MINE as ownership, Lee codes the same words as
    political determination and THEIRS as political determination too."""
    lee = UserFactory(username="lee")
    ProfileFactory(user=lee, display_name="Lee Chen")
    MembershipFactory(project=project, user=lee, role=Role.CODER)
    ownership = CodeFactory(project=project, name="Data ownership")
    political = CodeFactory(project=project, name="Political determination", level="selective")
    mine = code_passage(transcript, MINE, ownership, coder, "negative")
    theirs_same_words = code_passage(transcript, MINE, political, lee, "positive")
    theirs = code_passage(transcript, THEIRS, political, lee, "positive")
    project.blind_coding = True
    project.save()
    return SimpleNamespace(
        project=project,
        transcript=transcript,
        lee=lee,
        ownership=ownership,
        political=political,
        mine=mine,
        theirs=theirs,
        theirs_same_words=theirs_same_words,
    )


def workspace(blind, **query):
    url = reverse("coding:workspace", args=[blind.project.pk, blind.transcript.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def in_project(name, blind, **kwargs):
    return reverse(name, kwargs={"project_id": blind.project.pk, **kwargs})


def test_coder_sees_only_their_own_highlights_and_chips(client_for, blind, coder):
    text = client_for(coder).get(workspace(blind)).text
    assert text.count('class="chip ') == 1
    assert f'data-segment="{blind.mine.segment_id}"' in text
    assert f'data-segment="{blind.theirs.segment_id}"' not in text
    assert f'data-segment="{blind.theirs_same_words.segment_id}"' not in text
    assert "Lee Chen" not in text  # not in tooltips, nor among the coders to filter by
    assert "Blind coding: you see only your own codings" in text


def test_owner_sees_every_coders_highlights(client_for, blind, owner):
    text = client_for(owner).get(workspace(blind)).text
    assert text.count('class="chip ') == 3
    assert "Lee Chen" in text
    assert "Blind coding: you see only" not in text


def test_viewer_sees_nobodys_codings(client_for, blind, viewer):
    text = client_for(viewer).get(workspace(blind)).text
    assert 'class="chip ' not in text


def test_the_query_string_cannot_show_another_coder(client_for, blind, coder):
    client = client_for(coder)
    for query in ({"coder": blind.lee.pk}, {"coder": "x"}, {}):
        text = client.get(workspace(blind, **query)).text
        assert f'data-segment="{blind.theirs.segment_id}"' not in text
        assert text.count('class="chip ') == 1


def test_code_panel_counts_only_own_codings(client_for, blind, coder, owner):
    def counts(user):
        text = client_for(user).get(workspace(blind)).text
        picker = text.split('id="picker-codes" type="application/json">')[1].split("</script>")[0]
        return {code["name"]: code["count"] for code in json.loads(picker)}

    assert counts(coder) == {"Data ownership": 1, "Political determination": 0}
    assert counts(owner) == {"Data ownership": 1, "Political determination": 2}


def test_another_coders_quotation_is_404_to_a_coder(client_for, blind, coder, owner):
    segment_url = reverse(
        "coding:segment_hx", args=[blind.project.pk, blind.transcript.pk, blind.theirs.segment_id]
    )
    assert client_for(coder).get(segment_url, headers=HX).status_code == 404
    response = client_for(owner).get(segment_url, headers=HX)
    assert response.status_code == 200 and "Lee Chen" in response.text


def test_a_coder_cannot_change_or_delete_another_coders_work_when_blind(client_for, blind, coder):
    client = client_for(coder)
    ids = [blind.project.pk, blind.transcript.pk]
    answers = [
        client.post(
            reverse("coding:coding_valence_hx", args=[*ids, blind.theirs.pk]), {"valence": "none"}, headers=HX
        ),
        client.post(reverse("coding:coding_delete_hx", args=[*ids, blind.theirs.pk]), headers=HX),
        client.post(reverse("coding:segment_delete_hx", args=[*ids, blind.theirs.segment_id]), headers=HX),
        client.post(
            reverse("coding:segment_memo_hx", args=[*ids, blind.theirs.segment_id]), {"memo": "x"}, headers=HX
        ),
    ]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 404]
    theirs = Coding.objects.get(pk=blind.theirs.pk)
    assert theirs.valence == "positive" and theirs.segment.memo == ""


def test_applying_on_the_same_words_answers_with_own_codings_only(client_for, blind, coder):
    start = blind.transcript.text.index(MINE)
    url = reverse("coding:apply_hx", args=[blind.project.pk, blind.transcript.pk])
    response = client_for(coder).post(
        url, {"start": start, "end": start + len(MINE), "codes": [blind.political.pk]}, headers=HX
    )
    assert response.status_code == 200
    # The coder's own quotation on those words gains the code; Lee's, on the same words, is untouched.
    assert set(blind.mine.segment.codings.values_list("code__name", flat=True)) == {
        "Data ownership",
        "Political determination",
    }
    assert blind.theirs_same_words.segment.codings.count() == 1
    assert f'data-segment="{blind.theirs_same_words.segment_id}"' not in response.text
    assert "Lee Chen" not in response.text
    assert json.loads(response["HX-Trigger"])["counts"] == {str(blind.political.pk): 1}


def test_undo_takes_back_only_the_coders_own_change(client_for, blind, coder):
    client = client_for(coder)
    ids = [blind.project.pk, blind.transcript.pk]
    start = blind.transcript.text.index(THEIRS)
    client.post(
        reverse("coding:apply_hx", args=ids),
        {"start": start, "end": start + len(THEIRS), "codes": [blind.political.pk]},
        headers=HX,
    )
    response = client.post(reverse("coding:undo_hx", args=ids), headers=HX)
    assert response.status_code == 200
    assert Coding.objects.filter(pk=blind.theirs.pk).exists()
    assert not Segment.objects.filter(created_by=coder, quote=THEIRS).exists()
    assert f'data-segment="{blind.theirs.segment_id}"' not in response.text


# Analysis


def test_retrieval_finds_only_own_codings_and_says_so(client_for, blind, coder, owner):
    url = in_project("coding:retrieval", blind) + f"?any_codes={blind.political.pk}"
    text = client_for(coder).get(url).text
    assert THEIRS not in text
    assert "quotations ·" not in text  # none found, so no results header
    assert "Your codings only (blind coding)" in text  # the only coder to choose
    scope = in_project("coding:retrieval", blind) + f"?any_codes={blind.ownership.pk}"
    assert (
        "· any of these codes (OR): Data ownership; each code with the codes beneath it; your codings "
        in (client_for(coder).get(scope).text)
    )
    text = client_for(owner).get(url).text
    assert THEIRS in text and "<strong>2</strong> quotations" in text


def test_retrieval_lists_no_other_coders_codings_beside_a_passage(client_for, blind, coder):
    # As an import can leave it: Lee's coding on ra's own quotation.
    code_passage(blind.transcript, MINE, blind.political, blind.lee, segment_by=coder)
    url = in_project("coding:retrieval", blind) + f"?any_codes={blind.ownership.pk}"
    text = client_for(coder).get(url).text
    results = text.split('id="results"')[1]
    assert MINE in results and "Lee Chen" not in results and "Political determination" not in results


@pytest.mark.parametrize("page", ["coding:retrieval", "coding:matrix", "coding:cooccurrence"])
def test_naming_another_coder_in_the_query_string_is_refused(client_for, blind, coder, page):
    text = client_for(coder).get(in_project(page, blind) + f"?coder={blind.lee.pk}").text
    assert "Select a valid choice" in text
    assert THEIRS not in text


def test_naming_oneself_is_the_same_as_the_blind_scope(client_for, blind, coder):
    url = in_project("coding:retrieval", blind) + f"?any_codes={blind.ownership.pk}&coder={coder.pk}"
    text = client_for(coder).get(url).text
    assert MINE in text and "<strong>1</strong> quotation" in text


def matrix_rows(client, blind, query=""):
    response = client.get(in_project("coding:matrix_export", blind) + query)
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    return {
        row[0]: row[-1] for row in rows if row and row[0] in ("Data ownership", "Political determination")
    }


def test_matrix_counts_only_own_codings(client_for, blind, coder, owner):
    assert matrix_rows(client_for(coder), blind) == {"Data ownership": "1", "Political determination": "0"}
    assert matrix_rows(client_for(owner), blind) == {"Data ownership": "1", "Political determination": "2"}
    text = client_for(coder).get(in_project("coding:matrix", blind)).text
    assert "your codings only (blind coding: coded by ra)" in text
    assert "Lee Chen" not in text


def test_matrix_drilldown_shows_only_own_quotations(client_for, blind, coder, owner):
    url = in_project("coding:matrix_cell_hx", blind) + f"?node={blind.political.pk}&col={TOTAL}"
    assert THEIRS not in client_for(coder).get(url, headers=HX).text
    assert THEIRS in client_for(owner).get(url, headers=HX).text


def test_cooccurrence_and_its_drilldown_count_only_own_codings(client_for, blind, coder, owner):
    codes = f"codes={blind.ownership.pk}&codes={blind.political.pk}&unit=transcripts"
    cell = in_project("coding:cooccurrence_cell_hx", blind)
    cell += f"?{codes}&a={blind.ownership.pk}&b={blind.political.pk}"
    assert MINE not in client_for(coder).get(cell, headers=HX).text  # ra never coded political
    owner_text = client_for(owner).get(cell, headers=HX).text
    assert MINE in owner_text and THEIRS in owner_text
    page = client_for(coder).get(in_project("coding:cooccurrence", blind) + f"?{codes}").text
    assert "your codings only (blind coding" in page


def test_excerpt_export_holds_only_own_codings(client_for, blind, coder, owner):
    def coders(user):
        response = client_for(user).get(in_project("coding:excerpts_export", blind))
        rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        return sorted(row["coder"] for row in rows), {row["selected by"] for row in rows}

    mine, selected = coders(coder)
    assert mine == ["ra"]
    assert selected == {"your codings only (blind coding: coded by ra)"}
    assert coders(owner)[0] == ["Lee Chen", "Lee Chen", "ra"]


def test_quotation_report_holds_only_own_codings(client_for, blind, coder, owner):
    url = in_project("coding:report_export", blind)
    text = client_for(coder).get(url).text
    assert MINE in text and THEIRS not in text
    assert THEIRS in client_for(owner).get(url).text


# Counts on the codebook, cases and transcripts pages


COUNTED = {
    # page: (its URL, how it shows a count, the coder's count, the owner's)
    "code page": (lambda b: b.political.get_absolute_url(), "<dt>Codings</dt><dd>{}</dd>", 0, 2),
    "coverage": (
        lambda b: in_project("codebook:coverage", b),
        '<strong class="support">{} of 1</strong>',
        0,
        1,
    ),
    "project": (lambda b: b.project.get_absolute_url(), "<dt>Codings</dt><dd>{}</dd>", 1, 3),
    "transcripts": (lambda b: in_project("cases:transcript_list", b), '<td class="num">{}</td>', 1, 3),
    "transcript": (
        lambda b: in_project("cases:transcript_detail", b, transcript_id=b.transcript.pk),
        "<dt>Codings</dt><dd>{}</dd>",
        1,
        3,
    ),
}


@pytest.mark.parametrize("name", COUNTED)
def test_counts_beside_codes_and_transcripts_are_of_own_codings(client_for, blind, coder, owner, name):
    url, shown, mine, everyone = COUNTED[name]
    assert shown.format(mine) in client_for(coder).get(url(blind)).text
    assert shown.format(everyone) in client_for(owner).get(url(blind)).text


def test_ending_blind_coding_shows_everyone_everything(client_for, blind, coder, owner):
    client_for(owner).post(in_project("cases:blind_coding", blind), {"blind": "off", "confirm": "on"})
    text = client_for(coder).get(workspace(blind)).text
    assert text.count('class="chip ') == 3 and "Lee Chen" in text
    assert matrix_rows(client_for(coder), blind)["Political determination"] == "2"


def test_blind_coding_adds_no_query_to_the_workspace(
    client_for, blind, coder, owner, django_assert_num_queries
):
    # tests/coding/test_workspace.py pins thirteen without blind coding (the transcript's memos among them).
    # Hiding others is a condition, not a query, and the coders to filter by are not read at all (there is
    # no one else to choose): twelve.
    client = client_for(coder)
    with django_assert_num_queries(12):
        assert client.get(workspace(blind)).status_code == 200


@pytest.mark.parametrize(
    "page", ["coding:matrix", "coding:retrieval", "coding:cooccurrence", "coding:matrix_export"]
)
def test_blind_coding_adds_no_query_to_analysis(client_for, blind, coder, owner, page):
    # The pinned counts of tests/coding/test_matrix.py and test_exports.py hold for a blind coder too: the
    # coder's own codings are a condition of the same queries.
    def queries(user):
        client = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(in_project(page, blind)).status_code == 200
        return len(captured)

    assert queries(coder) == queries(owner)
