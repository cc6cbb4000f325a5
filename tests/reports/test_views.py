"""The report pages: who opens them, both languages, asking to publish, downloading once
granted, and the never-publish list."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest
from django.test import Client

from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.reports.models import NeverPublish
from tests.accounts.helpers import form_token, log_in
from tests.factories import staff_with
from tests.reports.plain_caseload import PlainCase, insert_caseload

pytestmark = pytest.mark.django_db


def client_as(staff, language: str = "en") -> Client:
    client = Client()
    log_in(client, staff)
    client.cookies["corridor_language"] = language
    return client


def post(client: Client, path: str, data: dict, *, page: str):
    return client.post(path, {**data, "csrfmiddlewaretoken": form_token(client, page)})


@pytest.fixture
def caseload(frozen_today):
    insert_caseload([PlainCase(opened=date(2025, 2, 1), region="RU-CE") for _ in range(12)])
    insert_caseload([PlainCase(opened=date(2025, 8, 1), region="RU-DA") for _ in range(2)])


@pytest.mark.parametrize(
    ("role", "dashboard", "public", "never"),
    [
        (Role.COORDINATOR, 200, 200, 200),
        (Role.AUDITOR, 200, 200, 403),
        (Role.CASEWORKER, 403, 403, 403),
        (Role.ADMIN, 403, 403, 403),
        (Role.VERIFIER, 403, 403, 403),
    ],
)
def test_who_opens_the_report_pages(frozen_today, role, dashboard, public, never):
    client = client_as(staff_with(role))
    assert client.get("/reports/").status_code == dashboard
    assert client.get("/reports/public/").status_code == public
    assert client.get("/reports/never-publish/").status_code == never


@pytest.mark.parametrize(
    ("language", "words"), [("en", "Out of the danger region"), ("ru", "Вне опасного региона")]
)
def test_the_dashboard_in_both_languages(caseload, coordinator, language, words):
    page = client_as(coordinator, language).get("/reports/").content.decode()
    assert f'<html lang="{language}">' in page
    assert words in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert "Time to first response" in page or language == "ru"


def test_a_bad_period_is_explained_not_a_crash(caseload, coordinator):
    client = client_as(coordinator)
    response = client.get("/reports/?period=2025-13")
    assert response.status_code == 400
    assert "2025Q3" in response.content.decode()
    response = client.get("/reports/public/?period=2026Q4")
    assert response.status_code == 400
    assert "too recent" in response.content.decode()


def test_the_public_preview_hides_small_counts(caseload, coordinator):
    page = client_as(coordinator).get("/reports/public/?period=2025").content.decode()
    assert "not shown" in page
    assert "RU-CE" in page
    assert "RU-DA" not in page


def test_an_auditor_sees_but_cannot_ask_to_publish(caseload):
    auditor = client_as(staff_with(Role.AUDITOR))
    page = auditor.get("/reports/public/").content.decode()
    assert "Ask to publish" not in page
    response = post(
        auditor,
        "/reports/exports/",
        {"scope": "public", "format": "csv", "language": "en", "period": "2025", "k": "5"},
        page="/reports/public/",
    )
    assert response.status_code == 403
    assert not Approval.objects.exists()


def test_ask_grant_download(caseload, coordinator):
    """A coordinator asks, a second grants, the first downloads once; the log has the hash."""
    first = client_as(coordinator)
    response = post(
        first,
        "/reports/exports/",
        {"scope": "public", "format": "csv", "language": "en", "period": "2025", "k": "5"},
        page="/reports/public/",
    )
    assert response.status_code == 302
    approval = Approval.objects.get(kind=ApprovalKind.PUBLISH_REPORT)
    assert (approval.target_id, approval.payload) == (
        "2025",
        {"format": "csv", "language": "en", "k": 5},
    )
    second = client_as(staff_with(Role.COORDINATOR))
    post(second, f"/approvals/{approval.pk}/grant/", {}, page="/approvals/")
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.GRANTED
    assert "Download" in first.get("/reports/public/").content.decode()
    refused = post(second, f"/reports/exports/{approval.pk}/download/", {}, page="/reports/public/")
    assert refused.status_code == 302
    download = post(first, f"/reports/exports/{approval.pk}/download/", {}, page="/reports/public/")
    assert download.status_code == 200
    assert (
        download["Content-Disposition"] == 'attachment; filename="corridor-public-report-2025.csv"'
    )
    assert download["Content-Type"].startswith("text/csv")
    body = download.content
    assert body.startswith(b"table,row,column,value")
    event = AuditEntry.objects.get(event_type=EventType.REPORT_EXPORTED.value)
    assert json.loads(event.detail)["sha256"] == hashlib.sha256(body).hexdigest()
    again = post(first, f"/reports/exports/{approval.pk}/download/", {}, page="/reports/public/")
    assert again.status_code == 302


def test_asking_for_an_internal_export(caseload, coordinator):
    client = client_as(coordinator)
    post(
        client,
        "/reports/exports/",
        {"scope": "internal", "format": "pdf", "language": "ru", "period": ""},
        page="/reports/",
    )
    approval = Approval.objects.get(kind=ApprovalKind.EXPORT_INTERNAL_REPORT)
    assert (approval.target_id, approval.payload) == ("all", {"format": "pdf", "language": "ru"})
    bad = post(
        client, "/reports/exports/", {"scope": "internal", "format": "doc"}, page="/reports/"
    )
    assert bad.status_code == 302
    assert Approval.objects.count() == 1


def test_the_never_publish_list(caseload, coordinator):
    client = client_as(coordinator)
    page = "/reports/never-publish/"
    assert (
        post(
            client, page, {"action": "mark", "kind": "country", "code": "de"}, page=page
        ).status_code
        == 302
    )
    assert "DE" in client.get(page).content.decode()
    wrong = post(client, page, {"action": "mark", "kind": "country", "code": "Germany"}, page=page)
    assert wrong.status_code == 400
    assert "two-letter" in wrong.content.decode()
    post(client, page, {"action": "clear", "kind": "country", "code": "DE"}, page=page)
    assert NeverPublish.objects.get().cleared_at is not None
    assert "Nothing is on the list." in client.get(page).content.decode()
