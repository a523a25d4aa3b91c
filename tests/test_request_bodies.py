"""Request bodies are bounded before they are read: MAX_REQUEST_MB (MAX_ARCHIVE_MB for a project archive),
and no chunked bodies."""

from django.urls import reverse

from tests.factories import UserFactory


def test_a_body_over_the_limit_is_refused_from_its_declared_length_before_it_is_read(client, settings, db):
    settings.MAX_REQUEST_MB = 1
    body = b"x" * 10  # the declared length is what is checked; nothing of a large body is read
    response = client.generic(
        "POST",
        reverse("account_login"),
        body,
        "application/octet-stream",
        CONTENT_LENGTH=str(300 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "larger than the 1 MB one submission may carry" in response.text
    assert response["Connection"] == "close"


def test_a_chunked_body_is_refused(client, db):
    response = client.post(reverse("account_login"), {"username": "x"}, HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 411


def test_a_malformed_length_is_refused(client, db):
    response = client.generic("POST", reverse("account_login"), b"", CONTENT_LENGTH="12abc")
    assert response.status_code == 413


def test_a_body_within_the_limit_goes_through(client, settings, db):
    settings.MAX_REQUEST_MB = 1
    response = client.post(reverse("account_login"), {"username": "x", "password": "y"})
    assert response.status_code == 200


def test_a_project_archive_may_be_larger_than_other_requests_but_is_bounded_too(client, settings, db):
    settings.MAX_REQUEST_MB, settings.MAX_ARCHIVE_MB = 1, 3
    user = UserFactory()
    client.force_login(user)
    url = reverse("qdpx:new")

    def declared(megabytes: int):
        body = b"x" * 10
        return client.generic(
            "POST", url, body, "application/octet-stream", CONTENT_LENGTH=str(megabytes << 20)
        )

    assert declared(2).status_code == 200  # past the middleware: the view finds no form in it
    refused = declared(4)
    assert refused.status_code == 413
    assert "This archive is larger than 3 MB, the limit for one project archive." in refused.text
    other = client.generic(
        "POST", reverse("cases:project_create"), b"x", "application/octet-stream", CONTENT_LENGTH=str(2 << 20)
    )
    assert other.status_code == 413 and "larger than the 1 MB one submission may carry" in other.text
