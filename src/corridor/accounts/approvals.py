"""The two-person rule: request, grant, refuse, expire, and an emergency path with review.

A gated action is carried out only when a second person, holding a role that
may approve that kind of action, grants it — or, in an emergency, on the
requester's word alone, which then must be reviewed by a coordinator other
than the requester within 24 hours (and is flagged overdue if it is not).
Each kind names who may ask, who may approve, and the function that carries
it out; later apps register their own kinds (erasure, exports, …).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts.events import record_security_event
from corridor.accounts.models import (
    Approval,
    ApprovalStatus,
    OnCallMembership,
    Staff,
    StaffAlert,
    StandbyActivation,
)
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.core import clock
from corridor.core.actors import Actor, SystemActor
from corridor.core.exceptions import CorridorError, NotAllowed
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import UnwrapRefused

APPROVAL_LIFETIME = timedelta(hours=24)
REVIEW_WITHIN = timedelta(hours=24)
EMERGENCY_REASONS = frozenset(
    {"device_seized", "staff_in_danger", "evacuation_night", "approvers_unreachable"}
)

SELF_APPROVAL = _("You cannot approve your own request; another person must.")
WRONG_ROLE = _("Your role cannot approve this kind of request.")
NOT_PENDING = _("This request is no longer waiting for approval.")
EXPIRED = _("This request has expired; ask again.")
NOT_REQUESTER = _("Only the person who asked can carry out this approval.")
NOT_GRANTED = _("This approval has not been granted, or has been used already.")
UNKNOWN_EMERGENCY_REASON = _("Choose one of the listed reasons for an emergency.")
SELF_REVIEW = _("A different coordinator must review this emergency.")
NOT_EMERGENCY = _("Only emergency approvals are reviewed.")
NOT_ALLOWED_TO_ASK = _("Your role cannot ask for this.")
KEYD_REFUSED = _(
    "The key service did not accept this: log in again, and make sure the approving "
    "coordinator is neither the person who asked nor the person it is about."
)
STANDBY_FOR_ACTIVATOR = _(
    "You were put on standby duty by the person who asked: another coordinator must decide."
)


class ApprovalProblem(CorridorError):
    """An approval step is not allowed; the message says why."""


@dataclass(frozen=True)
class LedgerChange:
    """A change in keyd's ledger that an approval gates (corridor.vault.ledger.propose_change)."""

    op: str
    staff_id: int
    role: str = ""
    flag: bool = False
    case_id: str = ""  # a case's erasure (op "erase_case") names the case, no staff


@dataclass(frozen=True)
class GatedAction:
    requester_roles: frozenset[Role]
    approver_roles: frozenset[Role]
    emergency_allowed: bool = True
    # The keyd ledger change this approval gates, if any: keyd then takes it only with the
    # requester's ticket (sent when asking) and a second coordinator's (sent when granting).
    ledger_change: Callable[[Approval], LedgerChange | None] | None = None


_ACTIONS: dict[str, GatedAction] = {}
WORKER = SystemActor(name="worker")


def register_gated_action(kind: str, action: GatedAction) -> None:
    """Declare who may ask for `kind` and who may approve it."""
    _ACTIONS[kind] = action


def gated_action(kind: str) -> GatedAction:
    return _ACTIONS[kind]


@transaction.atomic
def request_approval(
    *,
    actor: Staff,
    kind: str,
    target_type: str,
    target_id: str,
    payload: Mapping[str, str | int] | None = None,
    reason: str,
) -> Approval:
    """Ask a second person to approve `kind` on the target; the on-call pool is alerted."""
    action = gated_action(kind)
    if not roles_of(actor) & action.requester_roles:
        raise NotAllowed(str(NOT_ALLOWED_TO_ASK))
    now = clock.now()
    approval = Approval.objects.create(
        kind=kind,
        requested_by=actor,
        target_type=target_type,
        target_id=target_id,
        payload=dict(payload or {}),
        reason=reason,
        created_at=now,
        expires_at=now + APPROVAL_LIFETIME,
    )
    change = _ledger_change(action, approval)
    if change is not None:
        with keyd_refusal():
            vault_ledger.propose_change(
                proposal=str(approval.pk),
                op=change.op,
                staff_id=change.staff_id,
                role=change.role,
                flag=change.flag,
                case_id=change.case_id,
            )
    _alert_pool(approval, code="approval_requested", exclude=actor)
    _record(actor, EventType.APPROVAL_REQUESTED, approval)
    return approval


@transaction.atomic
def grant_approval(*, actor: Staff, approval_id: str) -> Approval:
    """Grant a pending request as the second person; its requester then carries it out."""
    approval = _locked(approval_id)
    action = gated_action(approval.kind)
    _check_decidable(actor, approval, action)
    if _ledger_change(action, approval) is not None:
        # The approver's own ticket goes to keyd: a GRANTED row alone changes nothing there.
        with keyd_refusal():
            vault_ledger.approve_change(proposal=str(approval.pk))
    now = clock.now()
    approval.status = ApprovalStatus.GRANTED
    approval.decided_by = actor
    approval.decided_at = now
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    StaffAlert.objects.filter(approval=approval, dismissed_at__isnull=True).update(dismissed_at=now)
    _alert(approval.requested_by_id, code="approval_granted", approval=approval)
    _record(actor, EventType.APPROVAL_GRANTED, approval)
    return approval


@transaction.atomic
def refuse_approval(*, actor: Staff, approval_id: str, reason: str) -> Approval:
    approval = _locked(approval_id)
    _check_decidable(actor, approval, gated_action(approval.kind))
    now = clock.now()
    approval.status = ApprovalStatus.REFUSED
    approval.decided_by = actor
    approval.decided_at = now
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    StaffAlert.objects.filter(approval=approval, dismissed_at__isnull=True).update(dismissed_at=now)
    _record(actor, EventType.APPROVAL_REFUSED, approval, reason=reason)
    return approval


@transaction.atomic
def authorise(
    *,
    actor: Staff,
    kind: str,
    target_type: str,
    target_id: str,
    payload: Mapping[str, str | int] | None = None,
    approval_id: str | None = None,
    emergency_reason: str | None = None,
) -> Approval:
    """The permission to carry out `kind` on the target now, used up by this call.

    Either a granted approval of exactly this kind, target and payload, asked
    for by `actor` and not expired; or, with `emergency_reason`, an emergency
    single approval that is recorded, alerted and put up for review.
    """
    if emergency_reason is not None:
        return _invoke_emergency(
            actor=actor,
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            payload=payload,
            reason=emergency_reason,
        )
    approval = _locked(approval_id or "")
    wanted = (kind, target_type, target_id, dict(payload or {}))
    if (approval.kind, approval.target_type, approval.target_id, approval.payload) != wanted:
        raise ApprovalProblem(str(NOT_GRANTED))
    if approval.requested_by_id != actor.pk:
        raise ApprovalProblem(str(NOT_REQUESTER))
    if approval.status != ApprovalStatus.GRANTED:
        raise ApprovalProblem(str(NOT_GRANTED))
    if approval.expires_at <= clock.now():
        raise ApprovalProblem(str(EXPIRED))
    approval.status = ApprovalStatus.EXECUTED
    approval.executed_at = clock.now()
    approval.save(update_fields=["status", "executed_at"])
    return approval


def _invoke_emergency(
    *,
    actor: Staff,
    kind: str,
    target_type: str,
    target_id: str,
    payload: Mapping[str, str | int] | None,
    reason: str,
) -> Approval:
    """One person's word, for a listed emergency reason; a second coordinator reviews it.

    The on-call pool and every coordinator are alerted; after 24 hours without a
    review the sweep flags it overdue.
    """
    action = gated_action(kind)
    if not action.emergency_allowed or not roles_of(actor) & action.requester_roles:
        raise NotAllowed(str(NOT_ALLOWED_TO_ASK))
    if reason not in EMERGENCY_REASONS:
        raise ApprovalProblem(str(UNKNOWN_EMERGENCY_REASON))
    now = clock.now()
    approval = Approval.objects.create(
        kind=kind,
        requested_by=actor,
        target_type=target_type,
        target_id=target_id,
        payload=dict(payload or {}),
        reason=reason,
        created_at=now,
        expires_at=now,
        executed_at=now,
        emergency=True,
        status=ApprovalStatus.EMERGENCY,
        review_due_at=now + REVIEW_WITHIN,
    )
    _record(actor, EventType.APPROVAL_EMERGENCY_USED, approval, reason=reason)
    _alert_pool(approval, code="emergency_review_due", exclude=actor, coordinators=True)
    return approval


@transaction.atomic
def review_emergency(*, actor: Staff, approval_id: str, outcome: str) -> Approval:
    """A second coordinator looks at an emergency action: `upheld` or `questioned`."""
    approval = _locked(approval_id)
    if not approval.emergency or approval.status != ApprovalStatus.EMERGENCY:
        raise ApprovalProblem(str(NOT_EMERGENCY))
    if approval.requested_by_id == actor.pk:
        raise ApprovalProblem(str(SELF_REVIEW))
    if Role.COORDINATOR not in roles_of(actor):
        raise ApprovalProblem(str(WRONG_ROLE))
    if outcome not in ("upheld", "questioned"):
        raise ApprovalProblem(str(NOT_EMERGENCY))
    now = clock.now()
    approval.status = ApprovalStatus.REVIEWED
    approval.reviewed_by = actor
    approval.reviewed_at = now
    approval.review_outcome = outcome
    approval.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_outcome"])
    StaffAlert.objects.filter(approval=approval, dismissed_at__isnull=True).update(dismissed_at=now)
    _record(actor, EventType.APPROVAL_REVIEWED, approval, reason=outcome)
    return approval


@transaction.atomic
def sweep_approvals() -> tuple[int, int]:
    """Expire stale requests and flag overdue emergency reviews; (expired, flagged)."""
    now = clock.now()
    expired = 0
    for approval in Approval.objects.select_for_update().filter(
        status__in=[ApprovalStatus.PENDING, ApprovalStatus.GRANTED], expires_at__lte=now
    ):
        approval.status = ApprovalStatus.EXPIRED
        approval.save(update_fields=["status"])
        _record(WORKER, EventType.APPROVAL_EXPIRED, approval)
        expired += 1
    flagged = 0
    for approval in Approval.objects.select_for_update().filter(
        status=ApprovalStatus.EMERGENCY, review_due_at__lte=now, overdue_flagged_at__isnull=True
    ):
        approval.overdue_flagged_at = now
        approval.save(update_fields=["overdue_flagged_at"])
        _alert_pool(approval, code="emergency_review_overdue", exclude=None, coordinators=True)
        _record(WORKER, EventType.APPROVAL_REVIEW_OVERDUE, approval)
        flagged += 1
    return expired, flagged


def pending_for(staff: Staff) -> QuerySet[Approval]:
    """Requests this person could decide now (not their own)."""
    # Their roles once: asked per kind of action it cost the board a query per kind.
    roles = roles_of(staff)
    kinds = [k for k, a in _ACTIONS.items() if roles & a.approver_roles]
    return (
        Approval.objects.filter(
            status=ApprovalStatus.PENDING, kind__in=kinds, expires_at__gt=clock.now()
        )
        .exclude(requested_by=staff)
        .order_by("created_at")
    )


def emergencies_awaiting_review() -> QuerySet[Approval]:
    return Approval.objects.filter(status=ApprovalStatus.EMERGENCY).order_by("review_due_at")


def _check_decidable(actor: Staff, approval: Approval, action: GatedAction) -> None:
    if approval.status != ApprovalStatus.PENDING:
        raise ApprovalProblem(str(NOT_PENDING))
    if approval.expires_at <= clock.now():
        raise ApprovalProblem(str(EXPIRED))
    if approval.requested_by_id == actor.pk:
        raise ApprovalProblem(str(SELF_APPROVAL))
    if not roles_of(actor) & action.approver_roles:
        raise ApprovalProblem(str(WRONG_ROLE))
    # A standby owes its role to one coordinator's word; it never approves that
    # coordinator's request, or one person could be two.
    if StandbyActivation.objects.filter(
        standby__staff=actor, activated_by_id=approval.requested_by_id
    ).exists():
        raise ApprovalProblem(str(STANDBY_FOR_ACTIVATOR))


def _ledger_change(action: GatedAction, approval: Approval) -> LedgerChange | None:
    return action.ledger_change(approval) if action.ledger_change is not None else None


@contextmanager
def keyd_refusal() -> Iterator[None]:
    """keyd's refusal of a proposal or an approval, as a clear message (nothing is saved)."""
    try:
        yield
    except UnwrapRefused:
        raise ApprovalProblem(str(KEYD_REFUSED)) from None


def _locked(approval_id: str) -> Approval:
    try:
        key = uuid.UUID(str(approval_id))
    except ValueError:
        raise ApprovalProblem(str(NOT_PENDING)) from None
    approval = Approval.objects.select_for_update().filter(pk=key).first()
    if approval is None:
        raise ApprovalProblem(str(NOT_PENDING))
    return approval


def _alert_pool(
    approval: Approval, *, code: str, exclude: Staff | None, coordinators: bool = False
) -> None:
    members = set(
        OnCallMembership.objects.filter(kind=approval.kind).values_list("staff_id", flat=True)
    )
    if coordinators or not members:
        members |= set(
            Staff.objects.filter(is_active=True, groups__name=Role.COORDINATOR.value).values_list(
                "pk", flat=True
            )
        )
    if exclude is not None:
        members.discard(exclude.pk)
    for member in sorted(members):
        _alert(member, code=code, approval=approval)


def _alert(staff_id: int, *, code: str, approval: Approval) -> None:
    StaffAlert.objects.create(staff_id=staff_id, code=code, approval=approval)


def _record(actor: Actor, event: EventType, approval: Approval, *, reason: str = "") -> None:
    record_security_event(
        actor=actor,
        event=event,
        reason=reason or approval.reason,
        detail={
            "approval": str(approval.pk),
            "kind": approval.kind,
            "target_type": approval.target_type,
            "target": approval.target_id,
            **{f"p_{k}": v for k, v in approval.payload.items() if isinstance(v, str | int)},
        },
    )


@transaction.atomic
def set_on_call(*, actor: Staff, kind: str, on: bool) -> None:
    """Join or leave the on-call pool that is alerted for requests of `kind`."""
    if on:
        OnCallMembership.objects.get_or_create(kind=kind, staff=actor)
    else:
        OnCallMembership.objects.filter(kind=kind, staff=actor).delete()
    record_security_event(
        actor=actor,
        event=EventType.ON_CALL_CHANGED,
        subject_id=actor.pk,
        detail={"kind": kind, "on": int(on)},
    )
