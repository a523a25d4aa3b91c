"""Every project URL (listed in tests/<app>/routes.py): outsiders 404, lower roles 403, wrong methods 405."""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse

from cases.models import Assignment, Attribute, InterviewSet, Job, JobStatus, Role
from coding.models import CodingBatch, Memo, SavedQuery
from tests.cases.routes import ROUTES as CASES_ROUTES
from tests.codebook.routes import ROUTES as CODEBOOK_ROUTES
from tests.coding.routes import ROUTES as CODING_ROUTES
from tests.factories import (
    CodeFactory,
    CodingFactory,
    InvitationFactory,
    MembershipFactory,
    SegmentFactory,
    UserFactory,
)

ROUTES = {**CASES_ROUTES, **CODEBOOK_ROUTES, **CODING_ROUTES}
ROLE_BELOW = {Role.CODER: Role.VIEWER, Role.OWNER: Role.CODER}


def project_routes() -> dict[str, str]:
    """url name → full route, for every URL under a project."""
    routes = {}

    def walk(patterns, namespace, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace, prefix + str(pattern.pattern))
            elif pattern.name and "<uuid:project_id>" in prefix + str(pattern.pattern):
                routes[f"{namespace}:{pattern.name}"] = prefix + str(pattern.pattern)

    walk(get_resolver().url_patterns, None, "")
    return routes


def _preview_job(project, owner) -> Job:
    """An archive read for its preview, waiting for the owner's confirmation."""
    preview = {"filename": "study.qdpx", "title": "Study", "texts": [], "codings": 0}
    job = Job.objects.create(
        project=project,
        kind="qdpx-preview",
        title="Reading study.qdpx",
        status=JobStatus.DONE,
        created_by=owner,
        result={"preview": preview},
    )
    job.upload.save("study.qdpx", ContentFile(b"PK"))
    return job


@pytest.fixture
def url_for(project, owner, transcript):
    transcript.original_name = "interview.txt"
    transcript.original.save("interview.txt", ContentFile(transcript.text.encode()))
    coding = CodingFactory(segment=SegmentFactory(transcript=transcript, created_by=owner), coder=owner)
    segment = coding.segment
    job = Job.objects.create(project=project, kind="export", title="An export", status=JobStatus.DONE)
    job.output.save("project.qdpx", ContentFile(b"archive"))
    attribute = Attribute.objects.create(project=project, applies_to="case", name="Population", kind="number")
    objects = {
        "membership_id": project.memberships.get(user=owner).pk,
        "attribute_id": attribute.pk,
        "case_id": transcript.case_id,
        "transcript_id": transcript.pk,
        "code_id": CodeFactory(project=project).pk,
        "segment_id": segment.pk,
        "coding_id": coding.pk,
        "invitation_id": InvitationFactory(project=project, invited_by=owner).pk,
        "job_id": job.pk,
        "preview_id": _preview_job(project, owner).pk,
        "assignment_id": Assignment.objects.create(transcript=transcript, coder=owner).pk,
        "query_id": SavedQuery.objects.create(project=project, name="Everything", fields={}).pk,
        "set_id": InterviewSet.objects.create(project=project, name="All of City X", kind="cases").pk,
        "batch_id": CodingBatch.objects.create(
            project=project, user=owner, code_name="A code", search="data", hits=0, record={}
        ).pk,
        "memo_id": Memo.objects.create(project=project, author=owner, code=coding.code, text="About it").pk,
    }
    routes = project_routes()

    def build(name: str) -> str:
        kwargs = {key: value for key, value in objects.items() if f":{key}>" in routes[name]}
        return reverse(name, kwargs={"project_id": project.pk, **kwargs})

    return build


def test_every_project_url_is_listed_here():
    assert set(project_routes()) == set(ROUTES)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_outsider_gets_404(name, url_for, client_for, outsider):
    client = client_for(outsider)
    for method in ROUTES[name]:
        response = client.generic(method, url_for(name))
        assert response.status_code == 404, (name, method)


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_anonymous_is_sent_to_login(name, url_for, client):
    for method in ROUTES[name]:
        response = client.generic(method, url_for(name))
        assert response.status_code == 302, (name, method)
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_role_below_the_required_one_gets_403(name, url_for, client_for, project):
    for method, role in ROUTES[name].items():
        if role == Role.VIEWER:
            continue
        member = MembershipFactory(project=project, user=UserFactory(), role=ROLE_BELOW[role]).user
        response = client_for(member).generic(method, url_for(name))
        assert response.status_code == 403, (name, method, ROLE_BELOW[role])


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_wrong_method_gets_405(name, url_for, client_for, owner):
    client = client_for(owner)
    for method in {"GET", "POST", "PUT", "DELETE"} - set(ROUTES[name]):
        response = client.generic(method, url_for(name))
        assert response.status_code == 405, (name, method)


@pytest.mark.parametrize("name", sorted(name for name, methods in ROUTES.items() if "GET" in methods))
def test_member_with_the_role_can_open_the_page(name, url_for, client_for, owner, transcript):
    headers = {"HX-Request": "true"} if name.endswith("_hx") else {}
    response = client_for(owner).get(url_for(name), headers=headers)
    assert response.status_code == 200, name


@pytest.mark.parametrize("name", sorted(name for name, methods in ROUTES.items() if "GET" in methods))
def test_every_page_answers_head_like_get(name, url_for, client_for, owner):
    headers = {"HX-Request": "true"} if name.endswith("_hx") else {}
    response = client_for(owner).head(url_for(name), headers=headers)
    assert response.status_code == 200, name  # 405 before pages answered HEAD


@pytest.mark.parametrize("name", sorted(name for name, methods in ROUTES.items() if "GET" in methods))
def test_every_page_says_it_varies_with_htmx(name, url_for, client_for, owner):
    response = client_for(owner).get(url_for(name))
    assert "HX-Request" in response.get("Vary", ""), name
