"""Data keys (DEKs): one random 256-bit key per case or opened request, stored wrapped.

    key = create_data_key()                  # before the row that names it
    case.key_id = key.key_id ...             # then the data, in its own transaction
    key = data_key(case.key_id, for_actor=actor.actor_id, case_id=str(case.id))
    destroy_data_key(case.key_id)            # erasure: after the blanking commits

The data and the key store are two databases, not atomic together: the
key is written first, so a crash leaves at worst an unused key (`orphan_data_keys`
finds them), never a row whose key is missing. Erasure runs the other way: blank the
ciphertext and commit, then destroy the key (`transaction.on_commit`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

from django.apps import apps
from django.db import transaction

from corridor.core import clock
from corridor.vault.aead import new_key
from corridor.vault.datakey import DataKey
from corridor.vault.errors import InputRejected
from corridor.vault.fields import DataKeyField
from corridor.vault.keyd.acting import current_task
from corridor.vault.keyd.ledger import KeyOwner
from corridor.vault.keyd.policy import DEMO_PRINCIPAL
from corridor.vault.keystore import KeyDestruction, destroy_key, get_wrapped_key, keystore_errors
from corridor.vault.ledger import current_ticket
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import WrappedBlob, key_provider
from corridor.vault.routers import KEYSTORE

__all__ = [
    "DataKey",
    "KeyDestruction",
    "create_data_key",
    "data_key",
    "destroy_data_key",
    "orphan_data_keys",
    "unwrapping_as_demo_builder",
]

_DEMO_BUILD: ContextVar[bool] = ContextVar("demo_build", default=False)


@contextmanager
def unwrapping_as_demo_builder() -> Iterator[None]:
    """Inside, every data key is asked for as `system:demo`, whoever the service names.

    `corridor setup --demo` builds its fictional caseload in one transaction, acting as
    the demo staff it creates; keyd cannot see those uncommitted rows, so it could grant
    no staff policy. The audit log still names the demo staff; keyd's log says
    `system:demo`.
    """
    token = _DEMO_BUILD.set(True)
    try:
        yield
    finally:
        _DEMO_BUILD.reset(token)


def create_data_key(owner: KeyOwner | None = None) -> DataKey:
    """A new random DEK, wrapped by the provider and committed to the key store.

    `owner` is recorded in keyd's ledger at wrap time, once: the case (or draft, ...)
    the key belongs to. keyd hands a case's key only for that case, a draft's only to
    the person whose draft it is.
    """
    key_id = uuid.uuid4()
    material = new_key()
    blob = key_provider().wrap(
        key_id=key_id, purpose=Purpose.DATA, key=material, owner=owner, ticket=current_ticket()
    )
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        WrappedKey.objects.create(
            id=key_id, purpose=Purpose.DATA, kek_version=blob.kek_version, wrapped=blob.blob
        )
    return DataKey(key_id, material)


def data_key(key_id: uuid.UUID | str, *, for_actor: str, case_id: str | None) -> DataKey:
    """The usable DEK `key_id` for `for_actor` working on `case_id`.

    keyd (and the file provider, unless the ledger is not enforced) unwraps only for
    staff its ledger allows, with their ticket, and for `system:worker` running a task
    that needs a key of this kind (`working_on`; vault/keyd/worker_tasks.py), within
    their limits. Raises KeyNotFound, KeyDestroyed, or the provider's own
    refusal (UnwrapRefused, VaultSealed, KeydUnreachable).
    """
    if not isinstance(for_actor, str) or not for_actor:
        raise InputRejected("data_key needs the actor id of whoever asks.")
    wanted = _key_uuid(key_id)
    row = get_wrapped_key(wanted, purpose=Purpose.DATA)
    material = key_provider().unwrap(
        key_id=row.id,
        purpose=row.purpose,
        blob=WrappedBlob(kek_version=row.kek_version, blob=bytes(row.wrapped)),
        for_actor=DEMO_PRINCIPAL if _DEMO_BUILD.get() else for_actor,
        case_id=case_id,
        ticket=current_ticket(),
        task=current_task(),
    )
    return DataKey(row.id, material)


def destroy_data_key(key_id: uuid.UUID | str) -> KeyDestruction:
    """Crypto-shred: delete the wrapped DEK so nothing it sealed can be opened again.

    Call it once the caller's blanking has committed. A second call for the same key
    reports the first (`already_destroyed`); an unknown id is KeyNotFound. Copies in
    key-store backups remain until those age out (docs/security.md).
    """
    return destroy_key(_key_uuid(key_id), purpose=Purpose.DATA)


def orphan_data_keys(*, older_than: timedelta) -> list[uuid.UUID]:
    """DEKs older than `older_than` that no DataKeyField column of any model names.

    They are what a crash between "create the key" and "commit the row" leaves
    behind. The list is for a reconciler to review and destroy; nothing is deleted here.
    """
    used: set[uuid.UUID] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, DataKeyField):
                values = model._default_manager.exclude(**{f"{field.attname}__isnull": True})
                used.update(values.values_list(field.attname, flat=True).distinct())
    with keystore_errors():
        candidates = WrappedKey.objects.filter(
            purpose=Purpose.DATA, created_at__lt=clock.now() - older_than
        ).values_list("id", flat=True)
        return sorted(key_id for key_id in candidates if key_id not in used)


def _key_uuid(key_id: uuid.UUID | str) -> uuid.UUID:
    if isinstance(key_id, uuid.UUID):
        return key_id
    try:
        return uuid.UUID(str(key_id))
    except ValueError:
        raise InputRejected("A data key id is a UUID.") from None
