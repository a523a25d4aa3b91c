"""The analysis pages' layout that the server decides: the filters fold into one line that says what they are
set to, and a cell opened without JavaScript comes in a drawer whose Close link is the table without it."""

import html

from django.urls import reverse


def test_matrix_filters_fold_into_a_line_of_what_they_are_set_to(client_for, analysis, viewer):
    page = reverse("coding:matrix", args=[analysis.project.pk])
    response = client_for(viewer).get(page, {"framework": "ior", "view": "valence", "hide_empty": "on"})
    text = html.unescape(response.text)
    assert '<details class="filters">' in text  # a matrix is shown: folded
    summary = text.split('id="filter-summary" class="filter-summary">')[1].split("</span>")[0]
    assert summary == (
        "Measure: Coded segments · Columns: Case · View: Valence: + / − / net · Framework: IOR · "
        "Hide rows without codings"
    )
    # An htmx redraw of the table brings the new line along, out of band.
    response = client_for(viewer).get(page, {"level": "open"}, headers={"HX-Request": "true"})
    assert 'id="filter-summary" class="filter-summary" hx-swap-oob="true"' in response.text
    assert "Level: Open" in response.text


def test_invalid_filters_stay_open(client_for, analysis, viewer):
    page = reverse("coding:matrix", args=[analysis.project.pk])
    response = client_for(viewer).get(page, {"coded_from": "2024-05-01", "coded_to": "2024-01-01"})
    assert '<details class="filters" open>' in response.text


def test_a_cell_opened_without_javascript_has_a_drawer_that_closes_by_link(client_for, analysis, viewer):
    project, ownership = analysis.project, analysis.codes.ownership
    page = reverse("coding:matrix", args=[project.pk])
    response = client_for(viewer).get(
        page, {"framework": "ior", "node": ownership.pk, "col": "v:" + str(analysis.cases.x.pk)}
    )
    text = html.unescape(response.text)
    drawer = text.split('<section id="drilldown"')[1].split("</section>")[0]
    assert " hidden" not in drawer.split(">")[0]
    assert f'href="{page}?framework=ior" data-close-drawer' in drawer
    # No cell: the drawer is there for htmx to fill, hidden.
    response = client_for(viewer).get(page)
    assert (
        '<section id="drilldown" class="drilldown" tabindex="-1" role="dialog" aria-modal="false"'
        in response.text
    )
    assert 'aria-labelledby="drilldown-title" hidden>' in response.text
