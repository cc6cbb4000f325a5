"""Carrying an accepted request's answers into its case, now or when the case's team can.

    fill = new_case_filler(actor=verifier, request=request, answers=answers)
    case = open_case(..., fill=fill)                  # a new case: written with its new key
    carried = carry_or_wait(actor=verifier, request=request, answers=answers, case=case)
    merge_waiting_answers(actor=caseworker, case=case)  # on their next opening of the case

Nothing the person said is typed twice: names, how to address them, where they are, who
the danger is from, documents, contacts, date of birth and story land on the person;
what to say if someone else answers in their contact protocol; "in danger now" as the
case's risk until someone assesses it; what they agreed to about sharing as the case's
consent; and every answer as given in the case's intake record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.access import case_key, is_assigned
from corridor.cases.models import Case, ConsentSource, Relation, SharingChoice
from corridor.cases.services.carried import record_intake_answers, seed_urgent_risk
from corridor.cases.services.consent import record_consent
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.intake.access import access_request_answers
from corridor.intake.carryover import CarriedPerson, carried_person, in_danger_now
from corridor.intake.models import Channel, Request, Status
from corridor.intake.services.files import carry_request_files, files_waiting
from corridor.people import register
from corridor.people import services as people
from corridor.people.access import access_person_fields
from corridor.people.inputs import SEALED_FIELDS, DocumentInput, NameEntry, PersonInput
from corridor.people.models import Channel as ContactChannel
from corridor.people.models import IdentityDocument, Person
from corridor.vault.datakey import DataKey
from corridor.vault.errors import VAULT_FAILURES
from corridor.vault.fields import JSONValue

# Accepted requests whose answers may still wait for the case's team.
CARRIED_STATUSES = (Status.ACCEPTED, Status.PROVISIONAL)


def new_case_filler(
    *, actor: Actor, request: Request, answers: dict[str, JSONValue]
) -> Callable[[Case, Person, DataKey], None]:
    """What `open_case` runs inside its transaction to fill the case it opens."""

    def fill(case: Case, person: Person, key: DataKey) -> None:
        carry_answers(
            actor=actor, request=request, answers=answers, case=case, person=person, key=key
        )

    return fill


def carry_answers(
    *,
    actor: Actor,
    request: Request,
    answers: dict[str, JSONValue],
    case: Case,
    person: Person,
    key: DataKey,
) -> None:
    """Write every answer into `case` under its key `key` (caller's transaction). What
    the person's record already holds is kept: names, contacts and danger are added to,
    a story is appended, empty fields are filled."""
    carried = carried_person(answers)
    fresh = person.version == 1 and not case.intake_records.exists()
    current = (
        {}
        if fresh
        else access_person_fields(
            actor=actor, person=person, key=key, fields=SEALED_FIELDS, case_ref=case.ref
        )
    )
    data = _person_input(carried, current, person)
    if data != PersonInput():
        people.update_person(
            actor=actor, person=person, key=key, data=data, version=person.version,
            case_ref=case.ref,
        )  # fmt: skip
    registered = set(IdentityDocument.objects.filter(person=person).values_list("kind", flat=True))
    for kind, where in carried.documents:
        if kind not in registered:
            # The register derives the person's document facts (passports held, taken).
            register.add_document(
                actor=actor,
                person=person,
                key=key,
                data=DocumentInput(kind=kind, whereabouts=where),
                case_ref=case.ref,
            )
    if carried.if_someone_else:
        channel = (
            ContactChannel.PHONE if request.channel == Channel.HOTLINE else ContactChannel.PORTAL
        )
        people.note_contact_wishes(
            actor=actor,
            person=person,
            key=key,
            channel=channel,
            if_someone_else_answers=carried.if_someone_else,
            case_ref=case.ref,
        )
    record_intake_answers(
        actor=actor,
        case=case,
        key=key,
        request_id=request.id,
        channel=request.channel,
        received_on=request.received_on,
        answers=answers,
    )
    if in_danger_now(answers):
        seed_urgent_risk(actor=actor, case=case)
    consent = _consent_of(request, answers)
    if consent is not None:
        source = (
            ConsentSource.HOTLINE if request.channel == Channel.HOTLINE else ConsentSource.PORTAL
        )
        if request.sharing_changed_to:
            source = ConsentSource.PERSON
        record_consent(actor=actor, case=case, keep=consent[0], share=consent[1], source=source)
    # Files the person sent from the portal go with their answers.
    carry_request_files(actor=actor, request=request, case=case, person=person, key=key)
    Request.objects.filter(pk=request.pk).update(carried_at=clock.now())
    record_event(
        actor=actor,
        event=EventType.ANSWERS_CARRIED,
        object_type=ObjectType.REQUEST,
        object_id=str(request.id),
        case_id=case.ref,
        detail={"answers": len(answers)},
    )


def writable_case_key(actor: Staff, case: Case) -> DataKey | None:
    """The case's key if `actor` may write into the case now: assigned to it, and the key
    provider agrees. None means the answers wait for the case's team."""
    if not is_assigned(actor, case):
        return None
    try:
        return case_key(actor, case)
    except VAULT_FAILURES:
        return None


def wait_for_case_team(*, actor: Actor, request: Request, case: Case) -> None:
    """Record that the answers wait (caller's transaction). They stay where they are:
    sealed under the request's own key, which the key provider gives to staff assigned
    to the case the request was accepted into (intake/unwrap_policy.py), and to no one
    else once screening is over."""
    record_event(
        actor=actor,
        event=EventType.ANSWERS_WAITING,
        object_type=ObjectType.REQUEST,
        object_id=str(request.id),
        case_id=case.ref,
    )


def merge_waiting_answers(*, actor: Staff, case: Case) -> int:
    """Carry the answers of every request accepted into `case` that still waits; returns
    how many requests were carried. Only for staff assigned to the case; a key the
    provider refuses leaves the answers waiting (VaultError is raised for the caller to
    say so)."""
    waiting = list(
        Request.objects.filter(
            case=case,
            carried_at__isnull=True,
            status__in=CARRIED_STATUSES,
            answers__isnull=False,
        ).order_by("received_on", "created_at")
    )
    # Files sent from the portal after the answers were carried wait here too.
    late_files = [item for item in files_waiting(case) if item.carried_at is not None]
    if not (waiting or late_files) or not is_assigned(actor, case):
        return 0
    key = case_key(actor, case)
    person = _principal(case)
    if person is None:
        return 0
    for request in late_files:
        with transaction.atomic():
            carry_request_files(actor=actor, request=request, case=case, person=person, key=key)
    carried = 0
    for request in waiting:
        answers = access_request_answers(actor, request, purpose="carrying")
        if answers is None:
            continue
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=request.pk)
            if locked.carried_at is not None:
                continue
            person.refresh_from_db()
            carry_answers(
                actor=actor,
                request=locked,
                answers=answers,
                case=case,
                person=person,
                key=key,
            )
        carried += 1
    return carried


def count_waiting(case: Case) -> int:
    """How many accepted requests' answers still wait to be carried into `case`."""
    return Request.objects.filter(
        case=case, carried_at__isnull=True, status__in=CARRIED_STATUSES, answers__isnull=False
    ).count()


def principal_of(case: Case) -> Person | None:
    return _principal(case)


def _principal(case: Case) -> Person | None:
    members = case.members.filter(left_at__isnull=True).select_related("person")
    chosen = (
        members.filter(relation=Relation.PRINCIPAL).first() or members.order_by("joined_at").first()
    )
    return chosen.person if chosen is not None else None


def _consent_of(request: Request, answers: dict[str, JSONValue]) -> tuple[bool, str] | None:
    """(keep, share) as the person last answered, or None if they were not asked. A
    share question left unanswered counts as "ask me first"."""
    keep = answers.get("consent_keep")
    share = request.sharing_changed_to or answers.get("consent_share")
    if keep is None and share is None:
        return None
    if not isinstance(share, str) or share not in SharingChoice.values:
        share = SharingChoice.ASK
    return keep in (True, "yes"), share


def _person_input(carried: CarriedPerson, current: dict[str, Any], person: Person) -> PersonInput:
    values: dict[str, Any] = {}
    known = [_entry(entry) for entry in current.get("names") or [] if isinstance(entry, dict)]
    added = [name for name in carried.names if not any(_same(name, had) for had in known)]
    if added:
        if known:
            added = [NameEntry(**(name.as_json() | {"kind": "alias"})) for name in added]
        values["names"] = [*known, *added]
    if carried.address_as and not current.get("address_as"):
        values["address_as"] = carried.address_as
    if carried.where:
        values["location_detail"] = _appended(
            str(current.get("location_detail") or ""), carried.where
        )
    hunted = list(current.get("hunted_by") or [])
    if any(code not in hunted for code in carried.hunted_by):
        values["hunted_by"] = [*hunted, *(c for c in carried.hunted_by if c not in hunted)]
    contacts = list(current.get("contacts") or [])
    had = {str(contact.get("value")) for contact in contacts if isinstance(contact, dict)}
    new_contacts = [contact for contact in carried.contacts if contact["value"] not in had]
    if new_contacts:
        values["contacts"] = [*contacts, *new_contacts]
    if carried.date_of_birth is not None and not current.get("date_of_birth"):
        values["date_of_birth"] = carried.date_of_birth
    if carried.story:
        values["narrative"] = _appended(
            str(current.get("narrative") or ""), carried.story, gap="\n\n"
        )
    if "location_detail" in values and values["location_detail"] == current.get("location_detail"):
        del values["location_detail"]
    if "narrative" in values and values["narrative"] == current.get("narrative"):
        del values["narrative"]
    return PersonInput(**values)


def _entry(entry: dict[str, Any]) -> NameEntry:
    return NameEntry(
        script=str(entry.get("script") or "latn"),
        given=str(entry.get("given") or ""),
        family=str(entry.get("family") or ""),
        patronymic=str(entry.get("patronymic") or ""),
        kind=str(entry.get("kind") or "legal"),
    )


def _same(one: NameEntry, other: NameEntry) -> bool:
    def folded(name: NameEntry) -> str:
        return " ".join(part.casefold() for part in (name.given, name.family) if part)

    return folded(one) == folded(other)


def _appended(current: str, new: str, *, gap: str = "\n") -> str:
    if not current:
        return new
    if new in current:
        return current
    return f"{current}{gap}{new}"
