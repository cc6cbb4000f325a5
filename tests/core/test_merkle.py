"""RFC 6962 Merkle trees: the transparency-dev/merkle vectors, and proofs we generate verify."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.core import merkle
from tests.testdata import require_testdata, shared_testdata

pytestmark = pytest.mark.pure

# Read in place from the shared test data, never copied into the project.
VECTORS = shared_testdata("rfc6962")
VECTOR_FILES = sorted(VECTORS.rglob("*.json")) if VECTORS.is_dir() else []
# The leaves behind the vectors' happy paths (transparency-dev/merkle's test leaves).
RFC_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
RFC_HASHES = [merkle.hash_leaf(leaf) for leaf in RFC_LEAVES]


def needs_vectors() -> None:
    require_testdata(VECTORS, present=bool(VECTOR_FILES))


def decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def check_vector(vector: dict[str, object]) -> None:
    """Run the verifier on one vector; raises ProofInvalid (or a decoding error) on rejection."""
    proof = [decode(item) for item in vector["proof"] or []]  # type: ignore[attr-defined]
    if "size1" in vector:
        merkle.verify_consistency(
            size1=vector["size1"],  # type: ignore[arg-type]
            size2=vector["size2"],  # type: ignore[arg-type]
            root1=decode(vector["root1"]),  # type: ignore[arg-type]
            root2=decode(vector["root2"]),  # type: ignore[arg-type]
            proof=proof,
        )
    else:
        merkle.verify_inclusion(
            leaf_index=vector["leafIdx"],  # type: ignore[arg-type]
            tree_size=vector["treeSize"],  # type: ignore[arg-type]
            leaf_hash=decode(vector["leafHash"]),  # type: ignore[arg-type]
            proof=proof,
            root=decode(vector["root"]),  # type: ignore[arg-type]
        )


@pytest.mark.parametrize(
    "path", VECTOR_FILES or [None], ids=lambda p: str(p.relative_to(VECTORS)) if p else "absent"
)
def test_rfc6962_vector(path):
    """The verifier accepts every wantErr: false vector and rejects every wantErr: true one."""
    needs_vectors()
    vector = json.loads(path.read_text(encoding="utf-8"))
    if vector["wantErr"]:
        with pytest.raises((merkle.ProofInvalid, binascii.Error)):
            check_vector(vector)
    else:
        check_vector(vector)


def test_all_vector_kinds_are_present():
    """Both proof kinds and the edge-rule files are read, so none is silently skipped."""
    needs_vectors()
    names = {str(path.relative_to(VECTORS)) for path in VECTOR_FILES}
    assert len(names) >= 190
    assert "consistency/additional/size1-is-zero-and-size2-is-not-zero.json" in names
    assert "inclusion/single-entry/empty-leaf.json" in names


def test_generated_proofs_equal_the_happy_path_vectors():
    """Our inclusion and consistency proofs for the RFC leaves are byte-equal to the vectors'."""
    needs_vectors()
    happy = [json.loads(p.read_text()) for p in VECTOR_FILES if p.name == "happy-path.json"]
    assert len(happy) == 10
    for vector in happy:
        proof = [decode(item) for item in vector["proof"] or []]
        if "size1" in vector:
            tree = RFC_HASHES[: vector["size2"]]
            assert merkle.consistency_proof(tree, vector["size1"]) == proof
            assert merkle.root_hash(tree) == decode(vector["root2"])
        else:
            tree = RFC_HASHES[: vector["treeSize"]]
            assert merkle.inclusion_proof(tree, vector["leafIdx"]) == proof
            assert merkle.root_hash(tree) == decode(vector["root"])


def test_the_empty_tree_root_is_the_hash_of_nothing():
    """An empty log's root is SHA-256 of the empty string."""
    assert merkle.root_hash([]) == hashlib.sha256(b"").digest()
    assert merkle.TreeBuilder().root() == merkle.EMPTY_ROOT


def test_leaves_and_nodes_are_domain_separated():
    """A leaf is hashed with prefix 0x00 and a node with 0x01 (RFC 6962 section 2.1)."""
    assert merkle.hash_leaf(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.hash_children(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


def reference_root(hashes: list[bytes]) -> bytes:
    """MTH written straight from RFC 6962 section 2.1, to check the streaming builder."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    split = 1
    while split * 2 < len(hashes):
        split *= 2
    return merkle.hash_children(reference_root(hashes[:split]), reference_root(hashes[split:]))


@settings(max_examples=150, deadline=None)
@given(size=st.integers(min_value=1, max_value=300), data=st.data())
def test_proofs_for_any_tree_verify(size, data):
    """For any tree, every root matches the RFC definition and generated proofs verify."""
    hashes = [merkle.hash_leaf(number.to_bytes(4, "big")) for number in range(size)]
    root = merkle.root_hash(hashes)
    assert root == reference_root(hashes)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    merkle.verify_inclusion(
        leaf_index=index,
        tree_size=size,
        leaf_hash=hashes[index],
        proof=merkle.inclusion_proof(hashes, index),
        root=root,
    )
    size1 = data.draw(st.integers(min_value=1, max_value=size))
    merkle.verify_consistency(
        size1=size1,
        size2=size,
        root1=merkle.root_hash(hashes[:size1]),
        root2=root,
        proof=merkle.consistency_proof(hashes, size1),
    )


@settings(max_examples=100, deadline=None)
@given(size=st.integers(min_value=2, max_value=64), data=st.data())
def test_a_proof_against_a_changed_old_tree_fails(size, data):
    """If any leaf of the old tree changed, the consistency proof no longer verifies."""
    hashes = [merkle.hash_leaf(number.to_bytes(2, "big")) for number in range(size)]
    size1 = data.draw(st.integers(min_value=1, max_value=size - 1))
    changed = list(hashes)
    victim = data.draw(st.integers(min_value=0, max_value=size1 - 1))
    changed[victim] = merkle.hash_leaf(b"forged")
    with pytest.raises(merkle.ProofInvalid):
        merkle.verify_consistency(
            size1=size1,
            size2=size,
            root1=merkle.root_hash(hashes[:size1]),
            root2=merkle.root_hash(changed),
            proof=merkle.consistency_proof(changed, size1),
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: merkle.inclusion_proof(RFC_HASHES, 8), "outside a tree of size 8"),
        (lambda: merkle.inclusion_proof(RFC_HASHES, -1), "outside a tree of size 8"),
        (lambda: merkle.consistency_proof(RFC_HASHES, 0), "0 < size1 <= size2"),
        (lambda: merkle.consistency_proof(RFC_HASHES, 9), "0 < size1 <= size2"),
    ],
)
def test_impossible_proofs_are_refused(call, message):
    """Asking for a proof outside the tree names the sizes instead of returning garbage."""
    with pytest.raises(ValueError, match=message):
        call()


def test_proof_elements_must_be_hash_sized():
    """A proof element of the wrong length is rejected even where it would be unused."""
    root = merkle.root_hash(RFC_HASHES)
    proof = merkle.inclusion_proof(RFC_HASHES, 3)
    with pytest.raises(merkle.ProofInvalid, match="proof hash 1 has 31 bytes"):
        merkle.verify_inclusion(
            leaf_index=3,
            tree_size=8,
            leaf_hash=RFC_HASHES[3],
            proof=[proof[0], proof[1][:31], proof[2]],
            root=root,
        )
