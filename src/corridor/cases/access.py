"""Who may see which case, and the only ways to a case's plaintext.

Caseworkers see the cases they are assigned to; coordinators see every case, and
opening one they are not assigned to needs a reason code and leaves a
break-glass record; auditors and administrators see no case at all. A case that
does not exist and a case the actor may not see raise the same CaseNotFound,
so a URL cannot be used to learn that a reference exists.

Fields: safe-house addresses (placements) and links between cases are for
coordinators only; everything else of a case is for whoever may open it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.services import record_event
from corridor.cases.models import Case, CaseAssignment, CaseReveal, Note, Placement, Task
from corridor.cases.services._base import case_key

__all__ = ["CaseNotFound", "access_case_by_ref", "case_key", "open_case_for_work"]
from corridor.cases.services.assignment import record_reveal
from corridor.core import clock
from corridor.core.exceptions import NotFound
from corridor.people.access import access_person_fields, access_protocol_fields
from corridor.people.inputs import SEALED_FIELDS
from corridor.people.models import ContactProtocol
from corridor.vault.fields import open_field

REVEAL_LIFETIME = timedelta(minutes=10)
LOCATION_ROLES = frozenset({Role.COORDINATOR})
LINK_ROLES = frozenset({Role.COORDINATOR})


class CaseNotFound(NotFound):
    """No such case, or not one the actor may see."""


class RevealReasonNeeded(CaseNotFound):
    """A coordinator must give a reason to open a case they are not assigned to."""


def is_assigned(staff: Staff, case: Case) -> bool:
    return CaseAssignment.objects.filter(case=case, staff=staff, ended_at__isnull=True).exists()


def has_fresh_reveal(staff: Staff, case: Case) -> bool:
    since = clock.now() - REVEAL_LIFETIME
    return CaseReveal.objects.filter(case=case, staff=staff, revealed_at__gte=since).exists()


def access_case_by_ref(actor: Staff, ref: str) -> Case:
    """The case with `ref` if the actor may see that it exists (no plaintext)."""
    case = Case.objects.filter(ref=ref, erased_at__isnull=True).first()
    if case is None or not _may_see(actor, case):
        raise CaseNotFound
    return case


def may_see_locations(actor: Staff) -> bool:
    return bool(roles_of(actor) & LOCATION_ROLES)


def may_see_links(actor: Staff) -> bool:
    return bool(roles_of(actor) & LINK_ROLES)


@dataclass(frozen=True)
class OpenedCase:
    """A case's plaintext for one person's work session: what their role may see."""

    case: Case
    people: list[dict[str, Any]]
    protocols: dict[str, dict[str, Any]]
    tasks: list[dict[str, Any]]
    notes: list[dict[str, Any]]
    placements: list[dict[str, Any]]


def open_case_for_work(actor: Staff, case: Case, *, reason: str = "") -> OpenedCase:
    """Decrypt the case for `actor`: assigned staff, or a coordinator with a reason code
    (recorded as a break-glass reveal). One audit event for the opening, one per person.

    The reveal commits before the key is asked for: keyd checks it through its own
    read-only connection, which sees committed rows only; and a reveal stays on
    record even if the opening then fails. Call it outside a transaction.
    """
    if not _may_see(actor, case):
        raise CaseNotFound
    if not is_assigned(actor, case) and not has_fresh_reveal(actor, case):
        if not reason:
            raise RevealReasonNeeded
        record_reveal(actor=actor, case=case, reason=reason)
    with transaction.atomic():
        return _open_for_work(actor, case)


def _open_for_work(actor: Staff, case: Case) -> OpenedCase:
    key = case_key(actor, case)
    record_event(
        actor=actor,
        event=EventType.CASE_OPENED_FOR_WORK,
        object_type="cases.case",
        object_id=str(case.pk),
        case_id=case.ref,
    )
    people = []
    protocols: dict[str, dict[str, Any]] = {}
    for membership in case.members.filter(left_at__isnull=True).select_related("person"):
        person = membership.person
        fields = access_person_fields(
            actor=actor, person=person, key=key, fields=SEALED_FIELDS, case_ref=case.ref
        )
        people.append({"id": str(person.pk), "relation": membership.relation, **fields})
        protocol = ContactProtocol.objects.filter(person=person).first()
        if protocol is not None:
            protocols[str(person.pk)] = access_protocol_fields(
                actor=actor,
                protocol=protocol,
                key=key,
                fields=("safe_hours", "if_someone_else_answers", "check_in_word", "duress_word"),
                case_ref=case.ref,
            )
    tasks = [
        {
            "id": str(task.pk),
            "title": open_field(task.title, key=key),
            "due_on": task.due_on,
            "done_at": task.done_at,
        }
        for task in Task.objects.filter(case=case).order_by("done_at", "due_on")
        if task.title is not None
    ]
    notes = [
        {
            "id": str(note.pk),
            "body": open_field(note.body, key=key),
            "at": note.created_at,
            "author_id": note.author_id,
        }
        for note in Note.objects.filter(case=case).order_by("-created_at")
        if note.body is not None
    ]
    placements = [
        {
            "id": str(placement.pk),
            "shelter_ref": placement.shelter_ref,
            "starts_on": placement.starts_on,
            "ends_on": placement.ends_on,
            "address": open_field(placement.address, key=key)
            if may_see_locations(actor) and placement.address is not None
            else None,
        }
        for placement in Placement.objects.filter(case=case).order_by("-starts_on")
    ]
    return OpenedCase(
        case=case,
        people=people,
        protocols=protocols,
        tasks=tasks,
        notes=notes,
        placements=placements,
    )


def _may_see(actor: Staff, case: Case) -> bool:
    roles = roles_of(actor)
    if Role.COORDINATOR in roles:
        return True
    if Role.CASEWORKER in roles:
        return is_assigned(actor, case)
    return False
