"""Writing the organisations directory: add, remove, and the two-person key change.

Keys are never installed on one person's word: a coordinator (or the operator at the
terminal, naming a coordinator) proposes them; a second coordinator, not the proposer,
reads the fingerprint with the partner out of band and records who checked and how;
only then are the keys installed. Every step is an audit event in the same transaction.
"""

from __future__ import annotations

import base64
import uuid

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.alerts import alert_coordinators_once
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.core.places import country_name
from corridor.partners.fingerprints import KeyMalformed, fingerprint
from corridor.partners.models import (
    FingerprintCheck,
    KeyProposal,
    KeyProposalStatus,
    Organisation,
    OrganisationKind,
)

KEYS_PROPOSED_ALERT = "partner_keys_proposed"
NOT_COORDINATOR = _("Only a coordinator can change the organisations directory.")
SAME_PERSON = _(
    "You proposed these keys: a second coordinator must compare the fingerprint and approve."
)
NOT_PENDING = _("These keys are no longer waiting for approval.")
CHECK_NEEDED = _("Say how you compared the fingerprint with the organisation.")
NAME_NEEDED = _("Give the organisation's name.")
KIND_UNKNOWN = _("Choose what kind of organisation this is.")
COUNTRY_UNKNOWN = _("Choose the country by its two-letter code (for example CA).")
REFERRER_TAKEN = _("Another organisation in the directory already has this referrer code.")
NO_SUCH_ORGANISATION = _("There is no such organisation in the directory.")
ADDRESS_NEEDED = _("Give the address of their Corridor (https://…).")


def _coordinator(actor: Staff) -> None:
    if Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(NOT_COORDINATOR))


@transaction.atomic
def add_organisation(
    *,
    actor: Actor,
    name: str,
    kind: str,
    country: str,
    referrer_code: str = "",
    reach: str = "",
    witnesses_our_heads: bool = False,
    keeper_url: str = "",
) -> Organisation:
    """Add an organisation to the directory (a coordinator, or the operator's command)."""
    if isinstance(actor, Staff):
        _coordinator(actor)
    name, country = name.strip(), country.strip().upper()
    if not name:
        raise InvalidInput(str(NAME_NEEDED))
    if kind not in OrganisationKind.values:
        raise InvalidInput(str(KIND_UNKNOWN))
    if len(country) != 2 or not country.isalpha() or country_name(country, "en") == country:
        raise InvalidInput(str(COUNTRY_UNKNOWN))
    if (
        referrer_code
        and Organisation.objects.filter(
            referrer_code=referrer_code, removed_at__isnull=True
        ).exists()
    ):
        raise InvalidInput(str(REFERRER_TAKEN))
    organisation = Organisation.objects.create(
        name=name,
        kind=kind,
        country=country,
        referrer_code=referrer_code,
        reach=reach.strip(),
        witnesses_our_heads=witnesses_our_heads,
        keeper_url=keeper_url,
    )
    record_event(
        actor=actor,
        event=EventType.ORGANISATION_ADDED,
        object_type=ObjectType.ORGANISATION,
        object_id=str(organisation.pk),
        detail={"kind": kind, "country": country},
    )
    return organisation


@transaction.atomic
def remove_organisation(*, actor: Actor, organisation_id: uuid.UUID | str) -> Organisation:
    """Take an organisation out of the directory: its keys stop being trusted at once.
    The row stays (removed), so the heads it witnessed and the log still name it."""
    if isinstance(actor, Staff):
        _coordinator(actor)
    organisation = _active(organisation_id)
    organisation.removed_at = clock.now()
    organisation.witnesses_our_heads = False
    organisation.save(update_fields=["removed_at", "witnesses_our_heads", "updated_at"])
    KeyProposal.objects.filter(organisation=organisation, status=KeyProposalStatus.PENDING).update(
        status=KeyProposalStatus.REFUSED, decided_at=clock.now()
    )
    record_event(
        actor=actor,
        event=EventType.ORGANISATION_REMOVED,
        object_type=ObjectType.ORGANISATION,
        object_id=str(organisation.pk),
    )
    return organisation


@transaction.atomic
def propose_keys(
    *,
    actor: Actor,
    proposer: Staff,
    organisation_id: uuid.UUID | str,
    signing_key: bytes,
    encryption_key: bytes,
    corridor_url: str,
) -> KeyProposal:
    """Propose an organisation's keys (new or changed); nothing is trusted until a
    second coordinator approves (`approve_keys`). `proposer` is the coordinator who
    answers for the proposal; `actor` who entered it (the same person on the web)."""
    _coordinator(proposer)
    organisation = _active(organisation_id)
    try:
        printed = fingerprint(signing_key, encryption_key)
    except KeyMalformed as problem:
        raise InvalidInput(str(problem)) from None
    if not corridor_url.startswith(("https://", "http://")):
        raise InvalidInput(str(ADDRESS_NEEDED))
    proposal = KeyProposal.objects.create(
        organisation=organisation,
        signing_key=signing_key,
        encryption_key=encryption_key,
        corridor_url=corridor_url.rstrip("/"),
        fingerprint=printed,
        proposed_by=proposer.actor_id,
    )
    record_event(
        actor=actor,
        event=EventType.PARTNER_KEYS_PROPOSED,
        object_type=ObjectType.KEY_PROPOSAL,
        object_id=str(proposal.pk),
        detail={"organisation": str(organisation.pk), "fingerprint": printed},
    )
    alert_coordinators_once(code=KEYS_PROPOSED_ALERT)
    return proposal


@transaction.atomic
def approve_keys(*, actor: Staff, proposal_id: uuid.UUID | str, checked_how: str) -> Organisation:
    """The second coordinator's act: they compared the fingerprint with the organisation
    (`checked_how`), and the keys are installed. The proposer can never approve."""
    _coordinator(actor)
    if checked_how not in FingerprintCheck.values:
        raise InvalidInput(str(CHECK_NEEDED))
    proposal = _pending(proposal_id)
    if proposal.proposed_by == actor.actor_id:
        raise NotAllowed(str(SAME_PERSON))
    organisation = Organisation.objects.select_for_update().get(pk=proposal.organisation_id)
    if organisation.removed_at is not None:
        raise InvalidInput(str(NO_SUCH_ORGANISATION))
    now = clock.now()
    proposal.status = KeyProposalStatus.INSTALLED
    proposal.checked_by = actor.actor_id
    proposal.checked_how = checked_how
    proposal.decided_at = now
    proposal.save(update_fields=["status", "checked_by", "checked_how", "decided_at", "updated_at"])
    organisation.signing_key = bytes(proposal.signing_key)
    organisation.encryption_key = bytes(proposal.encryption_key)
    organisation.corridor_url = proposal.corridor_url
    organisation.keys_installed_at = now
    organisation.save(
        update_fields=[
            "signing_key",
            "encryption_key",
            "corridor_url",
            "keys_installed_at",
            "updated_at",
        ]
    )
    record_event(
        actor=actor,
        event=EventType.PARTNER_KEYS_INSTALLED,
        object_type=ObjectType.KEY_PROPOSAL,
        object_id=str(proposal.pk),
        detail={
            "organisation": str(organisation.pk),
            "fingerprint": proposal.fingerprint,
            "checked_how": checked_how,
            "proposed_by": proposal.proposed_by,
        },
    )
    return organisation


@transaction.atomic
def refuse_keys(*, actor: Staff, proposal_id: uuid.UUID | str) -> KeyProposal:
    """A coordinator refuses proposed keys (the fingerprints did not match)."""
    _coordinator(actor)
    proposal = _pending(proposal_id)
    proposal.status = KeyProposalStatus.REFUSED
    proposal.decided_at = clock.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    record_event(
        actor=actor,
        event=EventType.PARTNER_KEYS_REFUSED,
        object_type=ObjectType.KEY_PROPOSAL,
        object_id=str(proposal.pk),
        detail={"organisation": str(proposal.organisation_id)},
    )
    return proposal


def _active(organisation_id: uuid.UUID | str) -> Organisation:
    try:
        return Organisation.objects.select_for_update().get(
            pk=organisation_id, removed_at__isnull=True
        )
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(str(NO_SUCH_ORGANISATION)) from None


def _pending(proposal_id: uuid.UUID | str) -> KeyProposal:
    try:
        proposal = KeyProposal.objects.select_for_update().get(pk=proposal_id)
    except (KeyProposal.DoesNotExist, ValueError, TypeError):
        raise InvalidInput(str(NOT_PENDING)) from None
    if proposal.status != KeyProposalStatus.PENDING:
        raise InvalidInput(str(NOT_PENDING))
    return proposal


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
