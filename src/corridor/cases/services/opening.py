"""Opening a case and changing who is in it."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.cases.models import Case, CaseLink, CaseMember, LinkKind, Phase, Relation
from corridor.cases.services._base import case_key, log, touch
from corridor.cases.services.work import add_task
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput
from corridor.core.ids import new_reference
from corridor.people import services as people
from corridor.people.inputs import PersonInput
from corridor.people.models import Person
from corridor.vault import keys as vault_keys
from corridor.vault.datakey import DataKey
from corridor.vault.ledger import KeyOwner

IN_ANOTHER_CASE = _("This person is already in another open case.")
REGION_INVALID = _("Use a region code such as RU-CE, or leave it empty.")
LINK_TO_ITSELF = _("A case cannot be linked to itself.")
LINK_EXISTS = _("These cases are already linked that way.")
NOT_A_MEMBER = _("This person is not in the case.")
OPENED_IN_FUTURE = _("A case cannot have been opened in the future.")
LAST_MEMBER = _("A case keeps at least one person; close the case instead.")


def open_case(
    *,
    actor: Actor,
    principal: PersonInput,
    region: str = "",
    phase: Phase = Phase.INTAKE,
    next_action: str,
    next_action_due: date,
    fill: Callable[[Case, Person, DataKey], None] | None = None,
    opened_on: date | None = None,
) -> Case:
    """A new case with its principal person and first next action.

    The data key is created (and committed to the key store) before the rows that
    name it, so a crash leaves at most an unused key, never a case without its key.
    `opened_on` dates a case opened earlier elsewhere (an imported spreadsheet's row), so
    reports count it in the period it began; never in the future.
    `fill` writes more into the new case in the same transaction with the new key (an
    accepted request's answers): whoever opens a case may fill it, assigned or not.
    """
    if region and not _region_ok(region):
        raise InvalidInput(str(REGION_INVALID))
    if opened_on is not None and opened_on > clock.today():
        raise InvalidInput(str(OPENED_IN_FUTURE))
    case_id = uuid.uuid4()
    key = vault_keys.create_data_key(owner=KeyOwner(kind="case", object_id=str(case_id)))
    with transaction.atomic():
        case = Case.objects.create(
            id=case_id,
            ref=_unique_ref(),
            key_id=key.key_id,
            phase=phase,
            region=region.upper(),
            opened_at=clock.now() if opened_on is None else _morning(opened_on),
        )
        person = people.create_person(actor=actor, key=key, data=principal, case_ref=case.ref)
        CaseMember.objects.create(case=case, person=person, relation=Relation.PRINCIPAL)
        log(actor=actor, case=case, event=EventType.CASE_OPENED, detail={"phase": phase})
        add_task(actor=actor, case=case, title=next_action, due_on=next_action_due, key=key)
        if fill is not None:
            fill(case, person, key)
    return case


@transaction.atomic
def add_member(*, actor: Actor, case: Case, data: PersonInput, relation: Relation) -> Person:
    """A new person in the household, sealed under the case's key."""
    key = case_key(actor, case)
    person = people.create_person(actor=actor, key=key, data=data, case_ref=case.ref)
    CaseMember.objects.create(case=case, person=person, relation=relation)
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.MEMBER_ADDED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        detail={"relation": relation},
    )
    return person


@transaction.atomic
def move_member(*, actor: Actor, case: Case, person: Person, relation: Relation) -> None:
    """Add an existing person (from a case they have left) to this case.

    A person is in one open case at a time: someone still in another case is refused.
    """
    try:
        with transaction.atomic():
            CaseMember.objects.create(case=case, person=person, relation=relation)
    except IntegrityError:
        raise InvalidInput(str(IN_ANOTHER_CASE)) from None
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.MEMBER_ADDED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
        detail={"relation": relation},
    )


@transaction.atomic
def remove_member(*, actor: Actor, case: Case, person: Person) -> None:
    membership = CaseMember.objects.filter(case=case, person=person, left_at__isnull=True).first()
    if membership is None:
        raise InvalidInput(str(NOT_A_MEMBER))
    if case.members.filter(left_at__isnull=True).count() == 1:
        raise InvalidInput(str(LAST_MEMBER))
    membership.left_at = clock.now()
    membership.save(update_fields=["left_at"])
    touch(case)
    log(
        actor=actor,
        case=case,
        event=EventType.MEMBER_REMOVED,
        object_type=ObjectType.PERSON,
        object_id=str(person.pk),
    )


@transaction.atomic
def link_cases(*, actor: Actor, case: Case, other: Case, kind: LinkKind) -> CaseLink:
    """Link two cases (family, shelter, travel, threat actor); both timelines record it."""
    if case.pk == other.pk:
        raise InvalidInput(str(LINK_TO_ITSELF))
    first, second = sorted((case, other), key=lambda c: str(c.pk))
    try:
        with transaction.atomic():
            link = CaseLink.objects.create(case_a=first, case_b=second, kind=kind)
    except IntegrityError:
        raise InvalidInput(str(LINK_EXISTS)) from None
    for side, across in ((case, other), (other, case)):
        touch(side)
        log(
            actor=actor,
            case=side,
            event=EventType.CASE_LINKED,
            object_type=ObjectType.CASE,
            object_id=str(across.pk),
            detail={"kind": kind, "other": across.ref},
        )
    return link


def linked_cases(case: Case, kinds: frozenset[str] | None = None) -> list[Case]:
    """Cases linked to `case` (of the given kinds)."""
    links = CaseLink.objects.filter(case_a=case) | CaseLink.objects.filter(case_b=case)
    if kinds is not None:
        links = links.filter(kind__in=kinds)
    ids = {link.case_b_id if link.case_a_id == case.pk else link.case_a_id for link in links}
    return list(Case.objects.filter(pk__in=ids))


def _unique_ref() -> str:
    while True:
        ref = new_reference("CR")
        if not Case.objects.filter(ref=ref).exists():
            return ref


def _morning(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


def _region_ok(region: str) -> bool:
    import re

    return re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?", region) is not None
