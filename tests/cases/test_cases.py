import os
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.test import TestCase
from django.urls import reverse

from cases.models import Attribute, Case, CaseAttributeValue, Transcript
from tests.factories import CaseFactory, CodingFactory, SegmentFactory, TranscriptFactory


def url(name, project, **kwargs):
    return reverse(name, kwargs={"project_id": project.pk, **kwargs})


def make_attributes(project):
    return {
        "population": Attribute.objects.create(
            project=project, applies_to="case", name="Population", kind="number"
        ),
        "period": Attribute.objects.create(
            project=project, applies_to="case", name="Study period", kind="text"
        ),
        "start": Attribute.objects.create(project=project, applies_to="case", name="Fieldwork", kind="date"),
        "capital": Attribute.objects.create(
            project=project, applies_to="case", name="Capital", kind="boolean"
        ),
    }


def test_owner_creates_case_with_typed_attributes(client_for, owner, project):
    attributes = make_attributes(project)
    response = client_for(owner).post(
        url("cases:case_create", project),
        {
            "name": "City Y",
            "description": "Medium city",
            f"attr_{attributes['population'].pk}": "1.2",
            f"attr_{attributes['period'].pk}": "2020–21",
            f"attr_{attributes['start'].pk}": "2020-09-01",
            f"attr_{attributes['capital'].pk}": "false",
        },
    )
    case = Case.objects.get(name="City Y")
    assert response["Location"] == case.get_absolute_url()
    values = {v.attribute.name: v.value for v in case.attribute_values.select_related("attribute")}
    assert values == {
        "Population": Decimal("1.2"),
        "Study period": "2020–21",
        "Fieldwork": date(2020, 9, 1),
        "Capital": False,
    }


def test_case_with_bad_attribute_value_writes_nothing(client_for, owner, project):
    attributes = make_attributes(project)
    response = client_for(owner).post(
        url("cases:case_create", project), {"name": "City Y", f"attr_{attributes['population'].pk}": "many"}
    )
    assert response.status_code == 400
    assert "Enter a number." in response.text
    assert not Case.objects.filter(name="City Y").exists()


def test_duplicate_case_name_is_refused(client_for, owner, project, case):
    response = client_for(owner).post(url("cases:case_create", project), {"name": "city x"})
    assert response.status_code == 400
    assert "already has a case with that name" in response.text
    assert project.cases.count() == 1


def test_editing_a_case_clears_an_emptied_attribute(client_for, owner, project, case):
    attributes = make_attributes(project)
    value = CaseAttributeValue(case=case, attribute=attributes["population"])
    value.set_value(Decimal(10))
    value.save()
    client_for(owner).post(
        url("cases:case_edit", project, case_id=case.pk),
        {"name": "City X", f"attr_{attributes['population'].pk}": ""},
    )
    assert not case.attribute_values.exists()


def test_case_list_shows_attributes_and_transcript_counts_in_fixed_queries(
    client_for, owner, project, django_assert_num_queries
):
    attributes = make_attributes(project)
    for n in range(4):
        case = CaseFactory(project=project)
        TranscriptFactory.create_batch(n, case=case)
        value = CaseAttributeValue(case=case, attribute=attributes["population"])
        value.set_value(Decimal(n))
        value.save()
    client = client_for(owner)
    with django_assert_num_queries(7):  # session, user, membership, cases, values, attributes ×2
        response = client.get(url("cases:case_list", project))
    assert response.status_code == 200
    assert "Population" in response.text


def test_case_page_lists_its_transcripts(client_for, viewer, project, transcript):
    response = client_for(viewer).get(url("cases:case_detail", project, case_id=transcript.case_id))
    assert transcript.title in response.text


def test_delete_case_removes_its_transcripts(client_for, owner, project, transcript):
    response = client_for(owner).get(url("cases:case_delete", project, case_id=transcript.case_id))
    assert "1 transcript" in response.text
    client_for(owner).post(url("cases:case_delete", project, case_id=transcript.case_id))
    assert not Transcript.objects.filter(pk=transcript.pk).exists()


def test_case_of_another_project_is_404(client_for, owner, project):
    foreign = CaseFactory()
    response = client_for(owner).get(url("cases:case_detail", project, case_id=foreign.pk))
    assert response.status_code == 404


def test_transcript_cannot_be_moved_to_another_projects_case(client_for, coder, project, transcript):
    foreign = CaseFactory()
    response = client_for(coder).post(
        url("cases:transcript_edit", project, transcript_id=transcript.pk),
        {"case": foreign.pk, "title": "Moved"},
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    transcript.refresh_from_db()
    assert transcript.case_id != foreign.pk and transcript.title != "Moved"


def test_coder_edits_transcript_metadata(client_for, coder, project, transcript):
    response = client_for(coder).post(
        url("cases:transcript_edit", project, transcript_id=transcript.pk),
        {
            "case": transcript.case_id,
            "title": "R07 — data manager",
            "respondent": "R07",
            "language": "zh-Hans",
        },
    )
    assert response.status_code == 302
    transcript.refresh_from_db()
    assert (transcript.title, transcript.respondent, transcript.language) == (
        "R07 — data manager",
        "R07",
        "zh-Hans",
    )


def test_transcript_page_numbers_paragraphs(client_for, viewer, project, transcript):
    response = client_for(viewer).get(url("cases:transcript_detail", project, transcript_id=transcript.pk))
    assert 'id="p4"' in response.text
    assert "When the mayor pushes" in response.text


def test_deleting_a_coded_transcript_needs_confirmation(client_for, owner, project, transcript):
    CodingFactory(segment=SegmentFactory(transcript=transcript))
    target = url("cases:transcript_delete", project, transcript_id=transcript.pk)
    response = client_for(owner).get(target)
    assert "1 coding on this transcript will be deleted" in response.text
    client_for(owner).post(target)
    assert Transcript.objects.filter(pk=transcript.pk).exists()
    client_for(owner).post(target, {"confirm": "yes"})
    assert not Transcript.objects.filter(pk=transcript.pk).exists()


def test_original_file_is_downloadable_by_members_and_removed_with_the_transcript(
    client_for, viewer, owner, project, transcript
):
    transcript.original.save("interview.txt", ContentFile(b"Interviewer: hello"), save=False)
    transcript.original_name = "interview R01.txt"
    transcript.save()
    path = transcript.original.path
    response = client_for(viewer).get(url("cases:transcript_original", project, transcript_id=transcript.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"Interviewer: hello"
    assert 'filename="interview R01.txt"' in response["Content-Disposition"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        client_for(owner).post(url("cases:transcript_delete", project, transcript_id=transcript.pk))
    assert not os.path.exists(path)


def test_transcript_without_original_is_404(client_for, viewer, project, transcript):
    response = client_for(viewer).get(url("cases:transcript_original", project, transcript_id=transcript.pk))
    assert response.status_code == 404


def test_attribute_name_clash_is_refused(client_for, owner, project):
    Attribute.objects.create(project=project, applies_to="case", name="Population", kind="number")
    response = client_for(owner).post(
        url("cases:attributes", project), {"name": "population", "applies_to": "case", "kind": "text"}
    )
    assert response.status_code == 400
    assert project.attributes.count() == 1
