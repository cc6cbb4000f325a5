"""Helpers for tests of the requester portal and intake: cheap codename derivations, a
requester walking the portal with the Django test client, and reading raw rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

import pytest
from django.db import connection
from django.test import Client
from django.utils import translation

# Argon2id at its smallest: still the real function, so tests that count calls count it.
FAST_KDF = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
CODENAME = re.compile(r'<p class="codename" id="codename">([^<]+)</p>')
STORY = "Меня ищут родственники, нужна помощь"


@pytest.fixture
def fast_kdf(settings):
    settings.CORRIDOR_CODENAME_KDF = FAST_KDF
    return FAST_KDF


def ru(message: object) -> str:
    """A message as the Russian portal page shows it (HTML-escaped)."""
    with translation.override("ru"):
        return escape(str(message))


def token_of(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the page has no portal form token"
    return match.group(1)


@dataclass
class Requester:
    """A person using the portal through the test client (cookies kept between pages)."""

    client: Client = field(default_factory=Client)
    root: str = "/help/"

    def get(self, page: str = ""):
        return self.client.get(self.root + page)

    def post(self, page: str, data: dict[str, object], *, token_from: str | None = None):
        source = self.get(page if token_from is None else token_from).content.decode()
        return self.client.post(self.root + page, {"form_token": token_of(source), **data})

    def send_request(self, **answers: object):
        return self.post("", {"story": STORY, **answers})

    def codename(self) -> str:
        response = self.get("codename/")
        match = CODENAME.search(response.content.decode())
        assert match, response.content.decode()[:2000]
        return match.group(1)

    def write_and_get_codename(self, **answers: object) -> str:
        assert self.send_request(**answers).status_code == 303
        return self.codename()

    def enter(self, codename: str):
        return self.post("enter/", {"codename": codename})

    def say(self, text: str):
        return self.post("thread/", {"message": text})


def raw_rows(*tables: str) -> bytes:
    """Every row of `tables` as the database returns it, joined, for canary searches."""
    out = bytearray()
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed test table names
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        out += bytes(value)
                    elif value is not None:
                        out += str(value).encode("utf-8")
    return bytes(out)


INTAKE_TABLES = (
    "intake_request",
    "intake_message",
    "intake_codename",
    "intake_requestersession",
    "intake_throttlebucket",
    "intake_spentformtoken",
    "audit_entry",
    "django_session",
    "django_tasks_database_dbtaskresult",
)
