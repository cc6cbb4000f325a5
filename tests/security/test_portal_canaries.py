"""C10 canary scan for the portal: a real `corridor serve` takes a request, a message, a
team reply and an answer, each carrying a canary, and the verifier accepts the request into
a case (carrying every answer over); afterwards the canary is on no file
of the data directory (databases, WAL, key store, logs), in no task row and in no
session row, and neither is the codename."""

from __future__ import annotations

import base64
import http.cookiejar
import json
import os
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django_otp.oath import totp

from tests.canaries import canary_forms, find_canary
from tests.processes import corridor_env, installed_data_dir, run_corridor, serving

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        "DATABASE_URL" in os.environ, reason="scans the SQLite files of the data directory"
    ),
]
PORTAL_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
STAFF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODENAME = re.compile(r'id="codename">([^<]+)<')
# The inbox links each request by its reference; its sealed page opens it by id.
REQUEST_LINK = re.compile(r'href="(/requests/RQ-[0-9A-Z]{4}-[0-9A-Z]{4}/)"')
OPEN_ACTION = re.compile(r'action="(/requests/[0-9a-f-]{36}/)(?:open|decide)/"')
CASE_REF = re.compile(r"is now case CR-[0-9A-Z]{4}-[0-9A-Z]{4}")


class Browser:
    """urllib with its own cookie jar; follows redirects like a browser does."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(self.base + path))  # noqa: S310 - loopback

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))  # noqa: S310

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        request.add_header("Host", "localhost")
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.geturl(), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode()


def staff_login(base: str, data_dir: Path, role: str) -> Browser:
    account = next(
        a
        for a in json.loads((data_dir / "demo.json").read_text(encoding="utf-8"))["accounts"]
        if a["role"] == role
    )
    staff = Browser(base)
    _, _, page = staff.get("/")
    staff.post(
        "/",
        {
            "username": account["username"],
            "password": account["password"],
            "csrfmiddlewaretoken": STAFF_TOKEN.search(page).group(1),
        },
    )
    _, _, page = staff.get("/login/verify/")
    secret = account["totp_secret"] + "=" * (-len(account["totp_secret"]) % 8)
    code = f"{totp(base64.b32decode(secret), step=30, t0=0, digits=6):06d}"
    status, url, page = staff.post(
        "/login/verify/", {"code": code, "csrfmiddlewaretoken": STAFF_TOKEN.search(page).group(1)}
    )
    assert status == 200, page[:500]
    assert url.endswith("/"), page[:500]
    return staff


def rows_of(database: Path, *tables: str) -> str:
    with sqlite3.connect(database) as connection:
        return repr(
            [connection.execute(f"SELECT * FROM {t}").fetchall() for t in tables]  # noqa: S608
        )


def test_portal_traffic_leaves_no_canary_and_no_codename_on_disk(tmp_path, canary, seed_root):
    data_dir = installed_data_dir(tmp_path / "data", seed_root, demo=True)
    env = corridor_env(data_dir)
    with serving(env) as (base, log):
        person = Browser(base)
        _, _, page = person.get("/help/")
        status, url, page = person.post(
            "/help/",
            {
                "form_token": PORTAL_TOKEN.search(page).group(1),
                "story": f"История {canary}",
                "region": f"Регион {canary}",
                "name_to_use": f"Имя {canary}",
                "safe_contact": f"Контакт {canary}",
                "if_someone_else": f"Ответ {canary}",
                "urgency": "now",
            },
        )
        assert status == 200, page[:500]
        assert url.endswith("/help/codename/"), page[:500]
        codename = CODENAME.search(page).group(1)
        person.post("/help/codename/skip/", {"form_token": PORTAL_TOKEN.search(page).group(1)})
        _, _, page = person.get("/help/thread/")
        status, _, page = person.post(
            "/help/thread/",
            {"form_token": PORTAL_TOKEN.search(page).group(1), "message": f"Письмо {canary}"},
        )
        assert status == 200
        assert f"Письмо {canary}" in page

        verifier = staff_login(base, data_dir, "verifier")
        _, _, inbox = verifier.get("/requests/")
        # The demo has requests of its own: open each until this person's is found.
        for link in dict.fromkeys(REQUEST_LINK.findall(inbox)):
            _, _, page = verifier.get(link)
            by_id = OPEN_ACTION.search(page)
            if by_id is None:
                continue  # neither to open nor to decide: not the new request
            detail = by_id.group(1)
            token = STAFF_TOKEN.search(page).group(1)
            verifier.post(f"{detail}open/", {"csrfmiddlewaretoken": token})
            _, _, page = verifier.get(detail)
            if f"История {canary}" in page:
                break
        assert f"История {canary}" in page
        assert f"Письмо {canary}" in page
        status, _, page = verifier.post(
            detail,
            {
                "text": f"Ответ команды {canary}",
                "csrfmiddlewaretoken": STAFF_TOKEN.search(page).group(1),
            },
        )
        assert status == 200

        later = Browser(base)
        _, _, page = later.get("/help/enter/")
        status, url, page = later.post(
            "/help/enter/", {"form_token": PORTAL_TOKEN.search(page).group(1), "codename": codename}
        )
        assert url.endswith("/help/thread/")
        assert f"Ответ команды {canary}" in page
        later.post(
            "/help/thread/",
            {"form_token": PORTAL_TOKEN.search(page).group(1), "message": f"Спасибо {canary}"},
        )

        # Screened, then accepted: every answer is carried into the new case, sealed.
        screening = run_corridor("worker", "--burst", env=env)
        assert screening.returncode == 0, screening.stderr
        _, _, page = verifier.get(detail)
        status, _, page = verifier.post(
            f"{detail}decide/",
            {
                "outcome": "accept",
                "methods": "call_held",
                "csrfmiddlewaretoken": STAFF_TOKEN.search(page).group(1),
            },
        )
        assert status == 200, page[:500]
        # Accepted: the verifier is back in the inbox, told the new case's reference.
        assert CASE_REF.search(page), page[:2000]
    worker = run_corridor("worker", "--burst", env=env)
    assert worker.returncode == 0, worker.stderr

    assert log.exists()
    assert find_canary(data_dir, canary) == []
    assert find_canary(data_dir, codename) == []
    database = data_dir / "corridor.sqlite3"
    rows = rows_of(
        database,
        "django_tasks_database_dbtaskresult",
        "django_session",
        "intake_requestersession",
        "audit_entry",
    )
    for secret in (canary, codename):
        assert not any(
            form.decode("latin-1") in rows for form in canary_forms(secret) if form.isascii()
        )
        assert secret not in rows
