"""C10(d): a million encryptions under one key never reuse a nonce."""

from __future__ import annotations

import uuid

import pytest

from corridor.vault.aead import NONCE_BYTES, field_associated_data, seal_envelope
from corridor.vault.datakey import DataKey

pytestmark = [pytest.mark.pure, pytest.mark.slow]
COUNT = 10**6


def test_a_million_envelopes_have_a_million_distinct_nonces():
    """GCM under one key breaks if a nonce repeats; 10^6 seals show none does."""
    key = DataKey(uuid.uuid4(), bytes(range(32)))
    associated = field_associated_data(
        model_label="cases.person", field="name", row_id=uuid.uuid4(), dek_id=key.key_id
    )
    nonces = set()
    for _ in range(COUNT):
        envelope = seal_envelope(key.key_id, key.cipher, b"x", associated_data=associated)
        nonces.add(int.from_bytes(envelope[17 : 17 + NONCE_BYTES], "big"))
    assert len(nonces) == COUNT
