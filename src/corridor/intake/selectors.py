"""Reads of intake rows that decrypt nothing: queues, counts, sessions, codenames."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.intake.models import (
    IN_SCREENING,
    UNSCREENED,
    Author,
    Codename,
    Decision,
    Message,
    Request,
    RequestFile,
    RequestFlag,
    Signal,
    Status,
    Urgency,
)
from corridor.intake.organisation import portal_info

# Roles that see every request waiting to be screened; hotline operators see only the
# requests they recorded themselves.
SCREENING_ROLES = frozenset({Role.VERIFIER, Role.COORDINATOR})
INBOX_ROLES = SCREENING_ROLES | {Role.HOTLINE_OPERATOR}


# Requests whose deadline shows on the coordinator's board once it has passed.
DEADLINE_STATUSES = frozenset({Status.PROVISIONAL, Status.SUSPECTED})


def requests_visible_to(staff: Staff) -> QuerySet[Request]:
    """The requests `staff` may open: verifiers and coordinators those in the verification
    queue and those they decided (not accepted ones); the hotline operator their own until
    screened; anyone the requests accepted into a case they are assigned to (and that is
    not erased). Nobody reads every request: an accepted request belongs to its case team."""
    roles = roles_of(staff)
    visible = Q(
        pk__in=Request.objects.filter(
            case__assignments__staff=staff,
            case__assignments__ended_at__isnull=True,
            case__erased_at__isnull=True,
        ).values("pk")
    )
    if roles & SCREENING_ROLES:
        visible |= Q(status__in=IN_SCREENING)
        visible |= Q(pk__in=Decision.objects.filter(decided_by=staff).values("request_id")) & ~Q(
            status__in=(Status.ACCEPTED, Status.ERASED)
        )
    if Role.HOTLINE_OPERATOR in roles:
        visible |= Q(recorded_by=staff, status__in=UNSCREENED)
    return Request.objects.filter(visible)


def list_overdue_requests(at: datetime) -> QuerySet[Request]:
    """Provisional acceptances and suspected requests past their deadline, oldest first."""
    return Request.objects.filter(status__in=DEADLINE_STATUSES, review_due_at__lt=at).order_by(
        "review_due_at"
    )


def list_flags(request: Request) -> list[str]:
    """The request's signal codes, sorted, each once."""
    return sorted(set(RequestFlag.objects.filter(request=request).values_list("code", flat=True)))


def list_requests_for_export() -> QuerySet[Request]:
    """Every request, oldest first, with its flags: what `corridor intake list` prints."""
    return Request.objects.order_by("received_on", "created_at", "reference").prefetch_related(
        "flags"
    )


# The order of the inbox: what may mean someone is in danger first, then the longest
# waiting; requests already decided (and floods) after everything still to be worked on.
OPEN_IN_INBOX = IN_SCREENING - {Status.SUSPECTED}


def list_inbox(staff: Staff, *, flag: str = "", status: str = "") -> QuerySet[Request]:
    """The inbox, danger first: escalated hotline calls, then people who said they are
    in danger now, then the longest waiting; requests flagged `flood` and requests no
    longer waiting for a decision after all the others, so neither can bury anyone.
    Each row carries its count of requester messages nobody read. `flag` and `status`
    (codes) narrow it; an unknown code narrows it to nothing rather than to everything."""
    unread = Q(messages__author=Author.REQUESTER, messages__read_by_team_at__isnull=True)
    flood = RequestFlag.objects.filter(request=OuterRef("pk"), code=Signal.FLOOD)
    rows = requests_visible_to(staff)
    if flag:
        rows = rows.filter(Exists(RequestFlag.objects.filter(request=OuterRef("pk"), code=flag)))
    if status:
        rows = rows.filter(status=status)
    return rows.annotate(
        unread=Count("messages", filter=unread),
        message_count=Count("messages"),
        flood=Exists(flood),
        settled=_flag(~Q(status__in=OPEN_IN_INBOX)),
        escalated=_flag(Q(escalated_at__isnull=False)),
        danger_now=_flag(Q(urgency=Urgency.NOW)),
    ).order_by(
        "settled", "flood", "-escalated", "-danger_now", "received_on", "created_at", "reference"
    )


def _flag(condition: Q) -> ExpressionWrapper[Q]:
    return ExpressionWrapper(condition, output_field=BooleanField())


def flags_by_request(request_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[RequestFlag]]:
    """Each request's flags with the request they matched (one query), by code."""
    found: dict[uuid.UUID, list[RequestFlag]] = {}
    rows = (
        RequestFlag.objects.filter(request_id__in=request_ids)
        .select_related("other")
        .order_by("code", "other__reference")
    )
    for row in rows:
        found.setdefault(row.request_id, []).append(row)
    return found


def count_unread_requests(staff: Staff) -> int:
    """How many visible requests are unopened or have unread requester messages."""
    waiting = Q(unread__gt=0) | Q(sealed_answers__isnull=False)
    return list_inbox(staff).filter(waiting).count()


def count_waiting_requests(staff: Staff, *, today: date) -> int:
    """The digest's count: visible requests unopened, with unread requester messages, or
    still waiting for a decision longer than the organisation's answer target (the
    portal's "we answer within N days", portal.json's answer_within_days). Floods are
    not counted: they wait for one bulk decline, not for an answer each."""
    cutoff = today - timedelta(days=portal_info().answer_within_days)
    late = Q(status__in=OPEN_IN_INBOX, received_on__lt=cutoff)
    waiting = Q(unread__gt=0) | Q(sealed_answers__isnull=False) | late
    flood = RequestFlag.objects.filter(request=OuterRef("pk"), code=Signal.FLOOD)
    return list_inbox(staff).filter(waiting).exclude(Exists(flood)).count()


def count_awaiting_screening(channel: str) -> int:
    return Request.objects.filter(channel=channel, status=Status.AWAITING_SCREENING).count()


def active_codename(request_id: uuid.UUID) -> Codename | None:
    """The codename that opens this request's thread now, if one was issued."""
    return Codename.objects.filter(request_id=request_id, retired_on__isnull=True).first()


def intake_keys_in_use() -> set[uuid.UUID]:
    """Intake key pairs some stored box is still sealed to (the rotation keeps them)."""
    keys = set(Request.objects.filter(sealed_to__isnull=False).values_list("sealed_to", flat=True))
    keys |= set(Message.objects.filter(sealed_to__isnull=False).values_list("sealed_to", flat=True))
    keys |= set(
        RequestFile.objects.filter(sealed_to__isnull=False).values_list("sealed_to", flat=True)
    )
    return {key for key in keys if key is not None}


def list_requests_of_case(case_id: uuid.UUID) -> QuerySet[Request]:
    """The requests accepted into a case (references only; the thread reads decrypt)."""
    return Request.objects.filter(case_id=case_id).order_by("received_on")


def sent_files(request_id: uuid.UUID) -> QuerySet[RequestFile]:
    """The files a requester sent from the portal (their type, size and day only)."""
    return RequestFile.objects.filter(request_id=request_id).order_by("sent_on", "id")
