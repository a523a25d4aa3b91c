"""Originals in S3-compatible object storage, over the S3 protocol against moto's standalone server: upload,
download, deletion and the crash cleanup all go through Django's storage API."""

import socket

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.storage_cleanup import clean
from config.settings import s3_storage

BUCKET = "crosscase-originals"
KEYS = {"S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing", "S3_REGION": "us-east-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings, monkeypatch):
    for name, value in {**KEYS, "S3_ENDPOINT_URL": s3_endpoint}.items():
        monkeypatch.setenv(name, value)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(BUCKET)}
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_an_original_is_stored_downloaded_and_deleted_in_the_bucket(
    bucket, client_for, owner, project, case, django_capture_on_commit_callbacks
):
    assert default_storage.__class__.__name__ == "S3Storage"
    client = client_for(owner)
    content = b"Interviewer: Who owns the data?\nR07: The bureau says the records are ours alone.\n"
    upload = SimpleUploadedFile("interview_07.txt", content)
    client.post(reverse("cases:transcript_upload", args=[project.pk, case.pk]), {"files": [upload]})
    transcript = case.transcripts.get()
    assert keys(bucket) == [transcript.original.name]
    assert transcript.original.name.startswith(f"originals/{project.pk}/")

    download = client.get(reverse("cases:transcript_original", args=[project.pk, transcript.pk]))
    assert b"".join(download.streaming_content) == content

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the deletion commits
        client.post(reverse("cases:transcript_delete", args=[project.pk, transcript.pk]), {"confirm": "yes"})
    assert keys(bucket) == []


def test_the_cleanup_finds_an_orphan_in_the_bucket(bucket, project):
    from datetime import timedelta

    orphan = default_storage.save(f"originals/{project.pk}/abc/interview.docx", ContentFile(b"secret"))
    assert keys(bucket) == [orphan]
    assert clean(grace=timedelta(0)).originals == 1
    assert keys(bucket) == []
