"""Writes of the reports app: the never-publish list, and exports, each in the audit log.

Publishing the public report from the web and exporting the internal one are
gated actions: a coordinator asks, a second coordinator grants, and only the
one who asked carries it out, once. Every export, gated or not (an operator's
`corridor report --public`), writes an audit event with the SHA-256 of the
exact bytes handed out, so a published file can later be matched to its event.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts import approvals
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, Staff
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.reports.charts import charts_off
from corridor.reports.internal import build_internal_document
from corridor.reports.layout import Document
from corridor.reports.models import NeverPublish, NeverPublishKind
from corridor.reports.periods import (
    PERIOD_INVALID,
    Period,
    check_public_period,
    latest_public_year,
    parse_period,
)
from corridor.reports.public import PublicReport, build_public_report
from corridor.reports.public_layout import public_document
from corridor.reports.rendering import (
    internal_csv,
    public_csv,
    render_html,
    render_pdf,
    sha256_hex,
    staged_file,
)

PUBLIC, INTERNAL = "public", "internal"
FORMATS = {"csv": "text/csv", "pdf": "application/pdf", "html": "text/html"}
LANGUAGES = ("en", "ru")
ALL_TIME = "all"

FORMAT_INVALID = _("Choose CSV, PDF or HTML.")
LANGUAGE_INVALID = _("Choose English or Russian.")
K_TOO_LOW = _("k can only be raised: the organisation's minimum is %(k)s.")
K_NOT_FOR_INTERNAL = _("k applies to the public report only.")
ROUTE_CODE_INVALID = _("A route is its catalog id, e.g. de-humanitarian-admission.")
COUNTRY_CODE_INVALID = _("A country is a two-letter ISO code, e.g. DE.")
KIND_INVALID = _("Choose a route or a country.")
ALREADY_MARKED = _("That is already on the never-publish list.")
NOT_MARKED = _("That is not on the never-publish list.")
NO_SUCH_EXPORT = _("There is no granted export request of yours with that id.")

for _kind in (ApprovalKind.PUBLISH_REPORT, ApprovalKind.EXPORT_INTERNAL_REPORT):
    approvals.register_gated_action(
        _kind,
        approvals.GatedAction(
            requester_roles=frozenset({Role.COORDINATOR}),
            approver_roles=frozenset({Role.COORDINATOR}),
            # A report is never so urgent that one person's word should release it.
            emergency_allowed=False,
        ),
    )
_ROUTE = re.compile(r"[a-z0-9][a-z0-9-]{1,59}")
_COUNTRY = re.compile(r"[A-Z]{2}")


@dataclass(frozen=True)
class Export:
    """What to export: checked, and the same fields an approval names."""

    scope: str
    format: str
    language: str
    period: Period | None
    k: int | None = None

    @property
    def kind(self) -> ApprovalKind:
        if self.scope == PUBLIC:
            return ApprovalKind.PUBLISH_REPORT
        return ApprovalKind.EXPORT_INTERNAL_REPORT

    @property
    def target_type(self) -> str:
        return f"reports.{self.scope}"

    @property
    def target_id(self) -> str:
        return self.period.code if self.period else ALL_TIME

    @property
    def payload(self) -> dict[str, str | int]:
        payload: dict[str, str | int] = {"format": self.format, "language": self.language}
        if self.k is not None:
            payload["k"] = self.k
        return payload

    @property
    def filename(self) -> str:
        return f"corridor-{self.scope}-report-{self.target_id}.{self.format}"

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]


def check_export(
    *,
    scope: str,
    format: str,
    language: str = "en",
    period: str | None = None,
    k: int | None = None,
    today: date,
) -> Export:
    """An Export, or InvalidInput naming what is wrong: format, language, period, k.

    A public period defaults to the latest whole year the lag allows and must end
    at least the lag before today; k may only be raised above the organisation's.
    """
    if format not in FORMATS:
        raise InvalidInput(str(FORMAT_INVALID))
    if language not in LANGUAGES:
        raise InvalidInput(str(LANGUAGE_INVALID))
    if scope == INTERNAL:
        if k is not None:
            raise InvalidInput(str(K_NOT_FOR_INTERNAL))
        chosen = parse_period(period) if period and period != ALL_TIME else None
        return Export(scope=INTERNAL, format=format, language=language, period=chosen)
    lag, minimum = settings.CORRIDOR_REPORT_LAG_MONTHS, settings.CORRIDOR_REPORT_MIN_K
    public_period = parse_period(period) if period else latest_public_year(today, lag)
    check_public_period(public_period, today=today, lag_months=lag)
    if k is not None and k < minimum:
        raise InvalidInput(str(K_TOO_LOW % {"k": minimum}))
    return Export(
        scope=PUBLIC, format=format, language=language, period=public_period, k=k or minimum
    )


def render_export(export: Export, *, today: date) -> bytes:
    """The file's bytes. Reads plain columns only; the vault is never asked for a key."""
    if export.format == "csv":
        if export.scope == PUBLIC:
            return public_csv(_public_report(export, today))
        with charts_off():
            return internal_csv(export_document(export, today=today))
    document = export_document(export, today=today)
    if export.format == "pdf":
        return render_pdf(document)
    return render_html(document).encode("utf-8")


def export_document(export: Export, *, today: date) -> Document:
    """The report an export names, as a document in its language (also the web preview)."""
    if export.scope == PUBLIC:
        return public_document(_public_report(export, today), language=export.language)
    return build_internal_document(export.period, language=export.language, today=today)


def _public_report(export: Export, today: date) -> PublicReport:
    if export.period is None or export.k is None:  # check_export always sets both
        raise InvalidInput(str(PERIOD_INVALID))
    return build_public_report(
        export.period, k=export.k, lag_months=settings.CORRIDOR_REPORT_LAG_MONTHS, today=today
    )


def request_export(*, actor: Staff, export: Export) -> Approval:
    """Ask a second coordinator to approve this export."""
    return approvals.request_approval(
        actor=actor,
        kind=export.kind,
        target_type=export.target_type,
        target_id=export.target_id,
        payload=export.payload,
        reason="publish_report" if export.scope == PUBLIC else "internal_export",
    )


def open_export_requests(staff: Staff) -> list[Approval]:
    """This person's export requests still waiting for a second coordinator or granted
    and not yet carried out."""
    return list(
        Approval.objects.filter(
            requested_by=staff,
            kind__in=[ApprovalKind.PUBLISH_REPORT, ApprovalKind.EXPORT_INTERNAL_REPORT],
            status__in=[ApprovalStatus.PENDING, ApprovalStatus.GRANTED],
        ).order_by("-created_at")
    )


def export_from_approval(approval: Approval, *, today: date) -> Export:
    """The export an approval names, checked again (the lag may have moved since)."""
    payload = approval.payload
    scope = PUBLIC if approval.kind == ApprovalKind.PUBLISH_REPORT else INTERNAL
    k = payload.get("k")
    return check_export(
        scope=scope,
        format=str(payload.get("format", "")),
        language=str(payload.get("language", "")),
        period=approval.target_id,
        k=int(k) if isinstance(k, int) else None,
        today=today,
    )


def export_with_approval(*, actor: Staff, approval_id: str, today: date) -> tuple[Export, bytes]:
    """Carry out a granted export from the web: render, then use up the approval and record
    the file's hash in one transaction (a failed rendering uses nothing up)."""
    approval = _granted_to(actor, approval_id)
    export = export_from_approval(approval, today=today)
    data = render_export(export, today=today)
    with transaction.atomic():
        _authorise(actor, export, str(approval.pk))
        _record(actor, export, data, approval_id=str(approval.pk))
    return export, data


def export_to_file(
    *,
    actor: Actor,
    export: Export,
    output: Path,
    today: date,
    approval: Approval | None = None,
) -> str:
    """Write the export to `output` (temporary name, then rename) and record its hash;
    returns the SHA-256. The internal report needs a granted `approval`, used up here on
    behalf of the coordinator who asked for it."""
    if approval is None and export.scope != PUBLIC:
        raise approvals.ApprovalProblem(str(approvals.NOT_GRANTED))
    data = render_export(export, today=today)
    with staged_file(output, data), transaction.atomic():
        if approval is not None:
            _authorise(approval.requested_by, export, str(approval.pk))
        _record(actor, export, data, approval_id=str(approval.pk) if approval else "")
    return sha256_hex(data)


@transaction.atomic
def mark_never_publish(*, actor: Actor, kind: str, code: str) -> NeverPublish:
    """Keep a route or a country out of public reports (folded into `other`)."""
    kind, code = _checked_mark(kind, code)
    if NeverPublish.objects.filter(kind=kind, code=code, cleared_at__isnull=True).exists():
        raise InvalidInput(str(ALREADY_MARKED))
    mark = NeverPublish.objects.create(kind=kind, code=code, marked_by=actor.actor_id)
    _record_mark(actor, EventType.NEVER_PUBLISH_MARKED, mark)
    return mark


@transaction.atomic
def clear_never_publish(*, actor: Actor, kind: str, code: str) -> NeverPublish:
    """Let a route or a country appear by name in public reports again."""
    kind, code = _checked_mark(kind, code)
    mark = (
        NeverPublish.objects.select_for_update()
        .filter(kind=kind, code=code, cleared_at__isnull=True)
        .first()
    )
    if mark is None:
        raise InvalidInput(str(NOT_MARKED))
    mark.cleared_at, mark.cleared_by = clock.now(), actor.actor_id
    mark.save(update_fields=["cleared_at", "cleared_by"])
    _record_mark(actor, EventType.NEVER_PUBLISH_CLEARED, mark)
    return mark


def _checked_mark(kind: str, code: str) -> tuple[str, str]:
    code = code.strip()
    if kind == NeverPublishKind.ROUTE:
        code = code.lower()
        if not _ROUTE.fullmatch(code):
            raise InvalidInput(str(ROUTE_CODE_INVALID))
    elif kind == NeverPublishKind.COUNTRY:
        code = code.upper()
        if not _COUNTRY.fullmatch(code):
            raise InvalidInput(str(COUNTRY_CODE_INVALID))
    else:
        raise InvalidInput(str(KIND_INVALID))
    return kind, code


def _granted_to(actor: Staff, approval_id: str) -> Approval:
    try:
        key = uuid.UUID(str(approval_id))
    except ValueError:
        raise InvalidInput(str(NO_SUCH_EXPORT)) from None
    approval = Approval.objects.filter(
        pk=key,
        requested_by=actor,
        kind__in=[ApprovalKind.PUBLISH_REPORT, ApprovalKind.EXPORT_INTERNAL_REPORT],
        status=ApprovalStatus.GRANTED,
    ).first()
    if approval is None:
        raise InvalidInput(str(NO_SUCH_EXPORT))
    return approval


def _authorise(requester: Staff, export: Export, approval_id: str) -> None:
    approvals.authorise(
        actor=requester,
        kind=export.kind,
        target_type=export.target_type,
        target_id=export.target_id,
        payload=export.payload,
        approval_id=approval_id,
    )


def _record(actor: Actor, export: Export, data: bytes, *, approval_id: str) -> None:
    detail: dict[str, str | int] = {
        "scope": export.scope,
        "format": export.format,
        "language": export.language,
        "period": export.target_id,
        "sha256": sha256_hex(data),
        "bytes": len(data),
    }
    if export.k is not None:
        detail["k"] = export.k
    if approval_id:
        detail["approval"] = approval_id
    record_event(
        actor=actor,
        event=EventType.REPORT_EXPORTED,
        object_type=ObjectType(export.target_type),
        object_id=export.target_id,
        detail=detail,
    )


def _record_mark(actor: Actor, event: EventType, mark: NeverPublish) -> None:
    record_event(
        actor=actor,
        event=event,
        object_type=ObjectType.NEVER_PUBLISH,
        object_id=str(mark.pk),
        detail={"kind": mark.kind, "code": mark.code},
    )
