"""The never-publish list and exports: checks, the two-person gate, the audit log's hash."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import pytest

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.models import AuditEntry
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.reports import services
from corridor.reports.models import NeverPublish
from corridor.reports.selectors.marks import never_publish_codes
from tests.factories import staff_with
from tests.reports.conftest import TODAY
from tests.reports.figures_2017 import insert_2017_caseload

pytestmark = pytest.mark.django_db


def events(kind: EventType) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event_type=kind.value).order_by("seq"))


def detail(entry: AuditEntry) -> dict:
    return json.loads(entry.detail)


def test_marking_and_clearing_is_audited(coordinator):
    services.mark_never_publish(actor=coordinator, kind="country", code=" fr ")
    services.mark_never_publish(actor=coordinator, kind="route", code="DE-Family-Reunion")
    assert never_publish_codes().countries == {"FR"}
    assert never_publish_codes().routes == {"de-family-reunion"}
    with pytest.raises(InvalidInput, match="already"):
        services.mark_never_publish(actor=coordinator, kind="country", code="FR")
    services.clear_never_publish(actor=coordinator, kind="country", code="FR")
    assert never_publish_codes().countries == frozenset()
    with pytest.raises(InvalidInput, match="not on"):
        services.clear_never_publish(actor=coordinator, kind="country", code="FR")
    services.mark_never_publish(actor=coordinator, kind="country", code="FR")
    marked = events(EventType.NEVER_PUBLISH_MARKED)
    assert [detail(e) for e in marked] == [
        {"kind": "country", "code": "FR"},
        {"kind": "route", "code": "de-family-reunion"},
        {"kind": "country", "code": "FR"},
    ]
    assert marked[0].actor == coordinator.actor_id
    assert len(events(EventType.NEVER_PUBLISH_CLEARED)) == 1
    assert NeverPublish.objects.count() == 3


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("country", "FRA"),
        ("country", "F1"),
        ("route", "x"),
        ("route", "de humanitarian"),
        ("city", "DE"),
    ],
)
def test_bad_marks_are_refused(coordinator, kind, code):
    with pytest.raises(InvalidInput):
        services.mark_never_publish(actor=coordinator, kind=kind, code=code)
    assert not NeverPublish.objects.exists()


def test_exports_are_checked():
    check = services.check_export
    export = check(scope="public", format="pdf", language="ru", today=TODAY)
    assert (export.target_id, export.k, export.filename) == (
        "2025",
        5,
        "corridor-public-report-2025.pdf",
    )
    assert check(scope="public", format="csv", period="2026Q1", k=9, today=TODAY).k == 9
    for wrong, message in [
        ({"format": "xlsx"}, "CSV, PDF or HTML"),
        ({"language": "de"}, "English or Russian"),
        ({"k": 4}, "only be raised"),
        ({"period": "2026Q2"}, "too recent"),
        ({"period": "2026-01"}, "2025Q3"),
    ]:
        arguments = {"scope": "public", "format": "csv", "language": "en", **wrong}
        with pytest.raises(InvalidInput, match=message):
            check(**arguments, today=TODAY)
    internal = check(scope="internal", format="html", today=TODAY)
    assert (internal.period, internal.target_id) == (None, "all")
    assert check(scope="internal", format="csv", period="2026Q4", today=TODAY).target_id == "2026Q4"
    with pytest.raises(InvalidInput, match="public report only"):
        check(scope="internal", format="csv", k=7, today=TODAY)


def test_the_minimum_k_follows_the_setting(settings):
    settings.CORRIDOR_REPORT_MIN_K = 10
    assert services.check_export(scope="public", format="csv", today=TODAY).k == 10
    with pytest.raises(InvalidInput, match="minimum is 10"):
        services.check_export(scope="public", format="csv", k=8, today=TODAY)


def test_publishing_from_the_web_needs_a_second_coordinator(coordinator):
    """Ask, be granted by someone else, download once; the audit log has the file's hash."""
    insert_2017_caseload()
    second = staff_with(Role.COORDINATOR)
    export = services.check_export(
        scope="public", format="csv", period="2017", today=date(2018, 8, 1)
    )
    approval = services.request_export(actor=coordinator, export=export)
    with pytest.raises(InvalidInput, match="no granted export"):
        services.export_with_approval(
            actor=coordinator, approval_id=str(approval.pk), today=date(2018, 8, 1)
        )
    with pytest.raises(approvals.ApprovalProblem):
        approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
    with pytest.raises(InvalidInput):
        services.export_with_approval(
            actor=second, approval_id=str(approval.pk), today=date(2018, 8, 1)
        )
    done, data = services.export_with_approval(
        actor=coordinator, approval_id=str(approval.pk), today=date(2018, 8, 1)
    )
    assert done == export
    assert data.startswith(b"table,row,column,value\r\n")
    (exported,) = events(EventType.REPORT_EXPORTED)
    assert detail(exported) == {
        "scope": "public",
        "format": "csv",
        "language": "en",
        "period": "2017",
        "k": 5,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "approval": str(approval.pk),
    }
    assert exported.actor == coordinator.actor_id
    assert Approval.objects.get(pk=approval.pk).status == ApprovalStatus.EXECUTED
    with pytest.raises(InvalidInput):
        services.export_with_approval(
            actor=coordinator, approval_id=str(approval.pk), today=date(2018, 8, 1)
        )
    assert len(events(EventType.REPORT_EXPORTED)) == 1


def test_only_coordinators_ask_and_no_emergency_path(caseworker, coordinator):
    export = services.check_export(scope="public", format="csv", today=TODAY)
    with pytest.raises(NotAllowed):
        services.request_export(actor=caseworker, export=export)
    with pytest.raises(NotAllowed):
        approvals.authorise(
            actor=coordinator,
            kind=ApprovalKind.PUBLISH_REPORT,
            target_type=export.target_type,
            target_id=export.target_id,
            payload=export.payload,
            emergency_reason="evacuation_night",
        )


def test_a_public_file_is_written_whole_and_its_hash_recorded(tmp_path):
    insert_2017_caseload()
    export = services.check_export(
        scope="public", format="csv", period="2017", today=date(2018, 8, 1)
    )
    target = tmp_path / "public.csv"
    digest = services.export_to_file(
        actor=staff_with(Role.COORDINATOR),
        export=export,
        output=target,
        today=date(2018, 8, 1),
    )
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest
    assert detail(events(EventType.REPORT_EXPORTED)[0])["sha256"] == digest
    assert [p.name for p in tmp_path.iterdir()] == ["public.csv"]


def test_a_failed_audit_write_leaves_no_file(tmp_path, monkeypatch, coordinator):
    """The file and its audit event go together: no event, no file."""
    export = services.check_export(scope="public", format="csv", today=TODAY)

    def refuse(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "record_event", refuse)
    with pytest.raises(RuntimeError):
        services.export_to_file(
            actor=coordinator, export=export, output=tmp_path / "x.csv", today=TODAY
        )
    assert list(tmp_path.iterdir()) == []


def test_the_internal_report_is_not_written_without_an_approval(tmp_path, coordinator):
    export = services.check_export(scope="internal", format="csv", today=TODAY)
    with pytest.raises(approvals.ApprovalProblem):
        services.export_to_file(
            actor=coordinator, export=export, output=tmp_path / "x.csv", today=TODAY
        )
    assert list(tmp_path.iterdir()) == []
    assert events(EventType.REPORT_EXPORTED) == []


def test_open_requests_list_pending_and_granted(coordinator):
    export = services.check_export(scope="internal", format="pdf", today=TODAY)
    approval = services.request_export(actor=coordinator, export=export)
    assert services.open_export_requests(coordinator) == [approval]
    assert services.export_from_approval(approval, today=TODAY) == export
