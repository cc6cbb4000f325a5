"""Standby accounts: registered in advance by two people, put on duty by one, loudly.

When coordinators cannot be reached (an evacuation night, a colleague to suspend
while only two are left), one coordinator may put a pre-registered standby on
duty for at most STANDBY_MAX_HOURS. Every coordinator and auditor is alerted at
once; the standby never approves what its activator asked for (approvals.py);
the worker's sweep takes the role back when the time is up.
("On-call" names the alert rota in approvals.py; this is a different thing.)
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from corridor.accounts import approvals
from corridor.accounts.alerts import alert_coordinators_and_auditors
from corridor.accounts.events import record_security_event
from corridor.accounts.models import ApprovalKind, Staff, Standby, StandbyActivation
from corridor.accounts.roles import STANDBY_MAX_HOURS, STANDBY_ROLES, Role
from corridor.accounts.selectors import held_roles, roles_of
from corridor.accounts.sessions import end_all_sessions
from corridor.audit.events import EventType
from corridor.core import clock
from corridor.core.actors import Actor, SystemActor
from corridor.core.exceptions import InvalidInput, NotAllowed

NOT_STANDBY_ROLE = _("A standby can be registered as coordinator, caseworker or verifier only.")
ALREADY_HOLDS = _("This person already holds the role; a standby is someone who does not.")
ADMIN_STANDBY = _("An administrator cannot be a standby for a role that sees personal data.")
ONLY_COORDINATORS = _("Only a coordinator can put a standby on duty.")
TOO_LONG = _("A standby is on duty for 1 to 12 hours.")
ALREADY_ON_DUTY = _("This standby is already on duty.")
INACTIVE_STANDBY = _("This account is switched off; it cannot go on duty.")
ACTIVATION_REASONS = frozenset(
    {"coordinators_unreachable", "evacuation_night", "suspension_cover", "staff_in_danger"}
)
UNKNOWN_REASON = _("Choose one of the listed reasons.")

WORKER = SystemActor(name="worker")

approvals.register_gated_action(
    ApprovalKind.REGISTER_STANDBY,
    approvals.GatedAction(
        requester_roles=frozenset({Role.ADMIN, Role.COORDINATOR}),
        approver_roles=frozenset({Role.COORDINATOR}),
        emergency_allowed=False,
    ),
)


@transaction.atomic
def register_standby(*, actor: Staff, staff: Staff, role: Role, approval_id: str) -> Standby:
    """Register `staff` as a standby for `role`, with a coordinator's granted approval."""
    if role not in STANDBY_ROLES:
        raise InvalidInput(str(NOT_STANDBY_ROLE))
    held = held_roles(staff)
    if Role.ADMIN in held:
        raise NotAllowed(str(ADMIN_STANDBY))
    if role in held:
        raise InvalidInput(str(ALREADY_HOLDS))
    approval = approvals.authorise(
        actor=actor,
        kind=ApprovalKind.REGISTER_STANDBY,
        target_type="staff",
        target_id=str(staff.pk),
        payload={"role": role.value},
        approval_id=approval_id,
    )
    assert approval.decided_by is not None  # noqa: S101 - authorise returns granted approvals
    standby, _created = Standby.objects.get_or_create(
        staff=staff,
        role=role.value,
        defaults={"registered_by": actor, "approved_by": approval.decided_by},
    )
    record_security_event(
        actor=actor,
        event=EventType.STANDBY_REGISTERED,
        subject_id=staff.pk,
        detail={"role": role.value, "approval": str(approval.pk)},
    )
    return standby


@transaction.atomic
def activate_standby(
    *, actor: Staff, standby: Standby, hours: int, reason: str
) -> StandbyActivation:
    """Put `standby` on duty in its role for `hours` (1–12) on one coordinator's word.

    Every active coordinator and auditor (the activator and the standby too) gets an
    alert that neither of them can dismiss.
    """
    if Role.COORDINATOR not in roles_of(actor) or actor.pk == standby.staff_id:
        raise NotAllowed(str(ONLY_COORDINATORS))
    if not 1 <= hours <= STANDBY_MAX_HOURS:
        raise InvalidInput(str(TOO_LONG))
    if reason not in ACTIVATION_REASONS:
        raise InvalidInput(str(UNKNOWN_REASON))
    staff = Staff.objects.select_for_update().get(pk=standby.staff_id)
    if not staff.is_active:
        raise NotAllowed(str(INACTIVE_STANDBY))
    if on_duty().filter(standby=standby).exists():
        raise InvalidInput(str(ALREADY_ON_DUTY))
    now = clock.now()
    activation = StandbyActivation.objects.create(
        standby=standby,
        activated_by=actor,
        reason=reason,
        started_at=now,
        ends_at=now + timedelta(hours=hours),
    )
    staff.groups.add(Group.objects.get_or_create(name=standby.role)[0])
    record_security_event(
        actor=actor,
        event=EventType.STANDBY_ACTIVATED,
        subject_id=staff.pk,
        reason=reason,
        detail={"role": standby.role, "hours": hours, "activation": str(activation.pk)},
    )
    alert_coordinators_and_auditors(code="standby_activated", subject=staff, actor=actor)
    return activation


@transaction.atomic
def end_standby(*, actor: Actor, activation: StandbyActivation) -> None:
    """Take the standby's role back now (its time is up, or a coordinator ends it)."""
    activation = StandbyActivation.objects.select_for_update().get(pk=activation.pk)
    if activation.ended_at is not None:
        return
    activation.ended_at = clock.now()
    activation.save(update_fields=["ended_at"])
    staff = activation.standby.staff
    staff.groups.remove(*Group.objects.filter(name=activation.standby.role))
    end_all_sessions(staff=staff)
    record_security_event(
        actor=actor,
        event=EventType.STANDBY_ENDED,
        subject_id=staff.pk,
        detail={"role": activation.standby.role, "activation": str(activation.pk)},
    )


def sweep_standby() -> int:
    """End every activation whose time is up; returns how many ended."""
    expired = list(on_duty(including_expired=True).filter(ends_at__lte=clock.now()))
    for activation in expired:
        end_standby(actor=WORKER, activation=activation)
    return len(expired)


def on_duty(*, including_expired: bool = False) -> QuerySet[StandbyActivation]:
    """Activations not yet ended (and, unless asked, not past their end)."""
    running = StandbyActivation.objects.filter(ended_at__isnull=True)
    if not including_expired:
        running = running.filter(ends_at__gt=clock.now())
    return running.select_related("standby", "standby__staff")


def list_standbys() -> QuerySet[Standby]:
    return Standby.objects.select_related("staff").order_by("staff__username", "role")
