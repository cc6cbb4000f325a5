"""The long-lived keys created once at setup, each random and stored wrapped by the KEK.

    result = initialise_keys()   # idempotent; `corridor setup` calls it

creates (when missing) the first KEK version, the blind-index root key, an intake
X25519 key pair, the audit signing key (Ed25519) and the codename pepper. None is
derived from the KEK: rotating the KEK only rewraps them.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction
from nacl.public import PrivateKey

from corridor.vault import aead
from corridor.vault.errors import KekMismatch
from corridor.vault.keystore import active_kek_versions, current_kek_version, keystore_errors
from corridor.vault.models import KekVersion, Purpose, WrappedKey
from corridor.vault.providers import kek_administration, key_provider
from corridor.vault.routers import KEYSTORE

LONG_LIVED = (Purpose.BLIND_INDEX_ROOT, Purpose.INTAKE, Purpose.SIGNING, Purpose.PEPPER)


@dataclass(frozen=True)
class InitialisedKeys:
    """What `initialise_keys` found and made: ids only, for the caller's audit event."""

    kek_version: int
    kek_created: bool
    created: dict[str, uuid.UUID] = field(default_factory=dict)


def initialise_keys() -> InitialisedKeys:
    """Make sure the KEK and every long-lived key exist; a second call creates nothing.

    Fails with KekMismatch when the KEK on hand is not the one the key store was
    wrapped under, rather than creating keys nobody could use with the old ones.
    """
    admin = kek_administration()
    with keystore_errors(), transaction.atomic(using=KEYSTORE):
        versions = active_kek_versions()
        kek_created = not versions
        if kek_created:
            # The provider writes the KEK before the row exists; if this transaction
            # fails, the next run finds that KEK and reuses it.
            version = 1
            KekVersion.objects.create(version=version, check_value=admin.create_kek(version))
        else:
            for row in versions:
                if not hmac.compare_digest(admin.kek_check(row.version), bytes(row.check_value)):
                    raise KekMismatch(
                        f"The KEK version {row.version} on hand does not match the key store."
                    )
            version = versions[-1].version
        created = {
            purpose.value: create_long_lived_key(purpose).id
            for purpose in LONG_LIVED
            if not WrappedKey.objects.filter(purpose=purpose, retired_at__isnull=True).exists()
        }
    return InitialisedKeys(kek_version=version, kek_created=kek_created, created=created)


def create_long_lived_key(purpose: Purpose) -> WrappedKey:
    """Generate a random key for `purpose`, wrap it and store it (with its public half)."""
    key_id = uuid.uuid4()
    public_key: bytes | None = None
    fingerprint: str | None = None
    if purpose is Purpose.INTAKE:
        private = PrivateKey.generate()
        secret, public_key = bytes(private), bytes(private.public_key)
    elif purpose is Purpose.SIGNING and (held := key_provider().head_public_key()):
        # keyd made the head key at `keys init` and keeps it: the key store gets the
        # public half only (the trustees pin it: `audit verify --pinned-key`).
        with keystore_errors():
            return WrappedKey.objects.create(
                id=key_id,
                purpose=purpose.value,
                kek_version=current_kek_version(),
                wrapped=b"",
                public_key=held,
                fingerprint=hashlib.sha256(held).hexdigest(),
            )
    elif purpose is Purpose.SIGNING:
        signing = Ed25519PrivateKey.generate()
        secret, public_key = signing.private_bytes_raw(), signing.public_key().public_bytes_raw()
        fingerprint = hashlib.sha256(public_key).hexdigest()
    else:
        secret = aead.new_key()
    blob = key_provider().wrap(key_id=key_id, purpose=purpose.value, key=secret)
    with keystore_errors():
        return WrappedKey.objects.create(
            id=key_id,
            purpose=purpose.value,
            kek_version=blob.kek_version,
            wrapped=blob.blob,
            public_key=public_key,
            fingerprint=fingerprint,
        )
