"""The .qdpx import pages: preview, confirm, into this project or a new one, and linking imported coders."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Membership, Project, Role, Transcript
from coding.exchange.qdpx.importing import imported_coders
from coding.models import Coding
from tests.coding.test_qdpx_import import FIRST, a_set, archive, project_xml, with_sets

QC = Path(__file__).parent.parent / "fixtures" / "refi" / "qc-1.3.2_demo.qdpx"


def upload(data: bytes = b"", name: str = "qc-1.3.2_demo.qdpx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or QC.read_bytes(), content_type="application/zip")


def preview(client, project) -> str:
    response = client.post(reverse("coding:qdpx_import", args=[project.pk]), {"file": upload()})
    assert response.status_code == 200
    return response.context["confirm_form"].initial["token"]


@pytest.mark.django_db
def test_preview_writes_nothing_and_confirm_imports(client_for, project, owner, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    client = client_for(owner)
    response = client.post(reverse("coding:qdpx_import", args=[project.pk]), {"file": upload()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Selections placed" in page and "158/158" in page and "262</strong> new" in page
    assert not Transcript.objects.filter(case__project=project).exists()
    assert len(list((tmp_path / "tmp").iterdir())) == 1  # the archive waits for the confirmation
    token = response.context["confirm_form"].initial["token"]
    response = client.post(
        reverse("coding:qdpx_import_confirm", args=[project.pk]), {"token": token, "case_name": "Prior study"}
    )
    assert response.status_code == 200
    assert response.context["result"].codings == 205
    assert set(Transcript.objects.filter(case__project=project).values_list("case__name", flat=True)) == {
        "Prior study"
    }
    assert not list((tmp_path / "tmp").iterdir())
    # The same token cannot import twice.
    again = client.post(reverse("coding:qdpx_import_confirm", args=[project.pk]), {"token": token})
    assert again.status_code == 400 and "no longer kept" in again.content.decode()
    assert Coding.objects.filter(segment__project=project).count() == 205


@pytest.mark.django_db
def test_bad_upload_is_a_sentence_and_writes_nothing(client_for, project, owner):
    response = client_for(owner).post(
        reverse("coding:qdpx_import", args=[project.pk]), {"file": upload(b"not a zip", "x.qdpx")}
    )
    assert response.status_code == 400
    assert "is not a readable .qdpx archive" in response.content.decode()
    assert not project.codes.exists()


@pytest.mark.django_db
def test_forged_or_foreign_token_is_refused(client_for, project, owner, coder):
    client = client_for(owner)
    token = preview(client, project)
    other = Project.objects.create(name="Other")
    Membership.objects.create(project=other, user=owner, role=Role.OWNER)
    for target, value in ((project, token + "x"), (other, token)):
        response = client.post(reverse("coding:qdpx_import_confirm", args=[target.pk]), {"token": value})
        assert response.status_code == 400
        assert "could not be verified" in response.content.decode()
    assert not Transcript.objects.exists()


@pytest.mark.django_db
def test_import_as_a_new_project_makes_the_user_its_owner(client_for, outsider):
    client = client_for(outsider)
    response = client.post(reverse("qdpx:new"), {"file": upload()})
    token = response.context["confirm_form"].initial["token"]
    response = client.post(
        reverse("qdpx:new_confirm"), {"token": token, "name": "Board study", "case_name": ""}
    )
    assert response.status_code == 200
    project = Project.objects.get(name="Board study")
    assert Membership.objects.get(project=project).user == outsider
    assert project.codes.count() == 262


@pytest.mark.django_db
def test_new_project_needs_a_name(client_for, outsider):
    client = client_for(outsider)
    token = client.post(reverse("qdpx:new"), {"file": upload()}).context["confirm_form"].initial["token"]
    response = client.post(reverse("qdpx:new_confirm"), {"token": token, "name": ""})
    assert response.status_code == 400 and not Project.objects.exists()


def test_new_project_import_needs_sign_in(client):
    response = client.get(reverse("qdpx:new"))
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_linking_an_imported_coder_to_a_member(client_for, project, owner, coder):
    client = client_for(owner)
    client.post(reverse("coding:qdpx_import_confirm", args=[project.pk]), {"token": preview(client, project)})
    identity = imported_coders(project).get()
    page = client.get(reverse("coding:qdpx_coders", args=[project.pk]))
    assert "cp" in page.content.decode()
    response = client.post(
        reverse("coding:qdpx_coder_link", args=[project.pk]), {"identity": identity.pk, "member": coder.pk}
    )
    assert response.status_code == 302
    assert Coding.objects.filter(segment__project=project, coder=coder).count() == 205
    assert not imported_coders(project).exists()


@pytest.mark.django_db
def test_linking_refuses_people_outside_the_project(client_for, project, owner, outsider):
    client = client_for(owner)
    client.post(reverse("coding:qdpx_import_confirm", args=[project.pk]), {"token": preview(client, project)})
    identity = imported_coders(project).get()
    response = client.post(
        reverse("coding:qdpx_coder_link", args=[project.pk]), {"identity": identity.pk, "member": outsider.pk}
    )
    assert response.status_code == 400
    assert Coding.objects.filter(segment__project=project, coder=identity).count() == 205
    # Nor can an owner link a person, rather than an imported coder.
    response = client.post(
        reverse("coding:qdpx_coder_link", args=[project.pk]), {"identity": owner.pk, "member": owner.pk}
    )
    assert response.status_code == 400


@pytest.mark.django_db
def test_coders_page_query_count_is_fixed(client_for, project, owner, django_assert_max_num_queries):
    client = client_for(owner)
    client.post(reverse("coding:qdpx_import_confirm", args=[project.pk]), {"token": preview(client, project)})
    with django_assert_max_num_queries(12):
        assert client.get(reverse("coding:qdpx_coders", args=[project.pk])).status_code == 200


@pytest.mark.django_db
def test_an_archive_imports_as_a_study_whose_codes_the_crosswalk_maps(
    client_for, project, owner, settings, tmp_path
):
    from codebook.models import Code
    from coding import crosswalk
    from coding.analysis.matrix import Spec, build_matrix
    from coding.analysis.retrieval import load_facets
    from tests.factories import CodeFactory

    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    framework = CodeFactory(project=project, name="Trust")
    client = client_for(owner)
    token = preview(client, project)
    response = client.post(
        reverse("coding:qdpx_import_confirm", args=[project.pk]),
        {"token": token, "case_name": "Prior study", "study_name": "qc demo"},
    )
    assert response.status_code == 200 and "Map them in the crosswalk" in response.content.decode()
    study = project.studies.get()
    assert (study.name, study.source_name) == ("qc demo", "qc-1.3.2_demo.qdpx")
    root = Code.objects.get(project=project, parent=None, study=study)
    assert root.name == "qc demo (study)" and not root.is_codable
    study_codes = Code.objects.filter(study=study).exclude(pk=root.pk)
    assert (
        study_codes.count() == 262 and not Code.objects.filter(study=None).exclude(pk=framework.pk).exists()
    )
    assert set(Transcript.objects.filter(case__project=project).values_list("study", flat=True)) == {study.pk}

    def trust_total() -> int:
        facets = load_facets(project=project)
        matrix = build_matrix(facets=facets, spec=Spec(dimension=facets.dimensions["case"]))
        return next(row.total.all for row in matrix.rows if row.code.pk == framework.pk)

    assert trust_total() == 0  # nothing counts until the crosswalk maps it
    coded = study_codes.filter(codings__isnull=False).distinct()
    crosswalk.map_codes(project=project, user=owner, codes=list(coded), target=framework)
    segments = Coding.objects.filter(code__in=coded).values("segment").distinct().count()
    assert trust_total() == segments > 0
    page = client.get(reverse("coding:crosswalk", args=[project.pk])).content.decode()
    assert "qc demo" in page and "0 unmapped" not in page


@pytest.mark.django_db
def test_a_study_name_already_taken_is_refused(client_for, project, owner, settings, tmp_path):
    from cases.models import Study

    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    Study.objects.create(project=project, name="QC Demo")
    client = client_for(owner)
    response = client.post(
        reverse("coding:qdpx_import_confirm", args=[project.pk]),
        {"token": preview(client, project), "case_name": "Prior", "study_name": "qc demo"},
    )
    assert response.status_code == 400 and "already has a study called" in response.content.decode()
    assert not Transcript.objects.exists() and project.studies.count() == 1


@pytest.mark.django_db
def test_preview_lists_what_cannot_be_kept_by_count(client_for, project, owner, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    data = archive(project_xml('<Sources><AudioSource guid="a1" name="Recording"/></Sources>'))
    response = client_for(owner).post(
        reverse("coding:qdpx_import", args=[project.pk]), {"file": upload(data, "audio.qdpx")}
    )
    assert response.status_code == 200 and "<li>1 audio sources</li>" in response.content.decode()


@pytest.mark.django_db
def test_preview_says_how_many_sets_are_kept_and_as_what(client_for, project, owner, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "tmp"
    code = "5067d381-1dc9-4816-81dd-ae1dbfea2ad7"
    data = with_sets(
        a_set("Wave 1", FIRST, "a1"), a_set("Level: Axial", codes=(code,)), a_set("Mine", codes=(code,))
    )
    response = client_for(owner).post(
        reverse("coding:qdpx_import", args=[project.pk]), {"file": upload(data, "sets.qdpx")}
    )
    page = response.content.decode()
    assert "sets: 3 (kept: 1 as interview set, 1 as code levels, frameworks or core categories)." in page
    assert "1 set members that are not text sources" in page
    assert "1 sets of codes other than levels" in page
