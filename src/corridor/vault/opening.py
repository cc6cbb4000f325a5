"""The one way from a sealed value to its plaintext: `open_field`.

    from corridor.vault.opening import open_field
    name = open_field(person.name, key=key)

Only `access` modules (`corridor.<app>.access`, which record the read in the audit log
in the same transaction) and the vault itself import this module; the import contract
"Only access modules open sealed fields" in pyproject.toml enforces it. Sealing and the
field types stay in `corridor.vault.fields`, which every model with personal data
imports, so a contract on that module would forbid nothing.
"""

from __future__ import annotations

import uuid
from typing import TypeVar

from corridor.vault.aead import field_associated_data, open_envelope
from corridor.vault.datakey import DataKey
from corridor.vault.errors import DecryptionFailed, InputRejected, KeyMismatch, SealedValueUnbound
from corridor.vault.fields import Sealed, check_freshness

T = TypeVar("T")


def open_field(sealed: Sealed[T], *, key: DataKey) -> T:
    """The plaintext of a sealed value read from its row; only access modules call this."""
    if not isinstance(sealed, Sealed):
        raise InputRejected("open_field takes a Sealed value read from a model instance.")
    binding = sealed._binding
    if binding is None:
        raise SealedValueUnbound("Read sealed values through their model instance.")
    if binding.row_key_id != key.key_id:
        raise KeyMismatch("The row is under another data key.")
    if not isinstance(binding.row_id, uuid.UUID):
        raise SealedValueUnbound("The row has no UUID, so its values cannot be opened.")
    associated = field_associated_data(
        model_label=binding.model_label,
        field=binding.field,
        row_id=binding.row_id,
        dek_id=key.key_id,
    )
    data = open_envelope(key.key_id, key.cipher, sealed._envelope, associated_data=associated)
    # After authenticating: a forged envelope is DecryptionFailed, an old genuine one is stale.
    check_freshness(binding.model_label, binding.row_id, binding.field, sealed.digest)
    try:
        return sealed._codec.decode(data)
    except ValueError:
        # Authenticated yet undecodable: written by something other than seal_field.
        raise DecryptionFailed("The sealed value is not valid for its field.") from None
