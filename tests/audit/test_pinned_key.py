"""`audit verify --pinned-key FILE`: heads count only if the key the trustees keep signed them.

The attack: someone who can write the data database rewrites history, adds
their own signing key to the key store and signs a new head; plain `verify` trusts every
key the store lists, so it accepts.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from corridor.audit.heads import SignedHead
from corridor.audit.models import TreeHead
from corridor.audit.selectors import count_events, list_leaf_hashes
from corridor.core.merkle import root_hash, tree_head_signature_input
from corridor.vault import signing
from corridor.vault.models import Purpose, WrappedKey
from tests.audit.helpers import record_many
from tests.audit.test_command import run, run_failing, unusable

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def pin(tmp_path, public: bytes) -> str:
    path = tmp_path / "head-key.txt"
    # The line `keys init` printed, as the trustees keep it.
    path.write_text(f"audit head key: {base64.b64encode(public).decode()}\n")
    return str(path)


def forged_head(private: Ed25519PrivateKey) -> SignedHead:
    """A head over the log as it stands, signed by the forger's key, added to the key store."""
    public = private.public_key().public_bytes_raw()
    key_id = hashlib.sha256(public).hexdigest()
    WrappedKey.objects.create(
        purpose=Purpose.SIGNING, kek_version=1, wrapped=b"x", public_key=public, fingerprint=key_id
    )
    size = count_events()
    root = root_hash(list_leaf_hashes(size))
    timestamp = 1_800_000_000_000
    message = tree_head_signature_input(timestamp=timestamp, tree_size=size, root_hash=root)
    head = SignedHead(
        tree_size=size,
        root_hash=root,
        timestamp=timestamp,
        key_id=key_id,
        signature=private.sign(message),
    )
    TreeHead.objects.create(**head.as_json())
    return head


def test_the_pinned_key_accepts_heads_it_signed(vault_keys, tmp_path):
    record_many(3)
    head = run("head")
    assert head
    (public,) = signing.public_keys().values()
    assert run("verify", "--pinned-key", pin(tmp_path, public)).startswith("verified ")


def test_a_head_signed_by_a_key_added_to_the_store_fails_against_the_pinned_key(
    vault_keys, tmp_path
):
    record_many(3)
    (public,) = signing.public_keys().values()
    forged = forged_head(Ed25519PrivateKey.generate())
    # Without the pin the forger's key is as good as the real one.
    assert run("verify").startswith("verified ")
    code, out = run_failing("verify", "--pinned-key", pin(tmp_path, public))
    assert (code, out.strip()) == (1, f"FAIL seq={forged.tree_size} reason=unknown_key")


def test_an_unreadable_pinned_key_is_unusable_input(tmp_path):
    path = tmp_path / "key.txt"
    path.write_text("audit head key: not-base64!\n")
    assert "pinned key file" in unusable("verify", "--pinned-key", str(path))
    path.write_text(base64.b64encode(b"short").decode())
    assert "32 bytes" in unusable("verify", "--pinned-key", str(path))
