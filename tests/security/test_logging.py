"""Logs and error pages carry no request bodies, query strings, cookies or addresses."""

from __future__ import annotations

import io
import json
import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import path

from corridor.core.logging import JsonFormatter, ScrubFilter


def explode(request: HttpRequest) -> HttpResponse:
    raise ValueError(f"could not save {request.POST.get('story', '')}")


urlpatterns = [path("explode/", explode)]
handler500 = "corridor.core.errors.server_error"


@pytest.fixture
def json_log():
    """Capture what Corridor's handler would write for the root and django.request loggers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ScrubFilter())
    loggers = [logging.getLogger(), logging.getLogger("django.request")]
    for logger in loggers:
        logger.addHandler(handler)
    yield stream
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.mark.pure
def test_formatter_drops_request_exception_text_query_and_address(canary):
    """A record that carries a request, an exception quoting a value and an address is scrubbed."""
    request = RequestFactory().get(f"/search/?q={canary}", REMOTE_ADDR="203.0.113.9")
    try:
        raise ValueError(f"duplicate key value violates unique constraint DETAIL: ({canary})")
    except ValueError:
        record = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s from 203.0.113.9",
            (f"/search/?q={canary}",),
            None,
        )
        import sys

        record.exc_info = sys.exc_info()
    record.request = request
    ScrubFilter().filter(record)
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert canary not in line
    assert "203.0.113.9" not in line
    assert entry["exception"] == "ValueError"
    assert entry["message"] == "Internal Server Error: /search/?[removed] from [address]"
    assert any("test_logging.py" in frame for frame in entry["stack"])


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.security.test_logging")
def test_server_error_page_and_log_hold_no_canary(canary, json_log):
    """A view that fails while handling a canary shows a plain 500 page and logs no canary."""
    client = Client(raise_request_exception=False)
    response = client.post(f"/explode/?ref={canary}", {"story": canary})
    assert response.status_code == 500
    body = response.content.decode()
    assert canary not in body
    assert "Traceback" not in body
    assert "Something went wrong on our side" in body
    written = json_log.getvalue()
    assert "ValueError" in written  # the failure is logged ...
    assert canary not in written  # ... without what was sent


@pytest.mark.django_db
def test_login_form_canary_reaches_no_log_and_is_not_echoed_in_a_password_field(
    client, canary, json_log
):
    """A canary typed into the login form is never logged, and the password is not echoed."""
    response = client.post("/", {"username": "nobody", "password": canary})
    assert response.status_code == 401
    assert canary not in response.content.decode()
    assert canary not in json_log.getvalue()
