"""The requester's keys: what a codename derives, and the boxes only its holder can open.

A person writing through the portal has no account; their codename is the only secret.
One Argon2id derivation under the key provider's pepper turns it into a secret that HKDF
splits into

- a lookup value, stored, so the portal can find their request; and
- an X25519 key pair, whose public half is stored so the team's replies (and a copy of
  the requester's own messages) can be sealed to it. The private half is never stored in
  the clear: between pages it is held under a random key that lives only in the portal
  cookie (`hold_requester_key`), so neither the server nor the cookie alone can use it.

    derived = derive_codename(codename)                # one Argon2id run
    derived.lookup                                     # 32 bytes, stored
    key = derived.key                                  # never stored
    sealed = seal_for_requester(key.public_key, b"…")  # anyone with the public key
    open_for_requester(key, sealed)                    # only the codename's holder
    held = hold_requester_key(key, holder=cookie_key, binding=session_digest)
    key = release_requester_key(held, holder=cookie_key, binding=session_digest)

A seized database without the pepper cannot even start guessing codenames (the pepper
salts the derivation); with it, each guess costs one Argon2id run at the configured cost,
against a space of about 2^68 codenames (docs/decisions/0011-codename-derivation.md).

Codenames issued before the single derivation (scheme 1) were turned into their lookup
value and their key pair by two separate Argon2id runs (`first_scheme_lookup`,
`first_scheme_key`); their stored lookup values and the boxes sealed to their keys stay
valid, so those two functions remain for them alone.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from typing import NoReturn

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from corridor.vault.aead import KEY_BYTES, NONCE_BYTES, TAG_BYTES, derive_key, length_prefixed
from corridor.vault.errors import DecryptionFailed, InputRejected, UnsupportedVersion
from corridor.vault.providers import key_provider

# Scheme 2 (one derivation): the Argon2id salt's label, then HKDF's labels for each half.
SECRET_LABEL = b"corridor-codename-secret-v2"
LOOKUP_INFO = b"corridor-codename-lookup-v2"
KEY_INFO = b"corridor-codename-key-v2"
# Scheme 1 (two derivations), kept for the codenames issued under it.
LOOKUP_LABEL = b"corridor-codename-lookup-v1"
KEY_LABEL = b"corridor-codename-key-v1"
CURRENT_SCHEME = 2
FIRST_SCHEME = 1
HOLD_LABEL = "corridor-requester-key-v1"
BOX_VERSION = 1
HOLD_VERSION = 1
MAX_CODENAME_BYTES = 512
MAX_BINDING = 200
# Argon2id cost per derivation when settings.CORRIDOR_CODENAME_KDF says nothing
# (docs/decisions/0011-codename-derivation.md).
DEFAULT_COST = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}


class RequesterKey:
    """A requester's X25519 key pair, derived from their codename for one request's work."""

    __slots__ = ("_private",)

    def __init__(self, private: PrivateKey) -> None:
        self._private = private

    @property
    def public_key(self) -> bytes:
        return bytes(self._private.public_key)

    def __repr__(self) -> str:
        return "<RequesterKey>"

    def __reduce__(self) -> NoReturn:
        # Defends against the private key reaching a session, a cache or a task payload.
        raise TypeError("A requester key cannot be pickled or copied.")


class DerivedCodename:
    """What one codename derives: the stored lookup value and the requester's key pair."""

    __slots__ = ("key", "lookup")

    def __init__(self, lookup: bytes, key: RequesterKey) -> None:
        self.lookup = lookup
        self.key = key

    def __repr__(self) -> str:
        return "<DerivedCodename>"

    def __reduce__(self) -> NoReturn:
        raise TypeError("A derived codename cannot be pickled or copied.")


def derive_codename(codename: str) -> DerivedCodename:
    """The lookup value (32 bytes) and key pair of a codename, from one Argon2id run.

    HKDF splits the run's output: the stored lookup value reveals nothing about the
    private key, and a guess at the codename still costs the whole Argon2id run.
    """
    secret = _derive(codename, SECRET_LABEL)
    return DerivedCodename(
        lookup=derive_key(secret, info=LOOKUP_INFO),
        key=RequesterKey(PrivateKey(derive_key(secret, info=KEY_INFO))),
    )


def first_scheme_lookup(codename: str) -> bytes:
    """A scheme-1 codename's stored lookup value (its own Argon2id run, 32 bytes)."""
    return _derive(codename, LOOKUP_LABEL)


def first_scheme_key(codename: str) -> RequesterKey:
    """A scheme-1 codename's key pair, from a derivation separate from its lookup value's."""
    return RequesterKey(PrivateKey(_derive(codename, KEY_LABEL)))


def seal_for_requester(public_key: bytes, plaintext: bytes) -> bytes:
    """Seal `plaintext` to a requester's public key (libsodium sealed box).

    Who can decrypt: only whoever holds the codename the key pair was derived from; the
    server that seals it, and anyone who later seizes it, cannot.
    """
    if not isinstance(plaintext, bytes):
        raise InputRejected("Only bytes can be sealed for a requester.")
    if not isinstance(public_key, bytes) or len(public_key) != KEY_BYTES:
        raise InputRejected("A requester's public key is 32 bytes.")
    return bytes((BOX_VERSION,)) + SealedBox(PublicKey(public_key)).encrypt(plaintext)


def open_for_requester(key: RequesterKey, sealed: bytes) -> bytes:
    """The plaintext of a box sealed to `key`, or DecryptionFailed."""
    if not isinstance(key, RequesterKey) or not isinstance(sealed, bytes):
        raise InputRejected("open_for_requester takes a RequesterKey and bytes.")
    if not sealed:
        raise DecryptionFailed("The sealed message is empty.")
    if sealed[0] != BOX_VERSION:
        raise UnsupportedVersion(f"Requester box format {sealed[0]} is not supported.")
    try:
        return bytes(SealedBox(key._private).decrypt(sealed[1:]))
    except CryptoError:
        raise DecryptionFailed("The sealed message does not open with this key.") from None


def hold_requester_key(key: RequesterKey, *, holder: bytes, binding: str) -> bytes:
    """The private key encrypted under `holder` (AES-256-GCM), bound to `binding`.

    Who can decrypt: whoever has both this blob (the server) and `holder` (the portal
    cookie). The binding (the session's digest) stops a blob moving to another session.
    """
    if not isinstance(key, RequesterKey):
        raise InputRejected("Only a RequesterKey can be held.")
    cipher = AESGCM(_holder_key(holder))
    nonce = os.urandom(NONCE_BYTES)
    body = cipher.encrypt(nonce, bytes(key._private), _hold_data(binding))
    return bytes((HOLD_VERSION,)) + nonce + body


def release_requester_key(held: bytes, *, holder: bytes, binding: str) -> RequesterKey:
    """The key `hold_requester_key` wrapped, or DecryptionFailed for a wrong holder or binding."""
    cipher = AESGCM(_holder_key(holder))
    associated = _hold_data(binding)
    if not isinstance(held, bytes) or len(held) != 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES:
        raise DecryptionFailed("The held requester key is malformed.")
    if held[0] != HOLD_VERSION:
        raise UnsupportedVersion(f"Held key format {held[0]} is not supported.")
    try:
        secret = cipher.decrypt(held[1 : 1 + NONCE_BYTES], held[1 + NONCE_BYTES :], associated)
    except InvalidTag:
        raise DecryptionFailed("The held requester key does not open here.") from None
    return RequesterKey(PrivateKey(secret))


def _derive(codename: str, label: bytes) -> bytes:
    if not isinstance(codename, str):
        raise InputRejected("A codename is text.")
    secret = codename.encode("utf-8")
    if not secret or len(secret) > MAX_CODENAME_BYTES:
        raise InputRejected(f"A codename is 1 to {MAX_CODENAME_BYTES} bytes of text.")
    # The salt is keyed by the pepper: without it, no guess can even be started, and the
    # label keeps the lookup value and the private key independent of each other.
    salt = hmac.new(key_provider().pepper(), label, hashlib.sha256).digest()[:16]
    cost = {**DEFAULT_COST, **getattr(settings, "CORRIDOR_CODENAME_KDF", {})}
    return hash_secret_raw(
        secret=secret,
        salt=salt,
        time_cost=int(cost["time_cost"]),
        memory_cost=int(cost["memory_cost"]),
        parallelism=int(cost["parallelism"]),
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _holder_key(holder: bytes) -> bytes:
    if not isinstance(holder, bytes) or len(holder) != KEY_BYTES:
        raise InputRejected("A holder key is 32 bytes.")
    return holder


def _hold_data(binding: str) -> bytes:
    if not isinstance(binding, str) or not 0 < len(binding) <= MAX_BINDING:
        raise InputRejected(f"A binding is text of 1 to {MAX_BINDING} characters.")
    return length_prefixed(HOLD_LABEL, binding)
