"""Verification decisions on screened requests, and the erasure of those not taken on.

    record_decision(actor=verifier, request_id=request.id, outcome=Outcome.ACCEPT,
                    methods=[Method.CALL_HELD], note="", message="")

`accept` opens a case through the cases services and links the request to it, so the
requester keeps writing through the portal and the case's team reads and replies in
the same thread. `accept_provisional` gives isolated help now and sets a 72-hour
deadline for full verification; `suspected` freezes the request until a second person
reviews it. Declined, duplicate and suspected requests are erased on a schedule.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.consent import SharingRefused, check_sharing
from corridor.cases.models import Case, Phase
from corridor.cases.services.assignment import lead_new_case
from corridor.cases.services.opening import open_case
from corridor.core import clock
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.intake.access import access_request_answers, access_request_by_id
from corridor.intake.errors import NoCodename
from corridor.intake.keyd_phase import record_phase
from corridor.intake.models import Codename, Decision, Method, Outcome, Request, Status
from corridor.intake.selectors import SCREENING_ROLES
from corridor.intake.services.carrying import (
    carry_answers,
    new_case_filler,
    principal_of,
    wait_for_case_team,
    writable_case_key,
)
from corridor.intake.services.messages import send_decision_reply
from corridor.intake.tally import DECISIONS, count_decision
from corridor.people.inputs import PersonInput
from corridor.vault import keys as vault_keys
from corridor.vault.fields import JSONValue, seal_field

# Decisions that send the request's data to a partner organisation.
SHARES_OUTSIDE = frozenset({Outcome.REFER_OUT, Outcome.CO_VERIFY})

OUTCOME_STATUS = {
    Outcome.ACCEPT: Status.ACCEPTED,
    Outcome.ATTACH: Status.ACCEPTED,
    Outcome.ACCEPT_PROVISIONAL: Status.PROVISIONAL,
    Outcome.NEED_INFO: Status.NEED_INFO,
    Outcome.CO_VERIFY: Status.CO_VERIFY,
    Outcome.REFER_OUT: Status.REFERRED_OUT,
    Outcome.DECLINE: Status.DECLINED,
    Outcome.DUPLICATE: Status.DUPLICATE,
    Outcome.SUSPECTED: Status.SUSPECTED,
}
# Where a decision can still be taken (the others are final).
DECIDABLE = frozenset(
    {
        Status.IN_VERIFICATION,
        Status.PROVISIONAL,
        Status.NEED_INFO,
        Status.CO_VERIFY,
        Status.SUSPECTED,
    }
)
ERASED_LATER = frozenset({Status.DECLINED, Status.DUPLICATE, Status.SUSPECTED})

NOT_DECIDABLE = _("This request cannot be decided on now.")
NOT_A_VERIFIER = _("Only verifiers and coordinators decide on requests.")
SECOND_REVIEWER = _("A suspected request is reviewed by someone other than who froze it.")
NEEDS_METHOD = _("Tick at least one verification method before accepting fully.")
ALREADY_PROVISIONAL = _("The request is already accepted provisionally.")
CASE_UNKNOWN = _("Give the reference of the existing case, such as CR-7K3M-Q9TZ.")
CASE_CLOSED = _("That case is closed: reopen it first, or open a new case.")
NEEDS_PARTNER = _("Name the partner organisation.")
NEEDS_QUESTION = _("Write what you need to know; the person reads it in their thread.")
OUTCOME_INVALID = _("Choose a decision.")
METHOD_INVALID = _("Choose verification methods from the list.")
FIRST_ACTION = _("First contact with the person: agree a safe channel and check-in times")

# What the requester reads; never a hint of suspicion, never a name or an address.
DECLINE_MESSAGE = _(
    "Thank you for writing to us. We cannot take on your request, but you are not alone: "
    "other organisations may be able to help. If you are in immediate danger, contact "
    "people you trust and leave the place where you are threatened if you can."
)
REFER_MESSAGE = _(
    "Thank you for writing to us. Another organisation is better placed to help you, and "
    "we have passed on what is needed. They will contact you through a safe channel."
)
NEUTRAL_MESSAGE = _(
    "Thank you. Your request is being reviewed; we will write to you here when we can."
)
ATTACH_MESSAGE = _(
    "We have found your earlier conversation with us and joined it to this one. From now "
    "on, use the codename you got with this request; the old one no longer opens anything."
)
PROVISIONAL_MESSAGE = _(
    "We have received your request and will help you right away while we finish "
    "reviewing it. Please keep checking this page."
)


def record_decision(
    *,
    actor: Staff,
    request_id: uuid.UUID,
    outcome: str,
    methods: Sequence[str] = (),
    note: str = "",
    message: str = "",
    case_ref: str = "",
    sharing_confirmed: bool = False,
    template: str = "",
) -> Request:
    """Record `outcome` on the request (and its consequences); raises InvalidInput or
    NotAllowed (SharingRefused among them) naming what is wrong before anything is
    written.

    Accepting carries every answer into the new case. Attaching the request to an
    existing case ("the same person") carries them now if the verifier may write into
    that case, or leaves them waiting for its team (see services/carrying.py).
    """
    request = access_request_by_id(actor, request_id)
    if not roles_of(actor) & SCREENING_ROLES:
        raise NotAllowed(str(NOT_A_VERIFIER))
    chosen, used = _check_decision(actor, request, outcome, methods, note, message)
    duplicate_of = _case_by_ref(case_ref) if chosen == Outcome.DUPLICATE else None
    attach_to = _open_case_by_ref(case_ref) if chosen == Outcome.ATTACH else None
    answers = access_request_answers(actor, request, purpose="decision")
    if answers is None or request.key_id is None:
        raise InvalidInput(str(NOT_DECIDABLE))
    key = vault_keys.data_key(request.key_id, for_actor=actor.actor_id, case_id=str(request.id))
    if chosen in SHARES_OUTSIDE:
        _check_request_sharing(actor, request, answers, chosen, confirmed=sharing_confirmed)
    case = _open_case_for(actor, request, answers) if chosen == Outcome.ACCEPT else attach_to
    case_key = writable_case_key(actor, attach_to) if attach_to is not None else None
    now = clock.now()
    with transaction.atomic():
        locked = Request.objects.select_for_update().get(pk=request.pk)
        if locked.status != request.status:
            raise InvalidInput(str(NOT_DECIDABLE))
        decision = Decision(
            request=locked, outcome=chosen, methods="+".join(used), decided_by=actor
        )
        seal_field(decision, "note", note.strip()[:2000], key=key)
        decision.save()
        locked.status = OUTCOME_STATUS[chosen]
        locked.decided_at, locked.decided_by = now, actor
        locked.review_due_at = _deadline(chosen, now)
        locked.erase_on = _erase_on(chosen)
        if case is not None:
            locked.case = case
        if duplicate_of is not None:
            locked.duplicate_of = duplicate_of
        locked.save()
        record_phase(locked)
        if attach_to is not None:
            _attach(actor, locked, answers, attach_to, case_key)
        detail: dict[str, str | int] = {"outcome": chosen.value, "methods": len(used)}
        if case is not None:
            detail["case"] = case.ref
        if template:
            detail["template"] = template  # a reply template's code (replies.Situation)
        record_event(
            actor=actor,
            event=EventType.REQUEST_DECIDED,
            object_type=ObjectType.REQUEST,
            object_id=str(locked.id),
            reason=chosen.value,
            detail=detail,
        )
        # Counted once per request: a suspected request's second review keeps its count.
        if locked.status in DECISIONS and request.status not in DECISIONS:
            count_decision(locked, Status(locked.status))
    _tell_requester(actor, locked, chosen, message)
    return locked


def _check_decision(
    actor: Staff,
    request: Request,
    outcome: str,
    methods: Sequence[str],
    note: str,
    message: str,
) -> tuple[Outcome, list[str]]:
    if outcome not in Outcome.values:
        raise InvalidInput(str(OUTCOME_INVALID))
    chosen = Outcome(outcome)
    used = sorted(set(methods))
    if any(method not in Method.values for method in used):
        raise InvalidInput(str(METHOD_INVALID))
    if request.status not in DECIDABLE:
        raise InvalidInput(str(NOT_DECIDABLE))
    if request.status == Status.SUSPECTED and request.decided_by_id == actor.pk:
        raise NotAllowed(str(SECOND_REVIEWER))
    if request.status == Status.PROVISIONAL and chosen == Outcome.ACCEPT_PROVISIONAL:
        raise InvalidInput(str(ALREADY_PROVISIONAL))
    if chosen in (Outcome.ACCEPT, Outcome.ATTACH) and not used:
        raise InvalidInput(str(NEEDS_METHOD))
    if chosen in (Outcome.REFER_OUT, Outcome.CO_VERIFY) and not note.strip():
        raise InvalidInput(str(NEEDS_PARTNER))
    if chosen == Outcome.NEED_INFO and not message.strip():
        raise InvalidInput(str(NEEDS_QUESTION))
    return chosen, used


def _case_by_ref(case_ref: str) -> Case:
    case = Case.objects.filter(ref=case_ref.strip().upper(), erased_at__isnull=True).first()
    if case is None:
        raise InvalidInput(str(CASE_UNKNOWN))
    return case


def _deadline(outcome: Outcome, now: datetime) -> datetime | None:
    if outcome == Outcome.ACCEPT_PROVISIONAL:
        return now + timedelta(hours=int(settings.CORRIDOR_PROVISIONAL_HOURS))
    if outcome == Outcome.SUSPECTED:
        return now + timedelta(hours=int(settings.CORRIDOR_SUSPECTED_REVIEW_HOURS))
    return None


def _erase_on(outcome: Outcome) -> date | None:
    if OUTCOME_STATUS[outcome] in ERASED_LATER:
        return clock.today() + timedelta(days=int(settings.CORRIDOR_SCREENING_ERASE_DAYS))
    return None


def _open_case_by_ref(case_ref: str) -> Case:
    case = _case_by_ref(case_ref)
    if case.phase == Phase.CLOSED:
        raise InvalidInput(str(CASE_CLOSED))
    return case


def _check_request_sharing(
    actor: Staff,
    request: Request,
    answers: dict[str, JSONValue],
    outcome: Outcome,
    *,
    confirmed: bool,
) -> None:
    """Referring a request out or co-verifying it with a partner sends it outside: the
    person's answer on sharing decides (a refusal is recorded on its own)."""
    share = request.sharing_changed_to or str(answers.get("consent_share") or "ask")
    try:
        check_sharing(share, confirmed=confirmed)
    except SharingRefused:
        with transaction.atomic():
            record_event(
                actor=actor,
                event=EventType.SHARING_REFUSED,
                object_type=ObjectType.REQUEST,
                object_id=str(request.id),
                reason=outcome.value,
                detail={"share": share},
            )
        raise


def _open_case_for(actor: Staff, request: Request, answers: dict[str, JSONValue]) -> Case:
    """A new case whose principal is the requester, with every answer carried into it."""
    case = open_case(
        actor=actor,
        principal=PersonInput(),
        next_action=str(FIRST_ACTION),
        next_action_due=clock.today() + timedelta(days=1),
        fill=new_case_filler(actor=actor, request=request, answers=answers),
    )
    # A coordinator (or caseworker) who accepts leads the case; a verifier's acceptance
    # lands in the board's unassigned queue for a coordinator to assign.
    if roles_of(actor) & {Role.CASEWORKER, Role.COORDINATOR}:
        lead_new_case(actor=actor, case=case)
    return case


def _attach(
    actor: Staff,
    request: Request,
    answers: dict[str, JSONValue],
    case: Case,
    key: vault_keys.DataKey | None,
) -> None:
    """Join the request to the same person's case (caller's transaction): its thread
    becomes one of the case's, the codenames of the case's earlier requests are retired
    (the person lost theirs; whoever finds it must read nothing), and the answers are
    carried now or wait for the case's team."""
    earlier = Request.objects.filter(case=case).exclude(pk=request.pk).values_list("pk", flat=True)
    retired = Codename.objects.filter(request_id__in=list(earlier), retired_on__isnull=True).update(
        retired_on=clock.today()
    )
    record_event(
        actor=actor,
        event=EventType.CODENAMES_RETIRED,
        object_type=ObjectType.REQUEST,
        object_id=str(request.id),
        case_id=case.ref,
        detail={"retired": retired},
    )
    person = principal_of(case)
    if key is not None and person is not None:
        carry_answers(
            actor=actor, request=request, answers=answers, case=case, person=person, key=key
        )
    else:
        wait_for_case_team(actor=actor, request=request, case=case)


def _tell_requester(actor: Staff, request: Request, outcome: Outcome, message: str) -> None:
    """The message the requester reads in their thread (portal requests with a codename)."""
    text = message.strip()
    if outcome == Outcome.SUSPECTED:
        text = str(NEUTRAL_MESSAGE)  # whatever was typed: the requester must learn nothing
    elif not text:
        defaults = {
            Outcome.DECLINE: DECLINE_MESSAGE,
            Outcome.REFER_OUT: REFER_MESSAGE,
            Outcome.ACCEPT_PROVISIONAL: PROVISIONAL_MESSAGE,
            Outcome.ATTACH: ATTACH_MESSAGE,
        }
        text = str(defaults.get(outcome, ""))
    if not text:
        return
    # A hotline request has no codename: the operator or verifier calls back instead.
    with contextlib.suppress(NoCodename):
        send_decision_reply(
            actor=actor, request=request, text=text, frozen_ok=outcome == Outcome.SUSPECTED
        )
