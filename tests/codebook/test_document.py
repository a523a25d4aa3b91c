"""The codebook document: a printable page and a DOCX with every code's definition, criteria and example."""

import io

import pytest
from django.urls import reverse
from docx import Document

from codebook.models import CodeRelation
from codebook.seeding import seed_framework
from tests.factories import CodeFactory


@pytest.fixture
def codebook(project):
    seed_framework(project=project, framework="ior")
    odd = CodeFactory(
        project=project, name="Pasted\x0b name", definition="Text with a control\x01 character."
    )
    CodeRelation.objects.create(
        project=project, source=odd, target=project.codes.get(name="Tension"), kind="is a trigger of"
    )
    return project


def test_printable_page_holds_every_code_numbered_with_its_criteria(
    client_for, viewer, codebook, django_assert_max_num_queries
):
    client = client_for(viewer)
    with django_assert_max_num_queries(6):  # session, user, membership, codes, relations, memos
        response = client.get(reverse("codebook:document", args=[codebook.pk]))
    text = response.text.replace("&#x27;", "'")
    assert response.status_code == 200
    assert "@media print" not in text and "css/codebook.css" in text  # print rules live in the stylesheet
    for code in codebook.codes.all():
        assert code.name.replace("'", "'") in text or "\x0b" in code.name
    assert '<span class="number">3.2</span>Tension' in text
    data_ownership = codebook.codes.get(name="Data ownership")
    assert data_ownership.inclusion[:50] in text and data_ownership.example[:50] in text
    assert "is cause of “Symbiosis”" in text
    assert "Zhou, L., Hu, J. and Xu, J. (2022)" in text  # the framework's citation


def test_docx_holds_every_code_and_survives_control_characters(
    client_for, viewer, codebook, django_assert_max_num_queries
):
    client = client_for(viewer)
    with django_assert_max_num_queries(7):  # and the access log's row
        response = client.get(reverse("codebook:document_docx", args=[codebook.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == 'attachment; filename="codebook-interagency-data-sharing.docx"'
    document = Document(io.BytesIO(response.content))
    paragraphs = [paragraph.text for paragraph in document.paragraphs]
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "■ 2.4 Data ownership" in headings
    assert any(text.startswith("Definition: Text with a control character.") for text in paragraphs)
    assert any(text.startswith("Apply when: ") for text in paragraphs)
    assert "Relations: is a trigger of “Tension”" in paragraphs
    assert len([h for h in headings if h.startswith("■ ")]) == codebook.codes.count()


def test_empty_codebook_document(client_for, viewer, project):
    response = client_for(viewer).get(reverse("codebook:document", args=[project.pk]))
    assert "The codebook is empty." in response.text
    docx = client_for(viewer).get(reverse("codebook:document_docx", args=[project.pk]))
    assert docx.status_code == 200
