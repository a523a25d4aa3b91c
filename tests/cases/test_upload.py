"""Uploading transcripts into a case: batch and one-by-one, all or nothing per file."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from cases.importing.uploads import Metadata, import_upload
from cases.models import Transcript
from cases.speakers import store_recognised
from tests.cases.test_importers import text_pdf

INTERVIEW = "Interviewer: Who owns the data?\n\nR01: The bureau says the data belong to it.\n"
CHINESE = "访谈者：数据归谁所有？\n\n受访者：各部门都认为数据是自己的。"


def upload_url(project, case, one=False):
    name = "cases:transcript_upload_hx" if one else "cases:transcript_upload"
    return reverse(name, args=[project.pk, case.pk])


def text_file(name: str, text: str, encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/plain")


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def test_coder_uploads_a_batch_and_each_file_becomes_a_transcript(client_for, coder, project, case, settings):
    response = client_for(coder).post(
        upload_url(project, case),
        {
            "files": [
                text_file("City_X-interview_03.txt", INTERVIEW),
                text_file("x_zh.txt", CHINESE, "gb18030"),
            ],
            "language": "en",
            "respondent_role": "public servant",
            "interview_date": "2021-05-04",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    first, second = Transcript.objects.filter(case=case).order_by("pk")
    assert first.title == "City X-interview 03"
    assert first.text == INTERVIEW.strip()
    assert (first.language, first.respondent_role, str(first.interview_date)) == (
        "en",
        "public servant",
        "2021-05-04",
    )
    assert first.created_by == coder
    assert first.original_name == "City_X-interview_03.txt"
    assert first.original.read() == INTERVIEW.encode()
    assert second.text == CHINESE
    assert len(stored_files(settings)) == 2


def test_a_bad_file_is_refused_and_the_good_ones_are_kept(client_for, coder, project, case, settings):
    junk = SimpleUploadedFile("notes.docx", b"this is not a word document at all")
    response = client_for(coder).post(
        upload_url(project, case), {"files": [text_file("a.txt", INTERVIEW), junk]}, follow=True
    )
    assert list(Transcript.objects.values_list("title", flat=True)) == ["a"]
    shown = [str(message) for message in response.context["messages"]]
    assert "Imported “a.txt”; speakers: Interviewer (1), R01 (1)." in shown
    assert any(message.startswith("Not imported: “notes.docx”") for message in shown)
    assert len(stored_files(settings)) == 1


def test_when_every_file_is_refused_the_form_shows_why_and_nothing_is_stored(
    client_for, coder, project, case, settings
):
    response = client_for(coder).post(
        upload_url(project, case), {"files": [SimpleUploadedFile("scan.pdf", b"%PDF-1.4 broken")]}
    )
    assert response.status_code == 400
    assert "Refused: “scan.pdf”" in response.content.decode()
    assert not Transcript.objects.exists()
    assert stored_files(settings) == []


def test_no_file_chosen_is_a_clear_error(client_for, coder, project, case):
    response = client_for(coder).post(upload_url(project, case), {"language": "en"})
    assert response.status_code == 400
    assert "Choose at least one file." in response.content.decode()
    assert not Transcript.objects.exists()


def test_bad_date_is_a_clear_error_and_nothing_is_imported(client_for, coder, project, case):
    response = client_for(coder).post(
        upload_url(project, case), {"files": [text_file("a.txt", INTERVIEW)], "interview_date": "soon"}
    )
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert not Transcript.objects.exists()


def test_one_file_endpoint_answers_with_its_result_row(client_for, coder, project, case):
    client = client_for(coder)
    good = client.post(upload_url(project, case, one=True), {"files": text_file("a.txt", INTERVIEW)})
    assert good.status_code == 200
    transcript = Transcript.objects.get()
    assert f'href="{transcript.get_absolute_url()}"' in good.content.decode()
    assert "<html" not in good.content.decode()

    bad = client.post(
        upload_url(project, case, one=True), {"files": SimpleUploadedFile("b.txt", bytes(range(256)) * 8)}
    )
    assert bad.status_code == 400
    assert "Refused: “b.txt”" in bad.content.decode()
    assert Transcript.objects.count() == 1


def test_oversized_file_is_refused_before_it_is_read(client_for, coder, project, case, settings):
    settings.MAX_UPLOAD_MB = 1
    big = text_file("long.txt", "word " * 300_000)
    response = client_for(coder).post(upload_url(project, case, one=True), {"files": big})
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.content.decode()
    assert not Transcript.objects.exists()
    assert stored_files(settings) == []


def test_encoding_override_decodes_what_detection_cannot(client_for, coder, project, case):
    response = client_for(coder).post(
        upload_url(project, case, one=True),
        {"files": text_file("big5.txt", "受訪者：資料", "big5"), "encoding": "big5"},
    )
    assert response.status_code == 200
    assert Transcript.objects.get().text == "受訪者：資料"


def test_wrong_encoding_override_is_refused(client_for, coder, project, case):
    response = client_for(coder).post(
        upload_url(project, case, one=True), {"files": text_file("u.txt", CHINESE), "encoding": "big5"}
    )
    assert response.status_code == 400
    assert not Transcript.objects.exists()


def test_upload_into_another_projects_case_is_404(client_for, coder, project):
    from tests.factories import CaseFactory

    foreign = CaseFactory()
    response = client_for(coder).post(
        reverse("cases:transcript_upload", args=[project.pk, foreign.pk]), {"files": text_file("a.txt", "x")}
    )
    assert response.status_code == 404
    assert not Transcript.objects.exists()


def test_a_database_failure_leaves_no_file_behind(case, coder, settings, monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Transcript, "save", fail)
    with pytest.raises(IntegrityError):
        import_upload(case=case, upload=text_file("a.txt", INTERVIEW), user=coder, metadata=Metadata())
    assert stored_files(settings) == []
    # Nor the folders the upload made for it, which are named after the project.
    root = settings.MEDIA_ROOT
    assert not root.exists() or [path for path in root.rglob("*") if str(case.project_id) in str(path)] == []


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b"a" * 30_000_000 + b"/>")
    return buffer.getvalue()


REFUSALS = {
    "zip bomb": ("bomb.docx", zip_bomb, "looks like a damaged or malicious file"),
    "wrong content": (
        "photo.docx",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(2000),
        "does not look like a Word document (.docx); it looks like an image",
    ),
    "no text layer": ("scan.pdf", lambda: text_pdf("", ""), "has no text layer — run OCR first"),
    "empty": ("empty.txt", lambda: b"   \n\n  ", "holds no text"),
    "binary junk": ("junk.txt", lambda: bytes(range(256)) * 64, "does not look like a text file"),
}


@pytest.mark.parametrize("kind", REFUSALS)
def test_each_refusal_says_why_and_leaves_nothing_behind(kind, client_for, coder, project, case, settings):
    name, build, reason = REFUSALS[kind]
    response = client_for(coder).post(
        upload_url(project, case, one=True), {"files": SimpleUploadedFile(name, build())}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Refused: “{name}”" in html
    assert reason in html
    assert not Transcript.objects.exists()
    assert stored_files(settings) == []


def test_transcript_page_shows_speakers_and_numbered_paragraphs(client_for, viewer, project, case):
    transcript = Transcript.objects.create(case=case, title="T", text=INTERVIEW.strip())
    store_recognised(transcripts=[transcript])
    response = client_for(viewer).get(transcript.get_absolute_url())
    html = response.content.decode()
    assert '<b class="speaker" title="Interviewer">Interviewer:</b> Who owns the data?' in html
    assert '<b class="speaker" title="R01">R01:</b>' in html
    assert 'id="p2"' in html


def test_transcript_page_escapes_text(client_for, viewer, project, case):
    transcript = Transcript.objects.create(case=case, title="T", text="R01: <script>alert(1)</script>")
    html = client_for(viewer).get(transcript.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_upload_page_lists_accepted_formats(client_for, coder, project, case):
    html = client_for(coder).get(upload_url(project, case)).content.decode()
    assert 'accept=".txt,.md,.docx' in html
    assert 'enctype="multipart/form-data"' in html
