"""Who may see which case, and the only ways to a case's plaintext.

Caseworkers see the cases they are assigned to; coordinators see every case, and
opening one they are not assigned to needs a reason code and leaves a
break-glass record; auditors and administrators see no case at all. A case that
does not exist and a case the actor may not see raise the same CaseNotFound,
so a URL cannot be used to learn that a reference exists; the refusal itself is
an audit event, so probing references leaves a trace.

Plaintext shows only while the case is open for work (services/openings.py): for
ten minutes, in the browser session that opened it. Every look at a case is one
audit event, and every person whose fields are opened one more.

Fields: safe-house addresses (placements) and links between cases are for
coordinators only; everything else of a case is for whoever may open it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.crypto import salted_hmac

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.access import access_reason_note_by_seq
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import (
    Case,
    CaseAssignment,
    CaseOpening,
    CaseReveal,
    Incident,
    IntakeRecord,
    Note,
    Placement,
    RiskAssessment,
    Task,
    TravelLeg,
)
from corridor.cases.services._base import case_key as case_key  # re-exported for other apps
from corridor.core import clock
from corridor.core.exceptions import NotAllowed, NotFound
from corridor.people.access import (
    PROTOCOL_FIELDS,
    access_person_documents,
    access_person_fields,
    access_protocol_fields,
)
from corridor.people.inputs import SEALED_FIELDS
from corridor.people.models import ContactProtocol, DocumentFile
from corridor.vault.datakey import DataKey
from corridor.vault.opening import open_field

REVEAL_LIFETIME = timedelta(minutes=10)
LOCATION_ROLES = frozenset({Role.COORDINATOR})
LINK_ROLES = frozenset({Role.COORDINATOR})
COORDINATION_ROLES = frozenset({Role.COORDINATOR})
_REFERENCE = re.compile(r"CR-[0-9A-Z]{4}-[0-9A-Z]{4}")
_PAGE = re.compile(r"[a-z_]{1,40}")


class CaseNotFound(NotFound):
    """No such case, or not one the actor may see."""


class RevealReasonNeeded(CaseNotFound):
    """A coordinator must give a reason to open a case they are not assigned to."""


class StepUpNeeded(NotAllowed):
    """An insider alert stands against this person: they must confirm their password and
    second factor again before opening another case."""


def is_assigned(staff: Staff, case: Case) -> bool:
    return CaseAssignment.objects.filter(case=case, staff=staff, ended_at__isnull=True).exists()


def has_fresh_reveal(staff: Staff, case: Case) -> bool:
    since = clock.now() - REVEAL_LIFETIME
    return CaseReveal.objects.filter(case=case, staff=staff, revealed_at__gte=since).exists()


def may_hold_key(staff: Staff, case: Case) -> bool:
    """What keyd asks before it unwraps the case's key: assigned, or a fresh break-glass."""
    return is_assigned(staff, case) or has_fresh_reveal(staff, case)


def may_see_locations(actor: Staff) -> bool:
    return bool(roles_of(actor) & LOCATION_ROLES)


def may_see_links(actor: Staff) -> bool:
    return bool(roles_of(actor) & LINK_ROLES)


def may_coordinate(actor: Staff) -> bool:
    """Assigning, linking, declaring a surge, reviewing alerts: coordinators only."""
    return bool(roles_of(actor) & COORDINATION_ROLES)


def access_case_by_ref(
    actor: Staff, ref: str, *, page: str = "", coordinators_only: bool = False
) -> Case:
    """The case with `ref` if the actor may see that it exists (no plaintext).

    A refusal is recorded (event `accounts.access_denied` naming the reference and the
    page) before CaseNotFound is raised, outside any write transaction, so it stays
    recorded whatever the caller does next.
    """
    case = Case.objects.filter(ref=ref, erased_at__isnull=True).first()
    allowed = case is not None and may_see_case(actor, case)
    if allowed and coordinators_only:
        allowed = may_coordinate(actor)
    if not allowed:
        record_event(
            actor=actor,
            event=EventType.ACCESS_DENIED,
            object_type=ObjectType.CASE,
            case_id=ref if _REFERENCE.fullmatch(ref) else "",
            detail={"page": page if _PAGE.fullmatch(page) else "other"},
        )
        raise CaseNotFound
    assert case is not None  # noqa: S101 - allowed implies found
    return case


def session_fingerprint(session_key: str) -> str:
    """What an opening stores to name its browser session (a keyed hash, not the key)."""
    return salted_hmac("corridor.cases.opening", session_key, algorithm="sha256").hexdigest()


def active_opening(actor: Staff, case: Case, session_key: str) -> CaseOpening | None:
    """This person's unexpired opening of the case in this browser session, if any."""
    if not session_key:
        return None
    return (
        CaseOpening.objects.filter(
            case=case,
            staff=actor,
            session=session_fingerprint(session_key),
            expires_at__gt=clock.now(),
        )
        .order_by("-expires_at")
        .first()
    )


@dataclass(frozen=True)
class OpenedCase:
    """A case's plaintext for one page view: what the viewer's role may see."""

    case: Case
    until: Any
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    protocols: dict[str, dict[str, Any]] = field(default_factory=dict)
    # {document id: {"number", "issued_on"}} of every member's identity documents.
    documents: dict[str, dict[str, str]] = field(default_factory=dict)
    # {document file id: its title}
    file_titles: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)
    itineraries: dict[str, str] = field(default_factory=dict)
    risk_reasons: list[str] = field(default_factory=list)
    # {intake record id: the answers as the person gave them}, oldest request first.
    intake_answers: dict[str, dict[str, Any]] = field(default_factory=dict)


@transaction.atomic
def access_case_page(actor: Staff, case: Case, *, page: str, session_key: str) -> OpenedCase | None:
    """Record this look at the case (event `cases.case_viewed`) and, while the case is open
    for work in this browser session, return its plaintext (one more event per person and
    contact protocol opened, naming the fields, never their values)."""
    opening = active_opening(actor, case, session_key)
    record_case_view(actor, case, page=page, opened=opening is not None)
    if opening is None:
        return None
    return _decrypt(actor, case, until=opening.expires_at)


@transaction.atomic
def access_protocol_for_form(
    actor: Staff, case: Case, *, person_id: str, session_key: str
) -> dict[str, Any]:
    """What the contact protocol form starts from, so saving it loses nothing: the plain
    settings always, the sealed words only while the case is open for work in this session
    (read through `access_protocol_fields`, one audited event naming the fields)."""
    protocol = (
        ContactProtocol.objects.filter(
            person_id=person_id,
            person__memberships__case=case,
            person__memberships__left_at__isnull=True,
        )
        .distinct()
        .first()
    )
    if protocol is None:
        return {}
    initial: dict[str, Any] = {
        "channel": protocol.channel,
        "every_hours": protocol.check_in_every_hours,
        "portal_counts_as_check_in": protocol.portal_counts_as_check_in,
    }
    if active_opening(actor, case, session_key) is not None:
        initial.update(
            access_protocol_fields(
                actor=actor,
                protocol=protocol,
                key=case_key(actor, case),
                fields=PROTOCOL_FIELDS,
                case_ref=case.ref,
            )
        )
    return initial


def access_incident_notes(
    actor: Staff, incident: Incident, *, session_key: str
) -> dict[str, str] | None:
    """An incident's sealed words (why each skipped step was skipped, under its step code,
    and the outcome, under "outcome") while its case is open for work in this browser
    session; each note read is an audit event. None while the case is not open."""
    case = incident.case
    if active_opening(actor, case, session_key) is None:
        return None
    key = case_key(actor, case)
    events = {str(item["step"]): item.get("note") for item in incident.checklist}
    events["outcome"] = incident.outcome_event
    return {
        name: access_reason_note_by_seq(actor=actor, seq=seq, key=key)
        for name, seq in events.items()
        if isinstance(seq, int)
    }


def record_case_view(actor: Staff, case: Case, *, page: str, opened: bool = False) -> None:
    """One event for one look at a case page; `opened` says whether plaintext was shown."""
    record_event(
        actor=actor,
        event=EventType.CASE_VIEWED,
        object_type=ObjectType.CASE,
        object_id=str(case.pk),
        case_id=case.ref,
        detail={"page": page if _PAGE.fullmatch(page) else "other", "opened": int(opened)},
    )


def _decrypt(actor: Staff, case: Case, *, until: Any) -> OpenedCase:
    # case_key refuses an erased case, so every row below still holds its sealed values.
    key = case_key(actor, case)
    opened = OpenedCase(case=case, until=until)
    memberships = case.members.filter(left_at__isnull=True).select_related("person")
    for membership in memberships.order_by("joined_at", "id"):
        person = membership.person
        opened.people[str(person.pk)] = access_person_fields(
            actor=actor, person=person, key=key, fields=SEALED_FIELDS, case_ref=case.ref
        )
        for row in access_person_documents(actor=actor, person=person, key=key, case_ref=case.ref):
            opened.documents[str(row["document"].pk)] = {
                "number": row["number"],
                "issued_on": row["issued_on"],
            }
        protocol = ContactProtocol.objects.filter(person=person).first()
        if protocol is not None:
            opened.protocols[str(person.pk)] = access_protocol_fields(
                actor=actor,
                protocol=protocol,
                key=key,
                fields=PROTOCOL_FIELDS,
                case_ref=case.ref,
            )
    opened.file_titles.update(
        _opened(
            DocumentFile.objects.filter(person__in=[m.person for m in memberships]),
            "title",
            key,
        )
    )
    opened.tasks.update(_opened(Task.objects.filter(case=case), "title", key))
    opened.notes.update(_opened(Note.objects.filter(case=case), "body", key))
    if may_see_locations(actor):
        opened.addresses.update(_opened(Placement.objects.filter(case=case), "address", key))
    opened.itineraries.update(_opened(TravelLeg.objects.filter(case=case), "itinerary", key))
    for record in IntakeRecord.objects.filter(case=case).order_by("received_on", "created_at"):
        answers = open_field(record.answers, key=key) if record.answers is not None else {}
        opened.intake_answers[str(record.pk)] = answers if isinstance(answers, dict) else {}
    latest = RiskAssessment.objects.filter(case=case).order_by("-created_at").first()
    if latest is not None and latest.reasons is not None:
        reasons = open_field(latest.reasons, key=key)
        codes = reasons if isinstance(reasons, list) else []
        opened.risk_reasons.extend(str(code) for code in codes)
    return opened


def _opened(rows: Iterable[Any], field_name: str, key: DataKey) -> dict[str, str]:
    """{row id: plaintext of `field_name`} for each row."""
    return {str(row.pk): str(open_field(getattr(row, field_name), key=key)) for row in rows}


def may_see_case(actor: Staff, case: Case) -> bool:
    """Coordinators see every case, caseworkers their assigned ones, other roles none."""
    roles = roles_of(actor)
    if Role.COORDINATOR in roles:
        return True
    if Role.CASEWORKER in roles:
        return is_assigned(actor, case)
    return False
