"""Who works on a case, and break-glass reveals by coordinators who do not."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.cases.models import Case, CaseAssignment, CaseReveal
from corridor.cases.services._base import log, touch
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.vault import ledger as vault_ledger

ASSIGNEE_WITHOUT_ROLE = _("Cases are assigned to caseworkers or coordinators only.")
ALREADY_LEAD = _("This person already leads the case.")
REVEAL_REASONS = frozenset(
    {"emergency", "covering_absence", "supervision", "incident_response", "quality_review"}
)
REVEAL_REASON_INVALID = _("Choose why you are opening a case that is not assigned to you.")


@transaction.atomic
def assign_case(*, actor: Actor, case: Case, staff: Staff, lead: bool = True) -> CaseAssignment:
    """Make `staff` the lead (ending the previous lead) or a team member of the case."""
    if not roles_of(staff) & {Role.CASEWORKER, Role.COORDINATOR}:
        raise InvalidInput(str(ASSIGNEE_WITHOUT_ROLE))
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
        object_type="accounts.staff",
        object_id=str(staff.pk),
        detail={"lead": int(lead)},
    )
    return assignment


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
        object_type="accounts.staff",
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
