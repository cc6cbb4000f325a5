"""The custody log of a document's original: who holds it, handed to whom and when.

    handover = record_handover(actor=giver, document=..., key=..., to_kind=..., ...)
    confirm_handover(actor=receiver, handover=handover, person_confirmed=False)

A handover is signed off by both sides before it counts. The giver's side records it:
a staff account, or, when the person hands it over, a staff account that records that
the person confirmed. The receiver's side confirms it: another staff account (the
caseworker it went to, or whoever signs for the office or the courier), or, when the
person receives it back, a staff account that records that the person confirmed. Until
then the original is still where the last confirmed handover left it. Rows are
append-only; both writes are audited in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.exceptions import InvalidInput
from corridor.people.models import (
    CustodyConfirmation,
    CustodyHandover,
    DocumentWhereabouts,
    HolderKind,
    IdentityDocument,
)
from corridor.people.register import refresh_document_facts
from corridor.vault.datakey import DataKey
from corridor.vault.fields import seal_field

NOTE_MAX = 200
SAME_HOLDER = _("The original cannot be handed to whoever already holds it.")
NEEDS_STAFF = _("Choose the caseworker's account: a caseworker signs for themselves.")
NOTE_TOO_LONG = _("Which office or courier: at most 200 characters.")
IN_THE_FUTURE = _("A handover cannot be dated in the future.")
GIVER_PERSON_NOT_CONFIRMED = _(
    "The person handed it over: tick that they confirmed it, once they have."
)
ALREADY_CONFIRMED = _("This handover is already signed off.")
RECEIVER_PERSON_NOT_CONFIRMED = _(
    "The person received it: tick that they confirmed it, once they have."
)
SAME_ACCOUNT = _(
    "The receiving side signs off with another staff account than the one that recorded "
    "the handover."
)
NOT_THE_RECEIVER = _("Only the caseworker it was handed to can confirm receiving it.")
WAITING_HANDOVER = _(
    "A handover of this original is still waiting for its receiver: confirm it first."
)


@dataclass(frozen=True)
class Holder:
    """Who holds an original: a kind, and for a caseworker their account."""

    kind: str
    staff_id: int | None = None


def current_holder(document: IdentityDocument) -> Holder | None:
    """The holder after the last signed-off handover (None: no handover signed off yet,
    so the register's whereabouts is all that is known)."""
    last = (
        CustodyHandover.objects.filter(document=document, confirmation__isnull=False)
        .order_by("-handed_on", "-created_at")
        .first()
    )
    if last is None:
        return None
    return Holder(kind=last.to_kind, staff_id=last.to_staff_id)


def _holder_from_register(document: IdentityDocument) -> Holder | None:
    if document.whereabouts == DocumentWhereabouts.WITH_PERSON:
        return Holder(kind=HolderKind.PERSON)
    if document.whereabouts == DocumentWhereabouts.WITH_US:
        return Holder(kind=HolderKind.OFFICE)
    return None  # confiscated or lost: whoever hands it over now is not known


@transaction.atomic
def record_handover(
    *,
    actor: Staff,
    document: IdentityDocument,
    key: DataKey,
    to_kind: str,
    to_staff: Staff | None = None,
    to_note: str = "",
    handed_on: date | None = None,
    giver_person_confirmed: bool = False,
    case_ref: str = "",
) -> CustodyHandover:
    """The giver's side records that the original went from its current holder to another."""
    to_kind = HolderKind(to_kind)
    handed_on = handed_on or clock.today()
    if handed_on > clock.today():
        raise InvalidInput(str(IN_THE_FUTURE))
    to_note = " ".join(to_note.split())
    if len(to_note) > NOTE_MAX:
        raise InvalidInput(str(NOTE_TOO_LONG))
    if to_kind == HolderKind.CASEWORKER and to_staff is None:
        raise InvalidInput(str(NEEDS_STAFF))
    if to_kind != HolderKind.CASEWORKER:
        to_staff = None
    # One handover at a time: the next starts from where the last one left the original.
    IdentityDocument.objects.select_for_update().filter(pk=document.pk).first()
    if CustodyHandover.objects.filter(document=document, confirmation__isnull=True).exists():
        raise InvalidInput(str(WAITING_HANDOVER))
    giver = current_holder(document) or _holder_from_register(document)
    receiver = Holder(kind=to_kind, staff_id=to_staff.pk if to_staff else None)
    # Offices and couriers are told apart only by their sealed note: one may hand to another.
    if giver == receiver and to_kind in (HolderKind.PERSON, HolderKind.CASEWORKER):
        raise InvalidInput(str(SAME_HOLDER))
    if giver is not None and giver.kind == HolderKind.PERSON and not giver_person_confirmed:
        raise InvalidInput(str(GIVER_PERSON_NOT_CONFIRMED))
    handover = CustodyHandover(
        document=document,
        key_id=key.key_id,
        from_kind=giver.kind if giver else "",
        from_staff_id=giver.staff_id if giver else None,
        to_kind=to_kind,
        to_staff=to_staff,
        handed_on=handed_on,
        recorded_by=actor,
        giver_person_confirmed=bool(giver and giver.kind == HolderKind.PERSON),
    )
    if to_note:
        seal_field(handover, "to_note", to_note, key=key)
    handover.save()
    record_event(
        actor=actor,
        event=EventType.CUSTODY_HANDOVER_RECORDED,
        object_type=ObjectType.DOCUMENT_CUSTODY,
        object_id=str(handover.pk),
        case_id=case_ref,
        detail={
            "document": str(document.pk),
            "from": handover.from_kind or "unknown",
            "to": to_kind,
            "on": handed_on.isoformat(),
        },
    )
    return handover


@transaction.atomic
def confirm_handover(
    *, actor: Staff, handover: CustodyHandover, person_confirmed: bool = False, case_ref: str = ""
) -> CustodyConfirmation:
    """The receiver's side signs the handover off; the register's whereabouts follows."""
    CustodyHandover.objects.select_for_update().filter(pk=handover.pk).first()
    if CustodyConfirmation.objects.filter(handover=handover).exists():
        raise InvalidInput(str(ALREADY_CONFIRMED))
    if handover.to_kind == HolderKind.PERSON:
        if not person_confirmed:
            raise InvalidInput(str(RECEIVER_PERSON_NOT_CONFIRMED))
    else:
        person_confirmed = False
        if actor.pk == handover.recorded_by_id:
            raise InvalidInput(str(SAME_ACCOUNT))
        if handover.to_staff_id is not None and actor.pk != handover.to_staff_id:
            raise InvalidInput(str(NOT_THE_RECEIVER))
    confirmation = CustodyConfirmation(
        handover=handover, confirmed_by=actor, person_confirmed=person_confirmed
    )
    confirmation.save()
    document = handover.document
    whereabouts = (
        DocumentWhereabouts.WITH_PERSON
        if handover.to_kind == HolderKind.PERSON
        else DocumentWhereabouts.WITH_US
    )
    IdentityDocument.objects.filter(pk=document.pk).update(
        whereabouts=whereabouts, version=F("version") + 1
    )
    document.refresh_from_db()
    refresh_document_facts(document.person, actor=actor)
    record_event(
        actor=actor,
        event=EventType.CUSTODY_HANDOVER_CONFIRMED,
        object_type=ObjectType.DOCUMENT_CUSTODY,
        object_id=str(handover.pk),
        case_id=case_ref,
        detail={
            "document": str(document.pk),
            "to": handover.to_kind,
            "person_confirmed": "yes" if person_confirmed else "no",
        },
    )
    return confirmation


def custody_log(document: IdentityDocument) -> list[CustodyHandover]:
    """The document's handovers, oldest first, with their sign-offs (no plaintext)."""
    return list(
        CustodyHandover.objects.filter(document=document)
        .select_related("confirmation", "from_staff", "to_staff", "recorded_by")
        .order_by("handed_on", "created_at")
    )
