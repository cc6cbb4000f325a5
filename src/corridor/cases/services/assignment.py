"""Who works on a case, and break-glass reveals by coordinators who do not.

A coordinator assigning a case to themselves would get its key with no reason, no
re-authentication and no end: so self-assignment is break-glass (a reason code,
a password-and-factor confirmation within five minutes, a reveal record, an alert
to every coordinator and auditor) unless another coordinator approved it.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts import approvals
from corridor.accounts.alerts import alert_coordinators_and_auditors
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.accounts.sessions import RECENT_AUTH
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases.models import Case, CaseAssignment, CaseReveal
from corridor.cases.services._base import log, touch
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.vault import ledger as vault_ledger

ASSIGNEE_WITHOUT_ROLE = _("Cases are assigned to caseworkers or coordinators only.")
ALREADY_LEAD = _("This person already leads the case.")
REVEAL_REASONS = frozenset(
    {"emergency", "covering_absence", "supervision", "incident_response", "quality_review"}
)
REVEAL_REASON_INVALID = _("Choose why you are opening a case that is not assigned to you.")
SELF_ASSIGN_REASON_NEEDED = _(
    "Assigning a case to yourself is break-glass: choose why, or ask another coordinator "
    "to approve it."
)
SELF_ASSIGN_ALERT = "self_assigned"

approvals.register_gated_action(
    ApprovalKind.SELF_ASSIGN,
    approvals.GatedAction(
        requester_roles=frozenset({Role.COORDINATOR}),
        approver_roles=frozenset({Role.COORDINATOR}),
        emergency_allowed=False,
    ),
)


class SelfAssignReasonNeeded(InvalidInput):
    """A coordinator assigning themselves gave no break-glass reason and has no approval."""


class SelfAssignReauthNeeded(NotAllowed):
    """Break-glass self-assignment needs password and second factor confirmed just now."""


@transaction.atomic
def assign_case(
    *,
    actor: Actor,
    case: Case,
    staff: Staff,
    lead: bool = True,
    reason: str = "",
    confirmed_at: datetime | None = None,
) -> CaseAssignment:
    """Make `staff` the lead (ending the previous lead) or a team member of the case.

    When `actor` assigns themselves: with another coordinator's granted approval
    (request_self_assignment), or as break-glass with a reveal `reason` and
    `confirmed_at` (their last password-and-factor confirmation) within five minutes.
    """
    if not roles_of(staff) & {Role.CASEWORKER, Role.COORDINATOR}:
        raise InvalidInput(str(ASSIGNEE_WITHOUT_ROLE))
    if isinstance(actor, Staff) and actor.pk == staff.pk:
        _authorise_self_assignment(actor, case, reason=reason, confirmed_at=confirmed_at)
    return _assign(actor=actor, case=case, staff=staff, lead=lead)


@transaction.atomic
def lead_new_case(*, actor: Staff, case: Case) -> CaseAssignment:
    """The caseworker or coordinator who accepted a request into a case they just opened
    leads it. Only a case nobody was ever assigned to: taking over an existing case is
    assign_case, with its break-glass."""
    if CaseAssignment.objects.filter(case=case).exists():
        raise InvalidInput(str(ALREADY_LEAD))
    if not roles_of(actor) & {Role.CASEWORKER, Role.COORDINATOR}:
        raise InvalidInput(str(ASSIGNEE_WITHOUT_ROLE))
    return _assign(actor=actor, case=case, staff=actor, lead=True)


def _assign(*, actor: Actor, case: Case, staff: Staff, lead: bool) -> CaseAssignment:
    now = clock.now()
    current = CaseAssignment.objects.filter(case=case, staff=staff, ended_at__isnull=True).first()
    if current is not None and current.lead == lead:
        raise InvalidInput(str(ALREADY_LEAD))
    if current is not None:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    if lead:
        leads = CaseAssignment.objects.filter(case=case, lead=True, ended_at__isnull=True)
        for former in leads.exclude(staff=staff).values_list("staff_id", flat=True):
            # The former lead leaves the case in keyd's ledger too.
            vault_ledger.record_assignment(case_id=str(case.pk), staff_id=former, assigned=False)
        leads.update(ended_at=now)
    assignment = CaseAssignment.objects.create(case=case, staff=staff, lead=lead)
    vault_ledger.record_assignment(case_id=str(case.pk), staff_id=staff.pk, assigned=True)
    _copy_lead(case)
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.CASE_ASSIGNED,
        object_type=ObjectType.STAFF,
        object_id=str(staff.pk),
        detail={"lead": int(lead)},
    )
    return assignment


@transaction.atomic
def request_self_assignment(*, actor: Staff, case: Case) -> Approval:
    """Ask another coordinator to approve `actor` taking the case (no break-glass then)."""
    return approvals.request_approval(
        actor=actor,
        kind=ApprovalKind.SELF_ASSIGN,
        target_type="cases.case",
        target_id=str(case.pk),
        reason="self_assignment",
    )


def _authorise_self_assignment(
    actor: Staff, case: Case, *, reason: str, confirmed_at: datetime | None
) -> None:
    granted = (
        Approval.objects.filter(
            kind=ApprovalKind.SELF_ASSIGN,
            target_type="cases.case",
            target_id=str(case.pk),
            requested_by=actor,
            status=ApprovalStatus.GRANTED,
            expires_at__gt=clock.now(),
        )
        .values_list("pk", flat=True)
        .first()
    )
    if granted is not None:
        approvals.authorise(
            actor=actor,
            kind=ApprovalKind.SELF_ASSIGN,
            target_type="cases.case",
            target_id=str(case.pk),
            approval_id=str(granted),
        )
        return
    if not reason:
        raise SelfAssignReasonNeeded(str(SELF_ASSIGN_REASON_NEEDED))
    if reason not in REVEAL_REASONS:
        raise InvalidInput(str(REVEAL_REASON_INVALID))
    if confirmed_at is None or clock.now() - confirmed_at > RECENT_AUTH:
        raise SelfAssignReauthNeeded
    record_reveal(actor=actor, case=case, reason=reason)
    alert_coordinators_and_auditors(
        code=SELF_ASSIGN_ALERT, subject=actor, actor=actor, case_ref=case.ref
    )


@transaction.atomic
def unassign_case(*, actor: Actor, case: Case, staff: Staff) -> None:
    CaseAssignment.objects.filter(case=case, staff=staff, ended_at__isnull=True).update(
        ended_at=clock.now()
    )
    vault_ledger.record_assignment(case_id=str(case.pk), staff_id=staff.pk, assigned=False)
    _copy_lead(case)
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.CASE_UNASSIGNED,
        object_type=ObjectType.STAFF,
        object_id=str(staff.pk),
    )


@transaction.atomic
def record_reveal(*, actor: Staff, case: Case, reason: str) -> CaseReveal:
    """A coordinator opens a case they are not assigned to: who, when, and why (a code)."""
    if reason not in REVEAL_REASONS:
        raise InvalidInput(str(REVEAL_REASON_INVALID))
    reveal = CaseReveal.objects.create(case=case, staff=actor, reason=reason)
    vault_ledger.record_reveal(case_id=str(case.pk), staff_id=actor.pk)
    log(actor=actor, case=case, event=EventType.CASE_REVEALED, reason=reason)
    return reveal


def _copy_lead(case: Case) -> None:
    """Keep Case.lead equal to the active lead assignment (the board reads the copy)."""
    lead = (
        CaseAssignment.objects.filter(case=case, lead=True, ended_at__isnull=True)
        .values_list("staff_id", flat=True)
        .first()
    )
    Case.objects.filter(pk=case.pk).update(lead_id=lead)
    case.lead_id = lead
