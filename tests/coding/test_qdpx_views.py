"""The .qdpx import pages: upload, the job that reads the archive, its preview, the job that imports it (into
this project or a new one), and linking imported coders."""

import uuid
import zipfile
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cases import jobs
from cases.models import Job, JobStatus, Membership, Project, Role, Transcript
from coding.exchange.qdpx.importing import imported_coders
from coding.exchange.qdpx.tasks import IMPORT, PREVIEW
from coding.models import Coding
from tests.coding.test_qdpx_import import FIRST, a_set, archive, project_xml, source, with_sets
from tests.factories import CaseFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

QC = Path(__file__).parent.parent / "fixtures" / "refi" / "qc-1.3.2_demo.qdpx"


def upload(data: bytes = b"", name: str = "qc-1.3.2_demo.qdpx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data or QC.read_bytes(), content_type="application/zip")


@pytest.fixture
def run_jobs(settings, django_capture_on_commit_callbacks):
    """Posts to a page that starts a job, and runs the job as the worker would once the request commits."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    def post(client, url, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data)

    return post


def read(run_jobs, client, project, data: bytes = b"", name: str = "qc-1.3.2_demo.qdpx") -> Job:
    """Uploads an archive and returns its finished preview job."""
    url = reverse("coding:qdpx_import", args=[project.pk]) if project else reverse("qdpx:new")
    response = run_jobs(client, url, {"file": upload(data, name)})
    job = Job.objects.filter(kind=PREVIEW, created_by=response.wsgi_request.user, upload_name=name).first()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    return job


def confirm(run_jobs, client, project, preview: Job, **fields):
    url = (
        reverse("coding:qdpx_import_confirm", args=[project.pk, preview.pk])
        if project
        else reverse("qdpx:new_confirm", args=[preview.pk])
    )
    return run_jobs(client, url, fields)


def imported(run_jobs, client, project, **fields) -> Job:
    preview = read(run_jobs, client, project)
    confirm(run_jobs, client, project, preview, **fields)
    job = Job.objects.filter(kind=IMPORT, upload_name=preview.upload_name).first()
    assert job.status == JobStatus.DONE, job.message
    return job


def test_the_archive_is_read_by_a_job_whose_page_leads_to_the_preview(run_jobs, client_for, project, owner):
    client = client_for(owner)
    job = read(run_jobs, client, project)
    assert job.status == JobStatus.DONE and job.total == job.done > 0  # sources read and placed, counted
    assert default_storage.exists(job.upload.name)  # kept for the import
    preview_url = reverse("coding:qdpx_preview", args=[project.pk, job.pk])
    assert client.get(job.get_absolute_url())["Location"] == preview_url
    polled = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert polled["HX-Redirect"] == preview_url  # the progress bar's poll takes the browser there
    page = client.get(preview_url).content.decode()
    assert "Selections placed" in page and "158/158" in page and "262</strong> new" in page
    assert "Import 2 transcripts and 205 codings" in page
    assert not Transcript.objects.filter(case__project=project).exists() and not project.codes.exists()


def test_confirming_imports_in_a_job_that_deletes_the_archive(run_jobs, client_for, project, owner):
    client = client_for(owner)
    preview = read(run_jobs, client, project)
    stored = preview.upload.name
    response = confirm(run_jobs, client, project, preview, case_name="Prior study")
    job = Job.objects.get(kind=IMPORT)
    assert response["Location"] == job.get_absolute_url()
    assert job.status == JobStatus.DONE and job.created_by == owner
    page = client.get(job.get_absolute_url()).content.decode()
    assert '<th scope="row">Codings</th><td class="num">205</td>' in page
    assert "Link imported coders" in page and f"Open {project.name}" in page
    assert set(Transcript.objects.filter(case__project=project).values_list("case__name", flat=True)) == {
        "Prior study"
    }
    assert not default_storage.exists(stored) and not job.upload and not Job.objects.get(pk=preview.pk).upload
    # Confirming again, or opening the preview, leads to that import: nothing comes in twice.
    again = confirm(run_jobs, client, project, preview)
    assert again["Location"] == job.get_absolute_url()
    assert client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk]))["Location"] == (
        job.get_absolute_url()
    )
    assert Coding.objects.filter(segment__project=project).count() == 205


def test_bad_upload_is_a_sentence_and_starts_nothing(client_for, project, owner):
    response = client_for(owner).post(
        reverse("coding:qdpx_import", args=[project.pk]), {"file": upload(b"not a zip", "x.qdpx")}
    )
    assert response.status_code == 400
    assert "“x.qdpx” is not a readable .qdpx archive" in response.content.decode()
    assert not Job.objects.exists()


def test_too_large_an_archive_is_refused_before_it_is_stored(client_for, project, owner, settings):
    settings.MAX_ARCHIVE_MB = 0
    response = client_for(owner).post(reverse("coding:qdpx_import", args=[project.pk]), {"file": upload()})
    assert response.status_code == 413
    assert "larger than 0 MB, the limit for one project archive" in response.text
    assert not Job.objects.exists()


def test_an_archive_is_read_member_by_member_from_a_file(project, owner):
    from coding.exchange.qdpx.archive import read_archive

    with QC.open("rb") as file:
        package = read_archive(file, filename=QC.name)
    assert (package.placed, package.codings) == (158, 205)


def test_a_zip_that_is_no_project_fails_its_job_with_a_sentence(run_jobs, client_for, project, owner):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("notes.txt", "hello")
    client = client_for(owner)
    job = read(run_jobs, client, project, buffer.getvalue(), "notes.qdpx")
    assert job.status == JobStatus.FAILED and "holds no project.qde" in job.message
    assert not job.upload  # nothing kept of a file that will not be imported
    page = client.get(job.get_absolute_url()).content.decode()
    assert "It did not finish." in page and "holds no project.qde" in page
    preview_url = reverse("coding:qdpx_preview", args=[project.pk, job.pk])
    assert client.get(preview_url)["Location"] == job.get_absolute_url()


def test_a_preview_is_its_starters_alone(run_jobs, client_for, project, owner):
    preview = read(run_jobs, client_for(owner), project)
    other_owner = MembershipFactory(project=project, user=UserFactory(), role=Role.OWNER).user
    client = client_for(other_owner)
    page = client.get(preview.get_absolute_url())  # from the project's list of jobs: what was read
    assert page.status_code == 200 and "Selections placed" in page.text and "158 of 158" in page.text
    assert client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk])).status_code == 404
    assert confirm(run_jobs, client, project, preview).status_code == 404
    other = Project.objects.create(name="Other")
    Membership.objects.create(project=other, user=owner, role=Role.OWNER)
    client = client_for(owner)
    assert client.get(reverse("coding:qdpx_preview", args=[other.pk, preview.pk])).status_code == 404
    assert confirm(run_jobs, client, other, preview).status_code == 404
    assert client.get(reverse("coding:qdpx_preview", args=[project.pk, uuid.uuid4()])).status_code == 404
    assert not Job.objects.filter(kind=IMPORT).exists()


def test_a_preview_not_imported_within_an_hour_is_no_longer_kept(run_jobs, client_for, project, owner):
    client = client_for(owner)
    preview = read(run_jobs, client, project)
    stored = preview.upload.name
    Job.objects.filter(pk=preview.pk).update(finished_at=timezone.now() - timedelta(hours=2))
    jobs.expire()
    assert not default_storage.exists(stored) and Job.objects.filter(pk=preview.pk).exists()
    page = client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk])).content.decode()
    assert "no longer kept" in page and "Import 2 transcripts" not in page
    response = confirm(run_jobs, client, project, preview, case_name="Prior")
    assert response.status_code == 400 and "no longer kept: upload it again" in response.content.decode()
    assert not Job.objects.filter(kind=IMPORT).exists() and not Transcript.objects.exists()


def test_a_study_name_already_taken_is_refused_at_confirmation(run_jobs, client_for, project, owner):
    from cases.models import Study

    Study.objects.create(project=project, name="QC Demo")
    client = client_for(owner)
    preview = read(run_jobs, client, project)
    response = confirm(run_jobs, client, project, preview, case_name="Prior", study_name="qc demo")
    assert response.status_code == 400 and "already has a study called" in response.content.decode()
    assert not Job.objects.filter(kind=IMPORT).exists() and project.studies.count() == 1
    assert Job.objects.get(pk=preview.pk).upload  # the archive still waits for a better name


def test_a_case_deleted_before_the_import_runs_fails_it_and_writes_nothing(
    client_for, project, owner, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    case = CaseFactory(project=project, name="Prior")
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("coding:qdpx_import", args=[project.pk]), {"file": upload()})
    preview = Job.objects.get(kind=PREVIEW)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("coding:qdpx_import_confirm", args=[project.pk, preview.pk]), {"case": case.pk})
    case.delete()
    for callback in queued:  # the worker takes the job up after the case has gone
        callback()
    job = Job.objects.get(kind=IMPORT)
    assert job.status == JobStatus.FAILED and "case chosen for the import no longer exists" in job.message
    assert not Transcript.objects.exists() and not project.codes.exists()


def test_an_owner_made_coder_before_the_import_runs_imports_nothing(
    client_for, project, owner, django_capture_on_commit_callbacks, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("coding:qdpx_import", args=[project.pk]), {"file": upload()})
    preview = Job.objects.get(kind=PREVIEW)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("coding:qdpx_import_confirm", args=[project.pk, preview.pk]), {"case_name": "X"})
    Membership.objects.filter(project=project, user=owner).update(role=Role.CODER)
    for callback in queued:
        callback()
    job = Job.objects.get(kind=IMPORT)
    assert job.status == JobStatus.FAILED and "Only an owner of the project can import" in job.message
    assert not Transcript.objects.exists() and not project.codes.exists()


def test_importing_an_archive_twice_is_announced_in_its_preview(run_jobs, client_for, project, owner):
    client = client_for(owner)
    imported(run_jobs, client, project, case_name="Prior")
    guids = set(Transcript.objects.filter(case__project=project).values_list("guid", flat=True))
    assert len(guids) == 2  # each transcript keeps its source's GUID
    preview = read(run_jobs, client, project)
    page = client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk])).content.decode()
    assert "2 of these sources are in this project already" in page
    confirm(run_jobs, client, project, preview, case_name="Prior")
    again = set(Transcript.objects.filter(case__project=project).values_list("guid", flat=True))
    assert len(again) == 4 and guids < again  # a second copy, under new GUIDs


def test_import_as_a_new_project_makes_the_user_its_owner(run_jobs, client_for, outsider):
    client = client_for(outsider)
    preview = read(run_jobs, client, None)
    assert preview.project is None
    assert preview.get_absolute_url() == reverse("cases:own_job_detail", args=[preview.pk])
    assert client.get(preview.get_absolute_url())["Location"] == reverse("qdpx:preview", args=[preview.pk])
    page = client.get(reverse("qdpx:preview", args=[preview.pk])).content.decode()
    assert "Project name" in page and "158/158" in page
    response = confirm(run_jobs, client, None, preview, name="Board study")
    project = Project.objects.get(name="Board study")
    assert Membership.objects.get(project=project).user == outsider
    assert project.codes.count() == 262
    job = Job.objects.get(kind=IMPORT)
    assert job.project == project  # the job is the new project's now, and its page follows it there
    assert client.get(response["Location"])["Location"] == job.get_absolute_url()
    assert "Open Board study" in client.get(job.get_absolute_url()).content.decode()


def test_new_project_needs_a_name(run_jobs, client_for, outsider):
    client = client_for(outsider)
    preview = read(run_jobs, client, None)
    response = confirm(run_jobs, client, None, preview, name="")
    assert response.status_code == 400 and not Project.objects.exists()


def test_a_new_projects_jobs_are_their_starters_alone(run_jobs, client_for, outsider):
    preview = read(run_jobs, client_for(outsider), None)
    client = client_for(UserFactory())
    for url in (
        reverse("cases:own_job_detail", args=[preview.pk]),
        reverse("qdpx:preview", args=[preview.pk]),
    ):
        assert client.get(url).status_code == 404
    assert client.post(reverse("cases:own_job_delete", args=[preview.pk])).status_code == 404
    assert confirm(run_jobs, client, None, preview, name="Mine").status_code == 404
    assert not Project.objects.exists()


def test_the_starter_removes_a_new_projects_preview_and_its_archive(run_jobs, client_for, outsider):
    client = client_for(outsider)
    preview = read(run_jobs, client, None)
    stored = preview.upload.name
    response = run_jobs(client, reverse("cases:own_job_delete", args=[preview.pk]), {})
    assert response.status_code == 302 and not Job.objects.exists() and not default_storage.exists(stored)


def test_a_new_project_import_that_fails_leaves_no_project(run_jobs, client_for, outsider):
    client = client_for(outsider)
    preview = read(run_jobs, client, None)
    with mock.patch("coding.exchange.qdpx.import_jobs.import_package", side_effect=RuntimeError("a bug")):
        confirm(run_jobs, client, None, preview, name="Board study")
    job = Job.objects.get(kind=IMPORT)
    assert job.status == JobStatus.FAILED and job.message == jobs.FAILED and job.project is None
    assert not Project.objects.exists() and not Membership.objects.exists()
    assert "It did not finish." in client.get(job.get_absolute_url()).content.decode()


def test_an_archive_too_long_for_a_transcript_fails_its_preview(run_jobs, client_for, outsider, settings):
    settings.MAX_TRANSCRIPT_CHARS = 10
    qde = project_xml(source("internal://a.txt", ""))
    data = archive(qde, {"sources/a.txt": "An interview longer than ten characters."})
    preview = read(run_jobs, client_for(outsider), None, data, "long.qdpx")
    assert preview.status == JobStatus.FAILED and "the limit is 10" in preview.message
    assert not Project.objects.exists()


def test_new_project_import_needs_sign_in(client):
    response = client.get(reverse("qdpx:new"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_wrong_methods_on_the_new_project_pages(client_for, outsider):
    client = client_for(outsider)
    job_id = uuid.uuid4()
    assert client.post(reverse("qdpx:preview", args=[job_id])).status_code == 405
    assert client.get(reverse("qdpx:new_confirm", args=[job_id])).status_code == 405
    assert client.get(reverse("cases:own_job_delete", args=[job_id])).status_code == 405
    assert client.post(reverse("cases:own_job_detail", args=[job_id])).status_code == 405


def test_linking_an_imported_coder_to_a_member(run_jobs, client_for, project, owner, coder):
    client = client_for(owner)
    imported(run_jobs, client, project)
    identity = imported_coders(project).get()
    page = client.get(reverse("coding:qdpx_coders", args=[project.pk]))
    assert "cp" in page.content.decode()
    response = client.post(
        reverse("coding:qdpx_coder_link", args=[project.pk]), {"identity": identity.pk, "member": coder.pk}
    )
    assert response.status_code == 302
    assert Coding.objects.filter(segment__project=project, coder=coder).count() == 205
    assert not imported_coders(project).exists()


def test_linking_refuses_people_outside_the_project(run_jobs, client_for, project, owner, outsider):
    client = client_for(owner)
    imported(run_jobs, client, project)
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


def test_coders_page_query_count_is_fixed(
    run_jobs, client_for, project, owner, django_assert_max_num_queries
):
    client = client_for(owner)
    imported(run_jobs, client, project)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("coding:qdpx_coders", args=[project.pk])).status_code == 200


def test_preview_page_query_count_is_fixed(run_jobs, client_for, project, owner, django_assert_num_queries):
    client = client_for(owner)
    preview = read(run_jobs, client, project)
    with django_assert_num_queries(5):
        client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk]))


def test_an_archive_imports_as_a_study_whose_codes_the_crosswalk_maps(run_jobs, client_for, project, owner):
    from codebook.models import Code
    from coding import crosswalk
    from coding.analysis.matrix import Spec, build_matrix
    from coding.analysis.retrieval import load_facets
    from tests.factories import CodeFactory

    framework = CodeFactory(project=project, name="Trust")
    client = client_for(owner)
    job = imported(run_jobs, client, project, case_name="Prior study", study_name="qc demo")
    assert "Map them in the crosswalk" in client.get(job.get_absolute_url()).content.decode()
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


def test_preview_lists_what_cannot_be_kept_by_count(run_jobs, client_for, project, owner):
    data = archive(project_xml('<Sources><AudioSource guid="a1" name="Recording"/></Sources>'))
    client = client_for(owner)
    preview = read(run_jobs, client, project, data, "audio.qdpx")
    page = client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk])).content.decode()
    assert "<li>1 audio sources</li>" in page


def test_preview_says_how_many_sets_are_kept_and_as_what(run_jobs, client_for, project, owner):
    code = "5067d381-1dc9-4816-81dd-ae1dbfea2ad7"
    data = with_sets(
        a_set("Wave 1", FIRST, "a1"), a_set("Level: Axial", codes=(code,)), a_set("Mine", codes=(code,))
    )
    client = client_for(owner)
    preview = read(run_jobs, client, project, data, "sets.qdpx")
    page = client.get(reverse("coding:qdpx_preview", args=[project.pk, preview.pk])).content.decode()
    assert "sets: 3 (kept: 1 as interview set, 1 as code levels, frameworks or core categories)." in page
    assert "1 set members that are not text sources" in page
    assert "1 sets of codes other than levels" in page
