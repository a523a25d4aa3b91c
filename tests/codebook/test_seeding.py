import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from codebook import seeding
from codebook.models import Code
from codebook.seeding import available_frameworks, load_framework, seed_framework
from tests.factories import CodeFactory, CodingFactory, SegmentFactory, TranscriptFactory

ICAF_DIMENSIONS = {
    "Inter-agency collaborative relationships": {
        "Business collaboration",
        "Collaboration experience",
        "Collaborative structure",
    },
    "Shared data characteristics": {
        "Shared data quality",
        "Sharing performance measurability",
        "Data asset specificity",
    },
    "Expected sharing benefits": {"Collective benefits", "Selective benefits"},
    "Perceived sharing risks": {"Distribution risks", "Coordination risks"},
    "Perceived sharing costs": {"Coordination costs", "Execution costs"},
}
IOR_DETERMINANTS = {
    "Intention to help people",
    "Political determination",
    "Interagency partnership",
    "Data ownership",
    "Organisational readiness",
    "Financial readiness",
    "Technological support",
}


def children(project, name: str, parent=None) -> set[str]:
    code = project.codes.get(name=name, parent=parent)
    return set(code.children.values_list("name", flat=True))


def test_both_frameworks_are_available_and_cite_their_paper():
    assert available_frameworks() == ["icaf", "ior"]
    for key in available_frameworks():
        spec = load_framework(key)
        assert spec.title and len(spec.description) > 100
    assert "Institutional Collective Action" in load_framework("icaf").description
    assert "inter-organi" in load_framework("ior").description.lower()


def test_icaf_holds_five_dimensions_their_elements_and_the_core_category(project):
    seed_framework(project=project, framework="icaf")
    top = {code.name: code for code in project.codes.filter(parent=None)}
    assert set(top) == set(ICAF_DIMENSIONS) | {"Participation dilemma"}
    for dimension, elements in ICAF_DIMENSIONS.items():
        assert top[dimension].level == "axial"
        assert elements <= children(project, dimension)
    assert top["Participation dilemma"].level == "selective"
    assert children(project, "Participation dilemma") == {
        "Cannot share (technical)",
        "Unwilling to share (interest)",
    }
    quality = project.codes.get(name="Shared data quality")
    assert {"Accuracy", "Completeness", "Trustworthiness", "Consistency"} <= set(
        quality.children.values_list("name", flat=True)
    )
    assert set(quality.children.values_list("level", flat=True)) == {"open"}


def test_ior_holds_constitution_seven_determinants_and_status(project):
    seed_framework(project=project, framework="ior")
    top = {code.name: code for code in project.codes.filter(parent=None)}
    assert set(top) == {
        "Constitution of interagency relationships",
        "Determinants of interagency relationships",
        "Interagency status",
    }
    assert children(project, "Constitution of interagency relationships") == {
        "Interagency relationships in the TIAO-KUAI structure",
        "Interpersonal relationships",
    }
    assert children(project, "Determinants of interagency relationships") == IOR_DETERMINANTS
    assert children(project, "Interagency status") == {"Symbiosis", "Tension"}
    assert top["Interagency status"].level == "selective"


@pytest.mark.parametrize("framework", ["icaf", "ior"])
def test_every_seeded_code_has_level_definition_colour_and_framework(project, framework):
    seed_framework(project=project, framework=framework)
    for code in project.codes.all():
        assert code.level in {"open", "axial", "selective"}
        assert len(code.definition) > 40, code.name
        assert code.framework == framework
        assert code.colour.startswith("#")


def test_seeding_twice_creates_nothing_new_and_keeps_edits(project):
    first = seed_framework(project=project, framework="ior") + seed_framework(
        project=project, framework="icaf"
    )
    edited = project.codes.get(name="Data ownership")
    edited.definition = "Our team's own wording."
    edited.save()
    assert seed_framework(project=project, framework="ior") == 0
    assert seed_framework(project=project, framework="icaf") == 0
    assert project.codes.count() == first
    edited.refresh_from_db()
    assert edited.definition == "Our team's own wording."


def test_seed_codebook_command_is_idempotent(project, capsys):
    call_command("seed_codebook", str(project.pk), "--framework", "icaf", "--framework", "ior")
    count = Code.objects.count()
    call_command("seed_codebook", project.name, "--framework", "ior")
    assert Code.objects.count() == count
    assert "ior: 0 code(s) created" in capsys.readouterr().out


def test_seed_codebook_command_names_an_unknown_project(db):
    with pytest.raises(CommandError, match="No project"):
        call_command("seed_codebook", "No such study", "--framework", "icaf")


def test_codebook_page_shows_tree_levels_definitions_and_counts(
    client_for, viewer, project, django_assert_num_queries
):
    seed_framework(project=project, framework="ior")
    seed_framework(project=project, framework="icaf")
    client = client_for(viewer)
    # session, user, membership, codes, the project's interviews (none: nothing to roll up), interviews per
    # case, usage; tests/codebook/test_tree_page.py pins the page with codings
    with django_assert_num_queries(7):
        response = client.get(reverse("codebook:codebook", args=[project.pk]))
    text = response.text
    assert "Data ownership" in text and "Participation dilemma" in text
    assert "level-selective" in text and "level-open" in text
    assert project.codes.get(name="Tension").definition[:40] in text.replace("&#x27;", "'")


def test_owner_seeds_a_missing_framework_from_the_codebook_page(client_for, owner, project):
    response = client_for(owner).post(reverse("codebook:seed", args=[project.pk]), {"framework": "ior"})
    assert response.status_code == 302
    assert project.codes.filter(framework="ior").exists()


def test_unknown_framework_is_refused(client_for, owner, project):
    response = client_for(owner).post(
        reverse("codebook:seed", args=[project.pk]), {"framework": "../../etc/passwd"}, follow=True
    )
    assert "Choose one of the available frameworks" in response.text
    assert not project.codes.exists()


def test_each_framework_seeds_its_core_category(project):
    seed_framework(project=project, framework="ior")
    seed_framework(project=project, framework="icaf")
    core = set(project.codes.filter(is_core=True).values_list("name", "level"))
    assert core == {("Tension", "selective"), ("Participation dilemma", "selective")}


def test_codebook_page_counts_each_codes_quotations(client_for, viewer, project, case):
    code, unused = CodeFactory(project=project, name="Trust"), CodeFactory(project=project, name="Unused")
    first, second = TranscriptFactory(case=case), TranscriptFactory(case=case)
    for transcript, start in [(first, 0), (first, 20), (second, 0)]:
        CodingFactory(segment=SegmentFactory(transcript=transcript, start=start, end=start + 9), code=code)
    response = client_for(viewer).get(reverse("codebook:codebook", args=[project.pk]))
    cells = r'data-name="([^"]+)".*?class="count own"[^>]*>(\d+)<.*?class="count rolled"[^>]*>(\d+)<'
    rows = {name: (own, rolled) for name, own, rolled in re.findall(cells, response.text, re.S)}
    assert rows[code.name] == ("3", "3")
    assert rows[unused.name] == ("0", "0")


# The ICAF seed against its paper (Song, An and Huang 2023): each relation and where the paper states it.
ICAF_RELATIONS = {
    ("Unwilling to share (interest)", "is-cause-of", "Cannot share (technical)"): "Section 3:",
    ("Inter-agency collaborative relationships", "weakens", "Participation dilemma"): "Section 4.6 (1)",
    ("Shared data characteristics", "weakens", "Participation dilemma"): "Section 4.6 (1)",
    ("Expected sharing benefits", "weakens", "Participation dilemma"): "Section 4.6 (2)",
    ("Perceived sharing risks", "is-cause-of", "Participation dilemma"): "Section 4.6 (3)",
    ("Perceived sharing costs", "is-cause-of", "Participation dilemma"): "Section 4.6 (3)",
    ("Inter-agency collaborative relationships", "is-associated-with", "Shared data characteristics"): (
        "Sections 4.6 (1) and 5.1 (3)"
    ),
    ("Perceived sharing risks", "is-associated-with", "Perceived sharing costs"): "Section 5.1 (3)",
    ("Inter-agency collaborative relationships", "weakens", "Perceived sharing risks"): "Section 4.4",
    ("Shared data quality", "weakens", "Perceived sharing risks"): "Section 4.4",
    (
        "Inter-agency collaborative relationships",
        "strengthens",
        "Expected sharing benefits",
    ): "Section 4.6 (2)",
    ("Inter-agency collaborative relationships", "weakens", "Perceived sharing costs"): "Section 4.6 (3)",
}


def icaf_relations(project) -> dict[tuple[str, str, str], str]:
    rows = project.code_relations.values_list("source__name", "kind", "target__name", "memo")
    return {(source, kind, target): memo for source, kind, target, memo in rows}


def test_icaf_seeds_each_relation_the_paper_states_citing_its_section(project):
    seed_framework(project=project, framework="icaf")
    seeded = icaf_relations(project)
    assert set(seeded) == set(ICAF_RELATIONS)
    for relation, section in ICAF_RELATIONS.items():
        assert seeded[relation].startswith(section), (relation, seeded[relation])
    assert not any("Introduction" in memo for memo in seeded.values())


def test_data_request_neglect_and_delay_is_a_coordination_risk_of_its_own(project):
    seed_framework(project=project, framework="icaf")
    code = project.codes.get(name="Data request neglect and delay")
    assert code.parent.name == "Coordination risks" and code.level == "open" and code.is_codable
    assert "4.4" in code.definition
    assert "ignored or delayed" not in code.parent.inclusion  # no longer a leftover of the parent
    assert code.position == code.parent.children.count() - 1  # after the siblings a project already has


def test_the_fiscal_funding_placement_is_explained_where_coders_read_it(project):
    seed_framework(project=project, framework="icaf")
    selective = project.codes.get(name="Selective benefits")
    collective = project.codes.get(name="Collective benefits")
    assert "fiscal project funding" in selective.definition and "Section 4.3" in selective.definition
    assert "fiscal funding" in collective.exclusion and "Selective benefits" in collective.exclusion
    source = (Path(seeding.FRAMEWORK_DIR) / "icaf.yaml").read_text(encoding="utf-8")
    comments = [line for line in source.splitlines() if line.lstrip().startswith("#")]
    assert not [line for line in comments if "fiscal" in line.lower() or "funding" in line.lower()]


def seeded_before(spec: seeding.FrameworkSpec) -> seeding.FrameworkSpec:
    """The ICAF seed projects got before: no request-neglect code, one relation citing "Introduction"."""

    def without_new_code(nodes: list[dict]) -> list[dict]:
        return [
            {**node, "children": without_new_code(node.get("children", []))}
            for node in nodes
            if node["name"] != "Data request neglect and delay"
        ]

    first = {**spec.relations[0], "memo": "Introduction: the latter decides the former to a certain extent."}
    return replace(spec, codes=without_new_code(spec.codes), relations=[first])


def test_reseeding_a_project_seeded_before_adds_the_new_code_and_relations_only(project, owner, monkeypatch):
    current = load_framework("icaf")
    with monkeypatch.context() as patched:
        patched.setattr(seeding, "load_framework", lambda key: seeded_before(current))
        before = seed_framework(project=project, framework="icaf")
    assert not project.codes.filter(name="Data request neglect and delay").exists()
    assert project.code_relations.count() == 1
    edited = project.codes.get(name="Coordination risks")
    edited.definition = "Our team's wording."
    edited.save()

    assert seed_framework(project=project, framework="icaf", user=owner) == 1
    assert project.codes.count() == before + 1
    names = list(project.codes.values_list("parent_id", "name"))
    assert len(names) == len(set(names))  # nothing twice
    assert set(icaf_relations(project)) == set(ICAF_RELATIONS)
    assert project.code_relations.count() == len(ICAF_RELATIONS)
    old = icaf_relations(project)[
        ("Unwilling to share (interest)", "is-cause-of", "Cannot share (technical)")
    ]
    assert old.startswith("Introduction")  # what a project already holds is never rewritten
    edited.refresh_from_db()
    assert edited.definition == "Our team's wording."
    event = project.codebook_events.first()
    assert event.detail == {"framework": "icaf", "codes": 1, "relations": len(ICAF_RELATIONS) - 1}
    assert seed_framework(project=project, framework="icaf") == 0
    assert project.code_relations.count() == len(ICAF_RELATIONS)
