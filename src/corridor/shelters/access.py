"""Who may see and change the shelter registry, and the one way to read its sealed part.

Coordinators only: the registry's exact addresses and hosts are what an adversary hunts
for. Each read of a shelter's sealed details records `shelters.shelter_read` in the
same transaction; a refusal records `access_denied`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.core.exceptions import NotAllowed
from corridor.shelters.models import Shelter
from corridor.vault import keys as vault_keys
from corridor.vault.opening import open_field

COORDINATORS_ONLY = _("Only coordinators see and change the shelter registry.")


class ShelterForbidden(NotAllowed):
    """Only coordinators may see or change the registry."""


@dataclass(frozen=True)
class ShelterDetails:
    address: str
    host: str
    host_contact: str


def check_shelter_access(actor: Staff) -> None:
    """ShelterForbidden unless `actor` is a coordinator; a refusal is recorded."""
    if Role.COORDINATOR in roles_of(actor):
        return
    with transaction.atomic():
        record_event(actor=actor, event=EventType.ACCESS_DENIED, object_type=ObjectType.SHELTER)
    raise ShelterForbidden(str(COORDINATORS_ONLY))


def access_shelter_details(actor: Staff, shelter: Shelter, *, purpose: str) -> ShelterDetails:
    """The shelter's address and host for a coordinator; the read is recorded."""
    check_shelter_access(actor)
    if shelter.key_id is None or shelter.details is None:
        return ShelterDetails("", "", "")
    key = vault_keys.data_key(shelter.key_id, for_actor=actor.actor_id, case_id=str(shelter.pk))
    with transaction.atomic():
        opened = open_field(shelter.details, key=key)
        record_event(
            actor=actor,
            event=EventType.SHELTER_READ,
            object_type=ObjectType.SHELTER,
            object_id=str(shelter.pk),
            detail={"purpose": purpose},
        )
    values = opened if isinstance(opened, dict) else {}
    return ShelterDetails(
        address=str(values.get("address", "")),
        host=str(values.get("host", "")),
        host_contact=str(values.get("host_contact", "")),
    )
