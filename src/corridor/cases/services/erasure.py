"""Erasing a case (crypto-shredding), a two-person action, and the key reconciler.

`erase_case` blanks every sealed value and deletes everything but the case's
ids, phase and closure reason, commits, and only then destroys the case's data
key: a crash between the two leaves a key with nothing under it, which the
reconciler destroys later, never ciphertext without its key. Once the key-store
backups older than the erasure have aged out (docs/security.md), nothing of
the case can be decrypted from any backup.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from corridor.accounts import approvals
from corridor.accounts.models import ApprovalKind, Staff
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.cases.models import (
    Case,
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

ALREADY_ERASED = "This case has already been erased."

approvals.register_gated_action(
    ApprovalKind.ERASE_CASE,
    approvals.GatedAction(
        requester_roles=frozenset({Role.COORDINATOR}),
        approver_roles=frozenset({Role.COORDINATOR}),
        emergency_allowed=False,
    ),
)


def erase_case(
    *, actor: Actor, case: Case, approval_id: str, requester: Staff | None = None
) -> None:
    """Erase `case` with a granted two-person approval.

    `actor` is who carries it out (the coordinator who asked, or an operator's
    `corridor cases erase`, acting on the approval of that coordinator).
    """
    if case.erased_at is not None:
        raise InvalidInput(ALREADY_ERASED)
    key_id = case.key_id
    with transaction.atomic():
        approvals.authorise(
            actor=requester if requester is not None else actor,  # type: ignore[arg-type]
            kind=ApprovalKind.ERASE_CASE,
            target_type="cases.case",
            target_id=str(case.pk),
            approval_id=approval_id,
        )
        _blank(case)
        record_event(
            actor=actor,
            event=EventType.CASE_ERASED,
            object_type="cases.case",
            object_id=str(case.pk),
            case_id=case.ref,
            detail={"approval": approval_id},
        )
        if key_id is not None:
            transaction.on_commit(lambda: vault_keys.destroy_data_key(key_id))


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
