"""Sealed intake boxes and the monthly rotation of the intake key pair.

The portal seals each request on arrival; it needs no KEK, only the current public
key, so it keeps accepting requests while the organisation is sealed:

    sealed = seal_for_intake(payload_bytes, str(request.id))
    ...
    payload = key_provider().open_intake(sealed, str(request.id))
    key = create_data_key()      # the caller re-seals under a fresh request DEK,
    ...                          # then deletes the sealed blob

A periodic job of the intake app rotates the pair monthly and lets old private keys
go once no unopened box is sealed to them:

    rotate_intake_keys(still_sealed_to={intake_key_of(blob) for blob in unopened})
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction

from corridor.core import clock
from corridor.vault import intake_box
from corridor.vault.errors import KeyNotFound
from corridor.vault.keystore import KeyDestruction, current_key, destroy_key, keystore_errors
from corridor.vault.longlived import create_long_lived_key
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.routers import KEYSTORE

INTAKE_KEY_LIFETIME = timedelta(days=30)


def seal_for_intake(payload: bytes, request_id: str) -> bytes:
    """Seal `payload` for `request_id` to the current intake public key.

    Who can decrypt: only the key provider, which holds the intake private key
    wrapped by the KEK; the portal process that calls this cannot reopen the box.
    """
    row = current_key(Purpose.INTAKE)
    public = row.public_key
    if public is None:
        raise KeyNotFound("The current intake key has no public half; run `corridor setup`.")
    return intake_box.seal_box(bytes(public), row.id, payload, request_id=request_id)


def intake_key_of(sealed: bytes) -> uuid.UUID:
    """The id of the intake key pair a box is sealed to (for the rotation's bookkeeping)."""
    return intake_box.box_key_id(sealed)


@dataclass(frozen=True)
class IntakeRotation:
    """What one rotation run did, by id, for the caller's audit events."""

    created: uuid.UUID | None = None
    retired: uuid.UUID | None = None
    destroyed: list[KeyDestruction] = field(default_factory=list)


def rotate_intake_keys(
    *, still_sealed_to: Collection[uuid.UUID], now: datetime | None = None
) -> IntakeRotation:
    """Start a new intake key pair once the current one is 30 days old; destroy retired
    pairs that no unopened box (`still_sealed_to`) is sealed to. Safe to run often."""
    moment = now or clock.now()
    created = retired = None
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        current = current_key(Purpose.INTAKE)
        if current.created_at + INTAKE_KEY_LIFETIME <= moment:
            # The new pair exists before the old one is retired, so a portal never
            # finds no current key.
            created = create_long_lived_key(Purpose.INTAKE).id
            WrappedKey.objects.filter(id=current.id).update(retired_at=moment)
            retired = current.id
        idle = list(
            WrappedKey.objects.filter(purpose=Purpose.INTAKE, retired_at__isnull=False)
            .exclude(id__in=list(still_sealed_to))
            .values_list("id", flat=True)
        )
    destroyed = [destroy_key(key_id, purpose=Purpose.INTAKE) for key_id in idle]
    return IntakeRotation(created=created, retired=retired, destroyed=destroyed)


def current_intake_public_key() -> bytes:
    """The X25519 public key requests (and bundles from partners) are sealed to now."""
    public = current_key(Purpose.INTAKE).public_key
    if public is None:
        raise KeyNotFound("The current intake key has no public half; run `corridor setup`.")
    return bytes(public)
