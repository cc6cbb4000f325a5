"""The key store's tables. They live in the `keystore` database (see routers.py), apart
from the data, so the two are backed up and kept for different lengths of time.

Nothing here is plaintext key material: keys are wrapped by the KEK; public keys and
KEK check values are stored in clear because they reveal nothing secret.
"""

from __future__ import annotations

import uuid

from django.db import models

from corridor.core import clock


class Purpose(models.TextChoices):
    DATA = "data", "data key"
    BLIND_INDEX_ROOT = "blind_index_root", "blind-index root key"
    INTAKE = "intake", "intake key pair"
    SIGNING = "signing", "audit signing key"
    PEPPER = "pepper", "codename pepper"


class WrappedKey(models.Model):
    """One key wrapped by one KEK version. Destroying a key deletes its row for good."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    kek_version = models.PositiveIntegerField()
    wrapped = models.BinaryField()
    # Intake and signing keys: the public half, so sealing and verifying need no KEK.
    public_key = models.BinaryField(null=True)
    # Signing keys: lowercase hex SHA-256 of the raw public key, the id a signature names.
    # NULL (not "") for other keys, so uniqueness holds among signing keys only.
    fingerprint = models.CharField(max_length=64, null=True, unique=True)  # noqa: DJ001
    created_at = models.DateTimeField(default=clock.now)
    # Long-lived keys replaced by a newer one: still usable to open, never to seal.
    retired_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(fields=["purpose", "retired_at"], name="vault_key_purpose"),
            models.Index(fields=["kek_version"], name="vault_key_kek_version"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} key {self.id}"


class DestroyedKey(models.Model):
    """A tombstone: the key with this id existed and was destroyed. No key material."""

    id = models.UUIDField(primary_key=True, editable=False)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    destroyed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"destroyed {self.purpose} key {self.id}"


class KekVersion(models.Model):
    """A key-encryption key the store has been wrapped under, known by its check value only.

    The highest version without `retired_at` wraps new keys; during a rotation the
    older active versions still unwrap until every row has been rewrapped.
    """

    version = models.PositiveIntegerField(primary_key=True)
    check_value = models.BinaryField()
    created_at = models.DateTimeField(default=clock.now)
    retired_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"KEK version {self.version}"
