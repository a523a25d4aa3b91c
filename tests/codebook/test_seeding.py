import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

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
    with django_assert_num_queries(5):  # session, user, membership, codes, their usage
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


def test_codebook_page_counts_each_codes_codings_and_interviews(client_for, viewer, project, case):
    code, unused = CodeFactory(project=project, name="Trust"), CodeFactory(project=project, name="Unused")
    first, second = TranscriptFactory(case=case), TranscriptFactory(case=case)
    for transcript, start in [(first, 0), (first, 20), (second, 0)]:
        CodingFactory(segment=SegmentFactory(transcript=transcript, start=start, end=start + 9), code=code)
    response = client_for(viewer).get(reverse("codebook:codebook", args=[project.pk]))
    cells = r'data-name="([^"]+)".*?<td class="num">(\d+)</td>\s*<td class="num">(\d+)'
    rows = {
        name: (codings, interviews) for name, codings, interviews in re.findall(cells, response.text, re.S)
    }
    assert rows[code.name] == ("3", "2")
    assert rows[unused.name] == ("0", "0")
