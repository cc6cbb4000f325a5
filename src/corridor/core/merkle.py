"""RFC 6962 Merkle trees: hashes, roots, inclusion and consistency proofs and their checks.

Pure functions over 32-byte SHA-256 hashes; no database. Leaves are hashed as
SHA-256(0x00 || leaf) and nodes as SHA-256(0x01 || left || right), so a leaf
can never pass for a node (second-preimage attacks on the tree). The checks
follow transparency-dev/merkle (`proof/verify.go`), with two stricter rules of
Corridor's: a consistency proof from size 0 is refused (it proves nothing), and
every proof element must be exactly 32 bytes.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"
_sha256 = hashlib.sha256
# RFC 6962 section 3.5: Version v1 = 0, SignatureType tree_hash = 1.
_V1 = 0
_TREE_HASH = 1


class ProofInvalid(ValueError):
    """A proof does not show what it claims; the message says which check failed."""


def hash_leaf(leaf: bytes) -> bytes:
    return hashlib.sha256(_LEAF_PREFIX + leaf).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


class TreeBuilder:
    """The root of a growing tree in O(log n) memory: the perfect subtrees of its compact range.

    Appending n leaves costs n - 1 node hashes in all, so a verifier can stream
    a million leaves and ask for the root at every signed head's size on the way.
    """

    __slots__ = ("_hashes", "_sizes", "size")

    def __init__(self) -> None:
        self._sizes: list[int] = []
        self._hashes: list[bytes] = []
        self.size = 0

    def append(self, leaf_hash: bytes) -> None:
        sizes, hashes = self._sizes, self._hashes
        sizes.append(1)
        hashes.append(leaf_hash)
        # Two perfect subtrees of equal size merge into one of twice the size
        # (hash_children inlined: this loop runs once per leaf on average).
        while len(sizes) > 1 and sizes[-1] == sizes[-2]:
            right = hashes.pop()
            sizes.pop()
            sizes[-1] *= 2
            hashes[-1] = _sha256(_NODE_PREFIX + hashes[-1] + right).digest()
        self.size += 1

    def root(self) -> bytes:
        if not self._hashes:
            return EMPTY_ROOT
        # RFC 6962 splits at the largest power of two below n, which is exactly the
        # compact range read from the right: fold the smaller subtrees into the larger.
        result = self._hashes[-1]
        for left in reversed(self._hashes[:-1]):
            result = hash_children(left, result)
        return result


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of RFC 6962 section 2.1 over the given leaf hashes."""
    builder = TreeBuilder()
    for leaf in leaf_hashes:
        builder.append(leaf)
    return builder.root()


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 section 2.1.1: the audit path of leaf `index`."""
    if not 0 <= index < len(leaf_hashes):
        raise ValueError(f"leaf index {index} is outside a tree of size {len(leaf_hashes)}")
    return _path(index, leaf_hashes)


def _path(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    if len(leaves) <= 1:
        return []
    split = _split(len(leaves))
    if index < split:
        return [*_path(index, leaves[:split]), root_hash(leaves[split:])]
    return [*_path(index - split, leaves[split:]), root_hash(leaves[:split])]


def consistency_proof(leaf_hashes: Sequence[bytes], size1: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 6962 section 2.1.2 from size `size1` to the whole list."""
    if not 0 < size1 <= len(leaf_hashes):
        raise ValueError(
            f"a consistency proof needs 0 < size1 <= size2; got {size1} and {len(leaf_hashes)}"
        )
    return _subproof(size1, leaf_hashes, complete=True)


def _subproof(size1: int, leaves: Sequence[bytes], *, complete: bool) -> list[bytes]:
    if size1 == len(leaves):
        return [] if complete else [root_hash(leaves)]
    split = _split(len(leaves))
    if size1 <= split:
        return [*_subproof(size1, leaves[:split], complete=complete), root_hash(leaves[split:])]
    return [*_subproof(size1 - split, leaves[split:], complete=False), root_hash(leaves[:split])]


def _split(size: int) -> int:
    """The largest power of two strictly below `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


def verify_inclusion(
    *, leaf_index: int, tree_size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Raise ProofInvalid unless `proof` shows `leaf_hash` at `leaf_index` under `root`."""
    if not 0 <= leaf_index < tree_size:
        raise ProofInvalid(f"leaf index {leaf_index} is outside a tree of size {tree_size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofInvalid(f"the leaf hash has {len(leaf_hash)} bytes, not {HASH_SIZE}")
    _check_elements(proof)
    inner, border = _decompose(leaf_index, tree_size)
    if len(proof) != inner + border:
        raise ProofInvalid(f"the proof has {len(proof)} hashes, not {inner + border}")
    calculated = _chain_inner(leaf_hash, proof[:inner], leaf_index)
    calculated = _chain_border_right(calculated, proof[inner:])
    if calculated != root:
        raise ProofInvalid("the proof leads to a different root")


def verify_consistency(
    *, size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Raise ProofInvalid unless `proof` shows the tree of `size1` is a prefix of `size2`'s."""
    if size1 > size2:
        raise ProofInvalid(f"size1 {size1} is larger than size2 {size2}")
    if size1 < 1:
        raise ProofInvalid("a consistency proof from an empty tree proves nothing")
    if size1 == size2:
        if proof:
            raise ProofInvalid("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofInvalid("equal sizes but different roots")
        return
    if not proof:
        raise ProofInvalid("the proof is empty")
    _check_elements(proof)
    inner, border = _decompose(size1 - 1, size2)
    shift = (size1 & -size1).bit_length() - 1
    inner -= shift
    # The proof starts with the root of the subtree of size 2**shift, unless
    # size1 is that very power of two: then the old root is that subtree.
    seed, start = (root1, 0) if size1 == 1 << shift else (proof[0], 1)
    if len(proof) != start + inner + border:
        raise ProofInvalid(f"the proof has {len(proof)} hashes, not {start + inner + border}")
    path = proof[start:]
    mask = (size1 - 1) >> shift
    old = _chain_border_right(_chain_inner_right(seed, path[:inner], mask), path[inner:])
    if old != root1:
        raise ProofInvalid("the proof does not lead to the first root")
    new = _chain_border_right(_chain_inner(seed, path[:inner], mask), path[inner:])
    if new != root2:
        raise ProofInvalid("the proof does not lead to the second root")


def _check_elements(proof: Sequence[bytes]) -> None:
    for position, element in enumerate(proof):
        if len(element) != HASH_SIZE:
            raise ProofInvalid(f"proof hash {position} has {len(element)} bytes, not {HASH_SIZE}")


def _decompose(index: int, size: int) -> tuple[int, int]:
    """How many proof hashes lie inside the perfect subtrees, and how many on the border."""
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        is_right = (index >> level) & 1
        seed = hash_children(sibling, seed) if is_right else hash_children(seed, sibling)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for level, sibling in enumerate(proof):
        if (index >> level) & 1:
            seed = hash_children(sibling, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for sibling in proof:
        seed = hash_children(sibling, seed)
    return seed


def tree_head_signature_input(*, timestamp: int, tree_size: int, root_hash: bytes) -> bytes:
    """The bytes a tree head's signature covers: the TLS encoding of RFC 6962's
    TreeHeadSignature (section 3.5), so a signature cannot be replayed for another
    size, root or time. keyd builds it itself from the fields it checked."""
    return struct.pack(">BBQQ", _V1, _TREE_HASH, timestamp, tree_size) + root_hash
