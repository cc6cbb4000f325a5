"""Bad input gets the right status and a clear page: never a stack trace, never a 500."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    return Client(raise_request_exception=False)


def test_unknown_host_is_400_with_a_plain_page(client):
    """A Host header not in ALLOWED_HOSTS answers 400 with the error page."""
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "The request could not be understood" in response.content.decode()
    assert "ALLOWED_HOSTS" not in response.content.decode()


def test_declared_oversized_body_is_413(client):
    """A body declared over the limit is refused with 413 before it is read."""
    response = client.generic(
        "POST", "/", "x" * 16, content_type="text/plain", CONTENT_LENGTH=str(10 * 1024 * 1024)
    )
    assert response.status_code == 413
    assert "too large" in response.content.decode()


def test_form_body_over_the_memory_limit_is_413(client):
    """A form over DATA_UPLOAD_MAX_MEMORY_SIZE is 413 too, not a generic 400."""
    csrf = Client(enforce_csrf_checks=False, raise_request_exception=False)
    response = csrf.post("/", {"username": "a" * (300 * 1024), "password": "x"})
    assert response.status_code == 413


def test_missing_csrf_token_is_403_saying_how_to_recover():
    """A form posted without its token is 403 with instructions, not a stack trace."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "This form has expired" in body
    assert "reload the page" in body


@pytest.mark.parametrize(
    "query", ["?%ff%fe", "?a=%00", "?" + "a=1&" * 500, "?next=%E0%A4%A", "?lang=../../etc"]
)
def test_malformed_query_strings_do_not_break_pages(client, query):
    """Odd or hostile query strings still give the normal page."""
    response = client.get("/" + query)
    assert response.status_code == 200


def test_malformed_multipart_is_400(client):
    """A multipart body with a broken boundary is a 400 page."""
    response = client.generic(
        "POST", "/", b"--broken\r\nnonsense", content_type="multipart/form-data; boundary="
    )
    assert response.status_code in (400, 403)
    assert b"Traceback" not in response.content


def test_wrong_method_is_405(client):
    """GET on a POST-only URL is 405."""
    assert client.get("/logout/").status_code == 405


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PUT", "DELETE"])
def test_unusual_methods_are_refused(client, method):
    """TRACE, OPTIONS, PUT and DELETE are refused on pages (ASVS 4.1.4)."""
    assert client.generic(method, "/").status_code == 405
