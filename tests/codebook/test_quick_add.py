"""The codebook page's quick forms: an owner adds a code under the code in the panel, or, from the form above
the tree, under any code chosen in "Under" or at the top level, and htmx puts the new code's row in place
without redrawing the tree."""

import html
import re

import pytest
from django.urls import reverse

from codebook.models import Code, CodebookAction, CodebookEvent
from tests.factories import CodeFactory, ProjectFactory

HX = {"HX-Request": "true"}


def add_url(project):
    return reverse("codebook:code_add", args=[project.pk])


@pytest.fixture
def theme(project):
    """Governance (an ICAF category, dark green) with one sub-code, Trust."""
    governance = CodeFactory(
        project=project,
        name="Governance",
        level="axial",
        framework="icaf",
        colour="#31a354",
        is_codable=False,
    )
    CodeFactory(project=project, parent=governance, name="Trust", framework="icaf", position=0)
    return governance


def test_a_sub_code_lands_last_under_its_parent_with_the_parents_framework_and_colour(
    client_for, owner, theme
):
    response = client_for(owner).post(
        add_url(theme.project),
        {
            "name": "  Reciprocity ",
            "definition": "Favours returned.",
            "level": "open",
            "is_codable": "on",
            "parent": theme.pk,
        },
        headers=HX,
    )
    assert response.status_code == 200
    code = Code.objects.get(name="Reciprocity")
    assert (code.parent, code.framework, code.colour, code.position) == (theme, "icaf", "#31a354", 1)
    assert code.is_codable and code.definition == "Favours returned." and code.created_by == owner
    assert response["HX-Retarget"] == f"#code-{theme.pk} > details.branch > ul"
    assert response["HX-Reswap"] == "beforeend"
    text = response.text
    assert f'<li class="node moved" id="code-{code.pk}"' in text
    assert '<span class="count own" title="Quotations coded with “Reciprocity” itself">0</span>' in text
    # the parent's branch label counts two sub-codes now; the message says where the code went
    assert f'<summary id="branch-{theme.pk}" hx-swap-oob="true">' in text
    assert "Sub-codes of Governance (2)" in text
    assert "Code “Reciprocity” created under “Governance”." in text
    event = CodebookEvent.objects.get()
    assert (event.action, event.code, event.summary) == (
        CodebookAction.CREATE,
        code,
        "Created “Reciprocity” under “Governance”",
    )


def test_the_first_sub_code_opens_a_branch_in_its_parent(client_for, owner, theme):
    trust = theme.children.get()
    response = client_for(owner).post(
        add_url(theme.project), {"name": "Shared history", "level": "open", "parent": trust.pk}, headers=HX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == f"#code-{trust.pk}"
    assert response.text.lstrip().startswith('<details class="branch" open>')
    assert "Sub-codes of Trust (1)" in response.text
    code = Code.objects.get(name="Shared history")
    assert not code.is_codable  # an unticked box is a category
    assert "<summary" not in response.text.split("</details>", 1)[1]  # the new branch's label came in place


def test_a_top_level_code_goes_last_in_its_section_or_redraws_the_tree_for_a_new_one(
    client_for, owner, theme
):
    client = client_for(owner)
    project = theme.project
    # An emergent code: the codebook has no emergent section yet, so the tree is drawn again with it.
    response = client.post(
        add_url(project), {"name": "Housing", "level": "axial", "is_codable": "on"}, headers=HX
    )
    assert response.status_code == 200
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#codebook-trees", "outerHTML")
    housing = Code.objects.get(name="Housing")
    assert (housing.parent, housing.framework, housing.level, housing.position) == (
        None,
        "emergent",
        "axial",
        1,
    )
    assert 'id="tree-emergent"' in response.text and f'id="code-{housing.pk}"' in response.text
    # A second one joins that section.
    response = client.post(
        add_url(project), {"name": "Transport", "level": "open", "compact": "1"}, headers=HX
    )
    assert (response["HX-Retarget"], response["HX-Reswap"]) == ("#tree-emergent", "beforeend")
    assert Code.objects.get(name="Transport").position == 2
    assert '<p class="definition">' not in response.text  # compact, as the tree it joins


def test_without_htmx_the_form_goes_back_to_the_codebook_with_a_message(client_for, owner, theme):
    client = client_for(owner)
    response = client.post(add_url(theme.project), {"name": "Capacity", "level": "open", "parent": theme.pk})
    assert response.status_code == 302
    assert response.url == reverse("codebook:codebook", args=[theme.project_id])
    page = client.get(response.url)
    assert "Code “Capacity” created under “Governance”." in page.text
    response = client.post(add_url(theme.project), {"name": "capacity", "level": "open", "parent": theme.pk})
    assert response.status_code == 302
    assert "There is already a code “Capacity” under “Governance”." in client.get(response.url).text
    assert theme.children.filter(name__iexact="capacity").count() == 1


@pytest.mark.parametrize(
    "data, sentence",
    [
        ({"name": "trust", "level": "open"}, "There is already a code “Trust” under “Governance”."),
        ({"name": "   ", "level": "open"}, "This field is required."),
        ({"name": "Odd", "level": "sideways"}, "Select a valid choice."),
        ({"name": "x" * 201, "level": "open"}, "at most 200 characters"),
    ],
)
def test_bad_input_is_refused_with_a_sentence_and_adds_nothing(client_for, owner, theme, data, sentence):
    before = Code.objects.count()
    response = client_for(owner).post(add_url(theme.project), {**data, "parent": theme.pk}, headers=HX)
    assert response.status_code == 400
    assert sentence in response.text
    assert Code.objects.count() == before
    assert not CodebookEvent.objects.exists()


def test_a_parent_from_another_project_is_refused(client_for, owner, project):
    elsewhere = CodeFactory(project=ProjectFactory(), name="Elsewhere")
    response = client_for(owner).post(
        add_url(project), {"name": "Sneaky", "level": "open", "parent": elsewhere.pk}, headers=HX
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Code.objects.filter(name="Sneaky").exists()


def test_only_owners_see_the_quick_forms(client_for, owner, coder, theme):
    page = reverse("codebook:codebook", args=[theme.project_id])
    panel = reverse("codebook:code_detail", args=[theme.project_id, theme.pk])
    owner_page = client_for(owner).get(page).text
    assert "<summary>Add a code</summary>" in owner_page
    assert '<select name="parent" id="id_top_parent">' in owner_page
    owner_panel = client_for(owner).get(panel, headers=HX).text
    assert "Add a sub-code under “Governance”" in owner_panel
    assert (
        f'<input type="hidden" name="parent" value="{theme.pk}" id="id_under-{theme.pk}_parent">'
        in owner_panel
    )
    coder_page = client_for(coder).get(page).text
    assert "Add a code" not in coder_page and "quick-add-under" not in coder_page
    assert "Add a sub-code" not in client_for(coder).get(panel, headers=HX).text


def under_choices(text):
    """The "Under" list of the form above the tree: (value, label, selected) in order."""
    select = re.search(r'<div id="quick-add-under"[^>]*>.*?</select>', text, re.S).group(0)
    options = re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', select)
    return [(value, html.unescape(label), bool(selected)) for value, selected, label in options]


def test_the_form_above_the_tree_adds_a_code_under_any_code_chosen_in_under(client_for, owner, theme):
    client = client_for(owner)
    project = theme.project
    trust = theme.children.get()
    page = client.get(reverse("codebook:codebook", args=[project.pk])).text
    assert page.count('id="quick-add-under"') == 1  # in the form only: the page has no out-of-band copy
    # the codebook in tree order, each code indented by its depth; the top level chosen
    assert under_choices(page) == [
        ("", "— top level —", True),
        (str(theme.pk), "Governance", False),
        (str(trust.pk), "\u2003Trust", False),
    ]
    response = client.post(
        add_url(project), {"name": "Shared history", "level": "open", "parent": trust.pk}, headers=HX
    )
    assert response.status_code == 200
    shared = Code.objects.get(name="Shared history")
    assert (shared.parent, shared.framework) == (trust, "icaf")
    assert response["HX-Retarget"] == f"#code-{trust.pk}"
    # The list comes again out of band, with the new code where the tree has it.
    assert '<div id="quick-add-under" class="quick-under" hx-swap-oob="true">' in response.text
    assert [value for value, _, _ in under_choices(response.text)] == [
        "",
        str(theme.pk),
        str(trust.pk),
        str(shared.pk),
    ]
    assert under_choices(response.text)[3][1] == "\u2003\u2003Shared history"


def test_moving_or_reordering_codes_sends_the_under_list_again_in_the_new_order(client_for, owner, theme):
    client = client_for(owner)
    project = theme.project
    trust = theme.children.get()
    courts = CodeFactory(project=project, parent=theme, name="Courts", framework="icaf", position=1)
    response = client.post(
        reverse("codebook:code_reorder", args=[project.pk, courts.pk]), {"direction": "up"}, headers=HX
    )
    assert response.status_code == 200
    assert [label for _, label, _ in under_choices(response.text)][1:] == [
        "Governance",
        "\u2003Courts",
        "\u2003Trust",
    ]
    response = client.post(
        reverse("codebook:code_move_hx", args=[project.pk, trust.pk]), {"parent": courts.pk}, headers=HX
    )
    assert response.status_code == 200
    assert [label for _, label, _ in under_choices(response.text)][1:] == [
        "Governance",
        "\u2003Courts",
        "\u2003\u2003Trust",
    ]


def test_adding_a_code_takes_a_fixed_number_of_queries(client_for, owner, theme, django_assert_num_queries):
    client = client_for(owner)
    for number in range(2):
        # session, user, membership; the form: the parent, the model's two check constraints (each in a
        # savepoint inside the test's transaction); the write in its savepoint: the lock, the name clash,
        # the position, the insert, the history; the project's codes for the answer
        expected = 18
        with django_assert_num_queries(expected):
            response = client.post(
                add_url(theme.project),
                {"name": f"Code {number}", "level": "open", "parent": theme.pk},
                headers=HX,
            )
        assert response.status_code == 200
