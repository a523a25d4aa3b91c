"""Request bodies are bounded before they are read: MAX_REQUEST_MB and no chunked bodies."""

from django.urls import reverse


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
