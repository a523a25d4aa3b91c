"""A transcript's Speakers page: recognition off and on, rename, merge, unmark; the text never moves."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Role, SpeakerLabel, Transcript
from cases.speakers import labels_around, labels_by_id, labels_of
from coding.models import Segment
from tests.cases.test_importers import interview_docx, word_document
from tests.coding.test_exports import export, rows
from tests.factories import CodingFactory, MembershipFactory, SegmentFactory, TranscriptFactory, UserFactory

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def speakers_url(transcript):
    return reverse("cases:transcript_speakers", args=[transcript.case.project_id, transcript.pk])


def names(transcript) -> list[str]:
    return [label.speaker for label in labels_of(transcript)]


@pytest.fixture
def uploaded(client_for, coder, project, case):
    """A Word interview uploaded by the coder: bold names declare its speakers."""
    upload = SimpleUploadedFile("Interview_07.docx", word_document(interview_docx), content_type=DOCX)
    response = client_for(coder).post(
        reverse("cases:transcript_upload_hx", args=[project.pk, case.pk]),
        {"files": [upload]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    return Transcript.objects.get(), response


def test_upload_result_lists_the_speakers_found_and_links_to_their_review(uploaded):
    transcript, response = uploaded
    html = response.content.decode()
    assert "Speakers: Interviewer (2), Ms Chen (2)." in html
    assert f'href="{speakers_url(transcript)}"' in html


def test_uploader_sees_every_label_with_its_paragraph(
    client_for, coder, uploaded, django_assert_max_num_queries
):
    transcript, _ = uploaded
    client, url = client_for(coder), speakers_url(transcript)
    # session, user, membership, transcript, its labels, its coding count: any number of labels
    with django_assert_max_num_queries(6):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<b class="speaker">Ms Chen:</b>' in html
    assert "Unmark all 2" in html


def test_another_coder_may_not_change_speakers_but_an_owner_may(client_for, project, owner, uploaded):
    transcript, _ = uploaded
    other = MembershipFactory(project=project, user=UserFactory(), role=Role.CODER).user
    assert client_for(other).get(speakers_url(transcript)).status_code == 403
    response = client_for(other).post(speakers_url(transcript), {"action": "off"})
    assert response.status_code == 403
    assert SpeakerLabel.objects.count() == 4
    assert client_for(owner).get(speakers_url(transcript)).status_code == 200


def test_rename_changes_the_name_shown_not_the_text_nor_any_quotation(client_for, coder, uploaded):
    transcript, _ = uploaded
    text = transcript.text
    start = text.index("The bureau")
    segment = SegmentFactory(transcript=transcript, start=start, end=start + 10, quote="The bureau")
    CodingFactory(segment=segment, coder=coder)
    response = client_for(coder).post(
        speakers_url(transcript), {"action": "rename", "speaker": "Ms Chen", "to": "  Respondent  01 "}
    )
    assert response.status_code == 302
    assert names(transcript) == ["Interviewer", "Respondent 01", "Interviewer", "Respondent 01"]
    transcript.refresh_from_db()
    segment.refresh_from_db()
    assert transcript.text == text and (segment.start, segment.end) == (start, start + 10)
    workspace = client_for(coder).get(
        reverse("coding:workspace", args=[transcript.case.project_id, transcript.pk])
    )
    assert 'data-speaker="Respondent 01" class="speaker">Ms Chen:</b>' in workspace.content.decode()


def test_export_names_the_renamed_speaker(client_for, coder, uploaded, project):
    transcript, _ = uploaded
    start = transcript.text.index("The bureau")
    CodingFactory(segment=SegmentFactory(transcript=transcript, start=start, end=start + 10), coder=coder)
    client = client_for(coder)
    client.post(speakers_url(transcript), {"action": "rename", "speaker": "Ms Chen", "to": "Chen Li"})
    content, _ = export(client, project)
    assert [row["speaker"] for row in rows(content)] == ["Chen Li"]


def test_merge_names_one_speaker_with_another(client_for, coder, uploaded):
    transcript, _ = uploaded
    client_for(coder).post(
        speakers_url(transcript), {"action": "rename", "speaker": "Interviewer", "to": "Ms Chen"}
    )
    assert names(transcript) == ["Ms Chen"] * 4


def test_unmark_one_label_or_every_label_of_a_speaker(client_for, coder, uploaded):
    transcript, _ = uploaded
    client = client_for(coder)
    first = transcript.speaker_labels.order_by("start").first()
    assert client.post(speakers_url(transcript), {"action": "unmark", "label": first.pk}).status_code == 302
    assert names(transcript) == ["Ms Chen", "Interviewer", "Ms Chen"]
    client.post(speakers_url(transcript), {"action": "unmark", "speaker": "Ms Chen"})
    assert names(transcript) == ["Interviewer"]


def test_recognition_off_removes_every_label_and_on_finds_the_declared_ones_again(
    client_for, coder, uploaded
):
    transcript, _ = uploaded
    text = transcript.text
    client = client_for(coder)
    client.post(speakers_url(transcript), {"action": "off"})
    transcript.refresh_from_db()
    assert names(transcript) == [] and not transcript.speakers_recognised
    assert "Speaker recognition is off" in client.get(speakers_url(transcript)).content.decode()
    client.post(speakers_url(transcript), {"action": "on"})
    transcript.refresh_from_db()
    # "Interviewer" is bold without a colon: only the original file says it is a label.
    assert names(transcript) == ["Interviewer", "Ms Chen", "Interviewer", "Ms Chen"]
    assert transcript.speakers_recognised and transcript.text == text


def test_recognition_on_without_an_original_reads_the_text(client_for, owner, transcript):
    client_for(owner).post(speakers_url(transcript), {"action": "off"})
    client_for(owner).post(speakers_url(transcript), {"action": "on"})
    assert names(transcript) == ["Interviewer", "R01", "Interviewer", "R01"]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"action": "rename", "speaker": "Ms Chen", "to": "   "}, "Give the speaker a name."),
        (
            {"action": "rename", "speaker": "Nobody", "to": "X"},
            "Choose one of this transcript&#x27;s speakers.",
        ),
        ({"action": "unmark", "label": 999999}, "That label is not in this transcript any more."),
        ({"action": "explode"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_in_one_sentence_and_nothing_changes(client_for, coder, uploaded, data, error):
    transcript, _ = uploaded
    response = client_for(coder).post(speakers_url(transcript), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert names(transcript) == ["Interviewer", "Ms Chen", "Interviewer", "Ms Chen"]


def test_a_label_of_another_transcript_cannot_be_unmarked_here(client_for, owner, uploaded, transcript):
    other, _ = uploaded
    label = other.speaker_labels.first()
    response = client_for(owner).post(speakers_url(transcript), {"action": "unmark", "label": label.pk})
    assert response.status_code == 400
    assert SpeakerLabel.objects.filter(pk=label.pk).exists()


def test_migration_labels_transcripts_imported_before_labels_were_stored(case):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cases.migrations.0003_speaker_labels")
    old = (
        "## 授權\n\nlicense: CC BY 4.0\n\n訪談員：資料屬於誰？\n\n受訪者：各機關都認為是自己的。\n\n"
        "訪談員：為什麼？\n\n受訪者：因為法規沒有寫清楚。"
    )
    transcript = Transcript.objects.create(case=case, title="Imported in 2025", text=old)
    migration.label_existing(apps, None)
    transcript.refresh_from_db()
    assert transcript.text == old
    assert names(transcript) == ["訪談員", "受訪者", "訪談員", "受訪者"]


def test_transcript_page_links_to_speakers_for_those_who_may_change_them(
    client_for, owner, viewer, transcript
):
    url = speakers_url(transcript)
    assert f'href="{url}"' in client_for(owner).get(transcript.get_absolute_url()).content.decode()
    assert f'href="{url}"' not in client_for(viewer).get(transcript.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_labels_around_each_offset_are_named_by_the_query_of_the_offsets(django_assert_num_queries):
    text = "A: one.\n\nB: two.\n\nA: three.\n\nB: four.\n\nA: five."
    transcript = TranscriptFactory(text=text)
    other = TranscriptFactory(case=transcript.case, text=text)
    SpeakerLabel.objects.all().delete()  # whatever the factory recognised: these labels instead
    for each in (transcript, other):
        SpeakerLabel.objects.bulk_create(
            SpeakerLabel(transcript=each, start=start, end=start + 2, speaker=text[start])
            for start in (0, 9, 18, 29, 39)
        )
    SegmentFactory(transcript=transcript, start=text.index("two"), end=text.index("two") + 3)
    SegmentFactory(transcript=other, start=text.index("five"), end=len(text))
    before, after = labels_around(transcript="transcript_id", offset="start")
    with django_assert_num_queries(2):
        rows = list(Segment.objects.order_by("pk").values_list("transcript_id", before, after))
        labels = labels_by_id(pk for _, *pair in rows for pk in pair if pk is not None)
    named = [[labels[pk].start if pk else None for pk in pair] for _, *pair in rows]
    assert named == [[9, 18], [39, None]]  # B before "two", A after it; the last A, nothing after it
    assert labels_by_id([]) == {}
