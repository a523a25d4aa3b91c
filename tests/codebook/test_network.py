"""The network view: codes as nodes sized by use, relations as arrows, a deterministic layered layout."""

import itertools
import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from lxml import etree

from codebook.models import CodeRelation
from codebook.network import MAX_RADIUS, MIN_RADIUS, ROW_HEIGHT, layout
from codebook.seeding import load_framework
from coding import usage
from coding.demo.seed import ensure_demo
from tests.codebook.test_seeding import IOR_DETERMINANTS
from tests.factories import CodeFactory, CodingFactory, SegmentFactory

SVG = "{http://www.w3.org/2000/svg}"


def drawing(html: str) -> etree._Element:
    """The <svg> of a page, parsed as XML: it must be well-formed to be saved as a file."""
    match = re.search(r"<svg .*?</svg>", html, re.S)
    assert match, "no drawing on the page"
    return etree.fromstring(match.group(0).encode())


def groups(svg, kind: str) -> list:
    return [g for g in svg.iter(f"{SVG}g") if g.get("class") == kind]


@pytest.fixture
def demo(db, client):
    demo = ensure_demo()
    client.force_login(get_user_model().objects.get(username=demo.owner.username))
    return demo.project, client


def test_ior_network_of_the_demo_draws_every_determinant_and_every_relation(
    demo, django_assert_max_num_queries
):
    project, client = demo
    with django_assert_max_num_queries(6):  # session, user, membership, codes, their usage, relations
        response = client.get(reverse("codebook:network", args=[project.pk]), {"framework": "ior"})
    assert response.status_code == 200
    svg = drawing(response.text)
    nodes = {g.get("data-name"): g for g in groups(svg, "node")}
    assert set(nodes) >= IOR_DETERMINANTS
    assert set(nodes) == set(project.codes.filter(framework="ior").values_list("name", flat=True))
    edges = {int(g.get("data-relation-id")) for g in groups(svg, "edge")}
    ior_relations = set(project.code_relations.filter(source__framework="ior").values_list("pk", flat=True))
    assert len(ior_relations) == 8
    assert edges == ior_relations
    for edge in groups(svg, "edge"):
        path = edge.find(f"{SVG}path")
        assert path.get("marker-end", "").startswith("url(#arrow-")
        assert edge.find(f"{SVG}text").text  # the kind, written on the arrow
    # The determinants carry demo codings, so their category outweighs any one of them.
    radius = {name: float(g.find(f".//{SVG}circle").get("r")) for name, g in nodes.items()}
    codings = {name: int(g.get("data-codings")) for name, g in nodes.items()}
    assert codings["Determinants of interagency relationships"] == sum(
        codings[name] for name in IOR_DETERMINANTS
    )
    assert radius["Determinants of interagency relationships"] == MAX_RADIUS
    assert all(MIN_RADIUS <= r <= MAX_RADIUS for r in radius.values())
    used = [name for name in IOR_DETERMINANTS if codings[name]]
    assert used and all(radius[name] > MIN_RADIUS for name in used)


def test_network_of_everything_draws_both_frameworks_and_all_relations(demo):
    project, client = demo
    svg = drawing(client.get(reverse("codebook:network", args=[project.pk])).text)
    assert len(groups(svg, "node")) == project.codes.count()
    seeded = len(load_framework("ior").relations) + len(load_framework("icaf").relations)
    assert len(groups(svg, "edge")) == project.code_relations.count() == seeded


def test_the_layout_is_deterministic(demo):
    project, client = demo
    first = client.get(reverse("codebook:network", args=[project.pk])).text
    second = client.get(reverse("codebook:network", args=[project.pk])).text
    assert drawing(first).get("height") == drawing(second).get("height")
    assert etree.tostring(drawing(first)) == etree.tostring(drawing(second))


def test_level_filter_keeps_only_those_levels_and_says_what_it_hides(demo):
    project, client = demo
    response = client.get(
        reverse("codebook:network", args=[project.pk]), {"framework": "ior", "level": "open"}
    )
    svg = drawing(response.text)
    names = {g.get("data-name") for g in groups(svg, "node")}
    assert names == set(project.codes.filter(framework="ior", level="open").values_list("name", flat=True))
    edges = groups(svg, "edge")
    # Boundaries → rivalry and informal ties → boundary spanners link open codes; no other relation does.
    assert sorted(edge.get("data-kind") for edge in edges) == ["is-associated-with", "is-cause-of"]
    hidden = project.code_relations.count() - 2
    assert f"{hidden} relations to codes outside this selection are not drawn." in response.text


def test_invalid_filters_show_everything(demo):
    project, client = demo
    response = client.get(reverse("codebook:network", args=[project.pk]), {"framework": "x", "level": "core"})
    assert len(groups(drawing(response.text), "node")) == project.codes.count()


def test_svg_download_is_a_standalone_file(demo):
    project, client = demo
    response = client.get(reverse("codebook:network_svg", args=[project.pk]), {"framework": "ior"})
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"].startswith("attachment;")
    svg = etree.fromstring(response.content)
    assert svg.tag == f"{SVG}svg"
    assert len(groups(svg, "edge")) == 8


def test_nodes_in_a_column_never_overlap_and_stay_on_the_canvas(project, transcript, owner):
    parent = CodeFactory(project=project, name="Category", level="axial")
    codes = [CodeFactory(project=project, parent=parent, name=f"Concept {n}") for n in range(12)]
    lone = CodeFactory(project=project, name="Core", level="selective", is_core=True)
    CodeRelation.objects.create(project=project, source=codes[0], target=lone, kind="is-cause-of")
    CodeRelation.objects.create(project=project, source=codes[3], target=codes[9], kind="weakens")
    for n, code in enumerate(codes[:4]):
        CodingFactory(
            segment=SegmentFactory(transcript=transcript, start=n, end=n + 3), code=code, coder=owner
        )
    result = layout(
        codes=usage.tree_with_usage(project=project, membership=None),
        relations=list(project.code_relations.all()),
        framework=None,
        levels={"open", "axial", "selective"},
        hierarchy=True,
    )
    assert [title for _, title in result.columns] == ["Open codes", "Axial codes", "Selective codes"]
    columns: dict[float, list[float]] = {}
    for node in result.nodes:
        columns.setdefault(node.x, []).append(node.y)
        assert node.r <= node.x and node.y + node.r <= result.height and node.y - node.r >= 0
    for ys in columns.values():
        ys.sort()
        assert all(b - a >= ROW_HEIGHT - 0.01 for a, b in itertools.pairwise(ys))
    assert len(result.links) == 12  # every concept joined to its category
    assert result.hidden_relations == 0 and len(result.edges) == 2
    # Between two codes of one column the arrow arcs out to the left, away from the labels.
    same_column = next(edge for edge in result.edges if edge.relation.kind == "weakens")
    first_control_x = float(same_column.d.split()[1].removeprefix("C").split(",")[0])
    assert first_control_x < next(node.x for node in result.nodes if node.code.pk == codes[3].pk)


def test_empty_selection_says_so(client_for, viewer, project):
    response = client_for(viewer).get(reverse("codebook:network", args=[project.pk]))
    assert response.status_code == 200
    assert "No codes match this selection." in response.text
