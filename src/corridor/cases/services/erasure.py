"""Erasing a case (crypto-shredding), a two-person action, and the key reconciler.

`erase_case` blanks every sealed value and deletes everything but the case's
ids, phase and closure reason, commits, and only then destroys the case's data
key: a crash between the two leaves a key with nothing under it, which the
reconciler destroys later, never ciphertext without its key. Once the key-store
backups older than the erasure have aged out (docs/security.md), nothing of
the case can be decrypted from any backup.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Protocol

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts import approvals, drafts
from corridor.accounts.models import Approval, ApprovalKind, ApprovalStatus, Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import (
    Case,
    CaseAssignment,
    CaseFlag,
    CaseLink,
    CaseOpening,
    CaseReveal,
    Expense,
    Incident,
    Milestone,
    Note,
    Placement,
    RiskAssessment,
    Task,
    TimelineEntry,
    TravelLeg,
)
from corridor.cases.services import progress
from corridor.core import clock
from corridor.core.actors import WORKER, Actor
from corridor.core.exceptions import InvalidInput
from corridor.core.tasks import periodic
from corridor.people import services as people
from corridor.vault import keys as vault_keys
from corridor.vault import ledger as vault_ledger
from corridor.vault.errors import UnwrapRefused

ALREADY_ERASED = "This case has already been erased."
ERASE_REASON_INVALID = _("Choose why the case is to be erased.")
NOT_GRANTED = _("A case is erased only once one coordinator asked and a second one agreed.")
KEYD_REFUSED_ERASURE = _(
    "The key service did not accept this erasure: log in again as a coordinator and retry."
)
ERASE_ALREADY_ASKED = _("An erasure of this case is already waiting for a second coordinator.")
# Why a case is erased: codes, never free text (the reason is in the audit log).
ERASE_REASONS = {
    "requester_asked": _("The person asked for their data to be deleted"),
    "retention": _("The retention period has ended"),
    "recorded_by_mistake": _("The case was opened by mistake"),
    "safety": _("Keeping the data endangers the person"),
}


class ErasureStep(Protocol):
    """What an app above cases erases of a case, in the erasure's transaction; returns the
    data keys to destroy once it commits."""

    def __call__(self, *, actor: Actor, case_id: uuid.UUID, case_ref: str) -> list[str]: ...


# Cases may not import intake (the layers in pyproject.toml); intake registers the erasure
# of the requests accepted into a case here, from IntakeConfig.ready.
_STEPS: list[ErasureStep] = []


def register_erasure_step(step: ErasureStep) -> None:
    if step not in _STEPS:
        _STEPS.append(step)


def _erasure_in_keyd(approval: Approval) -> approvals.LedgerChange:
    """keyd's ledger takes a case's erasure (never undone) only as a proposal one coordinator
    made and a second approved, each with their own ticket: a GRANTED row, or one
    coordinator's ticket, makes keyd forget nothing."""
    return approvals.LedgerChange("erase_case", 0, case_id=approval.target_id)


approvals.register_gated_action(
    ApprovalKind.ERASE_CASE,
    approvals.GatedAction(
        requester_roles=frozenset({Role.COORDINATOR}),
        approver_roles=frozenset({Role.COORDINATOR}),
        emergency_allowed=False,
        ledger_change=_erasure_in_keyd,
    ),
)


def request_case_erasure(*, actor: Staff, case: Case, reason: str) -> Approval:
    """Ask a second coordinator to approve erasing `case`; once granted, `actor` carries it
    out (the case page, or `corridor cases erase REF --approval ID`)."""
    if reason not in ERASE_REASONS:
        raise InvalidInput(str(ERASE_REASON_INVALID))
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if locked.erased_at is not None:
            raise InvalidInput(ALREADY_ERASED)
        if pending_erasure(case) is not None:
            raise InvalidInput(str(ERASE_ALREADY_ASKED))
        return approvals.request_approval(
            actor=actor,
            kind=ApprovalKind.ERASE_CASE,
            target_type="cases.case",
            target_id=str(case.pk),
            reason=reason,
        )


def pending_erasure(case: Case) -> Approval | None:
    """The erasure of `case` asked for and not yet refused, expired or carried out."""
    return (
        Approval.objects.filter(
            kind=ApprovalKind.ERASE_CASE,
            target_type="cases.case",
            target_id=str(case.pk),
            status__in=(ApprovalStatus.PENDING, ApprovalStatus.GRANTED),
            executed_at__isnull=True,
            expires_at__gt=clock.now(),
        )
        .order_by("-created_at")
        .first()
    )


def erase_granted_case(*, actor: Staff, case: Case) -> None:
    """Carry out, from the case page, an erasure one coordinator asked for and a second
    granted; InvalidInput if there is none. Two people have agreed by then, so any
    coordinator may carry it out (usually the one who asked); the approval is checked
    against its asker, as `corridor cases erase` does."""
    if Role.COORDINATOR not in roles_of(actor):
        raise InvalidInput(str(NOT_GRANTED))
    approval = pending_erasure(case)
    if approval is None or approval.status != ApprovalStatus.GRANTED:
        raise InvalidInput(str(NOT_GRANTED))
    erase_case(
        actor=actor, case=case, approval_id=str(approval.pk), requester=approval.requested_by
    )


def erase_case(
    *, actor: Actor, case: Case, approval_id: str, requester: Staff | None = None
) -> None:
    """Erase `case` with a granted two-person approval.

    `actor` is who carries it out (the coordinator who asked, or an operator's
    `corridor cases erase`, acting on the approval of that coordinator). keyd records the
    erasure with the acting coordinator's ticket (the operator's command: keyd's admin
    socket).
    """
    if case.erased_at is not None:
        raise InvalidInput(ALREADY_ERASED)
    key_ids = [str(case.key_id)] if case.key_id is not None else []
    with transaction.atomic():
        approvals.authorise(
            actor=requester if requester is not None else actor,  # type: ignore[arg-type]
            kind=ApprovalKind.ERASE_CASE,
            target_type="cases.case",
            target_id=str(case.pk),
            approval_id=approval_id,
        )
        # keyd's ledger first, with the carrying-out coordinator's ticket and the proposal
        # both coordinators agreed on in keyd (the approval's id): from now on keyd serves
        # no key of the case or of its requests, even to a wrapped key kept from before (a
        # backup), nor to the worker. Refused: nothing is blanked. keyd's mark is not
        # undone, so a failure after it leaves the case unreadable and the erasure to be
        # run again (keyd accepts it again for a case it already holds erased).
        try:
            vault_ledger.record_case_erased(case_id=str(case.pk), proposal=approval_id)
        except UnwrapRefused:
            raise InvalidInput(str(KEYD_REFUSED_ERASURE)) from None
        _blank(case)
        for step in _STEPS:
            key_ids += step(actor=actor, case_id=case.pk, case_ref=case.ref)
        record_event(
            actor=actor,
            event=EventType.CASE_ERASED,
            object_type=ObjectType.CASE,
            object_id=str(case.pk),
            case_id=case.ref,
            detail={"approval": approval_id},
        )
        for key_id in key_ids:
            transaction.on_commit(lambda key_id=key_id: _destroy(key_id))  # type: ignore[misc]


def _destroy(key_id: str) -> None:
    vault_keys.destroy_data_key(key_id)


def _blank(case: Case) -> None:
    for membership in case.members.select_related("person"):
        people.blank_person(membership.person)
    # Someone who moved on to another case keeps the milestones recorded there; the days
    # since the step before must no longer count from a step this erasure deletes.
    reached_here = set(Milestone.objects.filter(case=case).values_list("person_id", flat=True))
    for model in (
        Note,
        Task,
        RiskAssessment,
        Placement,
        TravelLeg,
        Incident,
        Milestone,
        Expense,
        CaseFlag,
        CaseReveal,
        CaseOpening,
        TimelineEntry,
    ):
        model.objects.filter(case=case).delete()
    # Nobody works an erased case: keyd's policies and the pages read open assignments.
    CaseAssignment.objects.filter(case=case, ended_at__isnull=True).update(ended_at=clock.now())
    # Half-typed notes about the case, kept sealed for whoever was writing them.
    drafts.shred_drafts_under(f"/cases/{case.ref}/", reason="case_erased")
    CaseLink.objects.filter(case_a=case).delete()
    CaseLink.objects.filter(case_b=case).delete()
    progress.recount_step_days(reached_here)
    case.erased_at = clock.now()
    case.key_id = None
    case.save(update_fields=["erased_at", "key_id", "updated_at"])


@periodic("cases.reconcile_keys", every=timedelta(hours=1))
def reconcile_keys() -> None:
    """Destroy data keys that no row names any more, older than a day: left by a crash
    after an erasure committed (the blanked rows no longer name their key) or before the
    rows of a new case were written."""
    orphans = vault_keys.orphan_data_keys(older_than=timedelta(days=1))
    for key_id in orphans:
        vault_keys.destroy_data_key(key_id)
    if orphans:
        record_event(actor=WORKER, event=EventType.KEYS_RECONCILED, detail={"count": len(orphans)})
