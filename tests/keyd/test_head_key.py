"""keyd's own audit head key: made at `keys init`, kept, used only on heads that extend
the last one it signed."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from corridor.core.merkle import consistency_proof, hash_leaf, root_hash, tree_head_signature_input
from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.headkey import HEAD_KEY_FILE, read_head_key
from tests.keyd.conftest import PEER

pytestmark = pytest.mark.pure

LEAVES = [hash_leaf(f"event {number}".encode()) for number in range(12)]


def sign(service, size: int, *, leaves=LEAVES, proof=(), timestamp=1_700_000_000_000) -> dict:
    message = {
        "op": "sign_head",
        "tree_size": size,
        "root_hash": wire.encode_bytes(root_hash(leaves[:size])),
        "timestamp": timestamp,
        "proof": [wire.encode_bytes(node) for node in proof],
    }
    return service.handle(message, peer=PEER, admin=False)


def public_key(service) -> bytes:
    answer = service.handle({"op": "head_key"}, peer=PEER, admin=False)
    return wire.read_bytes(answer, "public")


def test_keys_init_made_a_head_key_wrapped_under_the_kek(keyd_dir, shares):
    key = read_head_key(keyd_dir)
    assert key is not None
    assert len(key.public) == 32
    stored = json.loads((keyd_dir / HEAD_KEY_FILE).read_text())
    assert set(stored) == {"kek_version", "key_id", "blob", "public"}
    assert (keyd_dir / HEAD_KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_keyd_signs_a_head_that_extends_the_last_one(unsealed):
    first = sign(unsealed, 5)
    assert first["ok"], first
    message = tree_head_signature_input(
        timestamp=1_700_000_000_000, tree_size=5, root_hash=root_hash(LEAVES[:5])
    )
    public = Ed25519PublicKey.from_public_bytes(public_key(unsealed))
    public.verify(wire.read_bytes(first, "signature"), message)  # raises if not
    answer = sign(unsealed, 9, proof=consistency_proof(LEAVES[:9], 5))
    assert answer["ok"], answer
    assert answer["key_id"] == first["key_id"]
    assert unsealed.handle({"op": "last_head"}, peer=PEER, admin=False)["tree_size"] == 9


def test_keyd_refuses_a_head_over_a_rewritten_history(unsealed):
    """The attack: someone who can write the database rewrites event 3 and asks for a head."""
    assert sign(unsealed, 6)["ok"]
    rewritten = [*LEAVES[:3], hash_leaf(b"nothing happened"), *LEAVES[4:]]
    # The honest-looking proof of the rewritten log does not lead to the head keyd signed.
    answer = sign(unsealed, 10, leaves=rewritten, proof=consistency_proof(rewritten[:10], 6))
    assert (answer["ok"], answer["reason"]) == (False, "not_extending")
    assert "signature" not in answer
    # Nor a smaller tree (events removed), nor the same size with another root.
    assert sign(unsealed, 4)["reason"] == "not_extending"
    assert sign(unsealed, 6, leaves=rewritten)["reason"] == "not_extending"
    logged = [json.loads(line) for line in unsealed.journal.path.read_text().splitlines()]
    assert [line["outcome"] for line in logged if line["op"] == "sign_head"] == [
        "ok",
        "refused:not_extending",
        "refused:not_extending",
        "refused:not_extending",
    ]


def test_a_sealed_keyd_signs_nothing(service):
    answer = sign(service, 3)
    assert (answer["ok"], answer["error"]) == (False, "sealed")


def test_the_head_key_survives_a_kek_rotation_with_the_same_public_key(unsealed):
    before = public_key(unsealed)
    answer = unsealed.handle({"op": "new_kek"}, peer=PEER, admin=True)
    assert answer["ok"], answer
    assert read_head_key(unsealed.directory).kek_version == 2
    unsealed.handle({"op": "forget_keks", "keep": 2}, peer=PEER, admin=True)
    assert public_key(unsealed) == before
    assert sign(unsealed, 2)["ok"]


def test_an_older_installation_gets_its_head_key_once_from_the_admin_socket(unsealed):
    (unsealed.directory / HEAD_KEY_FILE).unlink()  # made before keyd kept a head key
    assert sign(unsealed, 2)["error"] == "not_initialised"
    made = unsealed.handle({"op": "new_head_key"}, peer=PEER, admin=True)
    assert made["ok"], made
    assert wire.read_bytes(made, "public") == public_key(unsealed)
    assert sign(unsealed, 2)["ok"]
    again = unsealed.handle({"op": "new_head_key"}, peer=PEER, admin=True)
    assert (again["ok"], again["error"]) == (False, "invalid")
    # Not on the data socket.
    assert unsealed.handle({"op": "new_head_key"}, peer=PEER, admin=False)["error"] == "invalid"


def manifest_signature(service, message: bytes) -> dict:
    return service.handle(
        {"op": "sign_manifest", "message": wire.encode_bytes(message)}, peer=PEER, admin=False
    )


def test_keyd_signs_a_backup_manifest_with_its_head_key_and_nothing_else(unsealed):
    """Backups under keyd carry a signed manifest; the same operation must not sign a
    forged tree head (its bytes start 0x00 0x01, never the manifest prefix)."""
    manifest = b"corridor backup manifest v1\n" + b'{"files": []}'
    answer = manifest_signature(unsealed, manifest)
    assert answer["ok"], answer
    Ed25519PublicKey.from_public_bytes(public_key(unsealed)).verify(
        wire.read_bytes(answer, "signature"), manifest
    )  # raises if not
    forged_head = tree_head_signature_input(
        timestamp=1_700_000_000_000, tree_size=3, root_hash=root_hash(LEAVES[:3])
    )
    refused = manifest_signature(unsealed, forged_head)
    assert (refused["ok"], refused["error"]) == (False, "refused")
    assert "signature" not in refused
