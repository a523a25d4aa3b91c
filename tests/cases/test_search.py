"""Searching a project's transcripts: substrings in any script on both databases, word forms on PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.factories import CaseFactory, TranscriptFactory

ZH = "访谈者：数据归谁所有？\n\n受访者：各部门都认为数据是自己的，𠮷 不愿意共享。"


def search(client, project, query, **extra):
    return client.get(reverse("cases:transcript_search", args=[project.pk]), {"q": query, **extra})


def test_chinese_substring_is_found_with_the_hit_marked_and_linked(client_for, viewer, project, case):
    transcript = TranscriptFactory(case=case, title="Z interview", text=ZH)
    response = search(client_for(viewer), project, "不愿意共享")
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert "<mark>不愿意共享</mark>" in html
    assert f'href="{transcript.get_absolute_url()}#p2"' in html


def test_english_search_ignores_case_and_counts_hits(client_for, viewer, project, case):
    TranscriptFactory(case=case, text="R01: The Bureau owns it.\n\nR02: the bureau again, and the BUREAU.")
    TranscriptFactory(case=case, text="R03: Nothing here.")
    response = search(client_for(viewer), project, "bureau")
    [hit] = response.context["hits"]
    assert hit.count == 3
    assert [snippet.paragraph for snippet in hit.snippets] == [1, 2, 2]


def test_other_projects_transcripts_are_never_found(client_for, viewer, project, case):
    TranscriptFactory(case=CaseFactory(), text="R01: secret sharing agreement")
    response = search(client_for(viewer), project, "secret")
    assert response.context["page"].paginator.count == 0


def test_query_and_text_are_escaped(client_for, viewer, project, case):
    TranscriptFactory(case=case, text="R01: a <b>bold</b> claim")
    html = search(client_for(viewer), project, "<b>").content.decode()
    assert "<mark>&lt;b&gt;</mark>bold&lt;/b&gt;" in html
    assert "<b>bold" not in html


def test_overlong_query_is_refused_clearly(client_for, viewer, project):
    response = search(client_for(viewer), project, "x" * 201)
    assert response.status_code == 400
    assert "at most 200 characters" in response.content.decode()


def test_empty_query_shows_the_form(client_for, viewer, project):
    response = search(client_for(viewer), project, "")
    assert response.status_code == 200
    assert "hits" not in response.context


def test_results_are_paginated_with_a_fixed_number_of_queries(
    client_for, viewer, project, case, django_assert_max_num_queries
):
    for number in range(25):
        TranscriptFactory(case=case, title=f"T{number:02d}", text=f"R{number}: data sharing {number}")
    client = client_for(viewer)
    search(client, project, "sharing")  # session and user loaded once
    with django_assert_max_num_queries(6):
        first = search(client, project, "sharing")
    assert len(first.context["hits"]) == 20
    second = search(client, project, "sharing", page=2)
    assert [hit.transcript.title for hit in second.context["hits"]] == [f"T{n}" for n in range(20, 25)]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="English word forms need PostgreSQL")
def test_postgresql_finds_word_forms(client_for, viewer, project, case):
    TranscriptFactory(case=case, text="R01: Agencies were sharing their registries.")
    response = search(client_for(viewer), project, "share")
    [hit] = response.context["hits"]
    assert hit.count == 0
    assert "<mark>sharing</mark>" in hit.snippets[0].html
