"""The requester's keys: derived from the codename under the pepper, never readable by the
server alone, and boxes only the codename's holder can open."""

from __future__ import annotations

import copy
import pickle
import secrets

import pytest

from corridor.vault import requester
from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    KeydUnreachable,
    UnsupportedVersion,
)
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.requester import (
    RequesterKey,
    derive_codename,
    first_scheme_key,
    first_scheme_lookup,
    hold_requester_key,
    open_for_requester,
    release_requester_key,
    seal_for_requester,
)
from tests.portal_helpers import FAST_KDF
from tests.vault.conftest import KEYSTORE_DB

pytestmark = KEYSTORE_DB
CODENAME = "облако сирень компас ладья метель 4821"
BINDING = "a" * 64


@pytest.fixture(autouse=True)
def cheap_kdf(settings):
    settings.CORRIDOR_CODENAME_KDF = FAST_KDF


def lookup(codename):
    return derive_codename(codename).lookup


def requester_key(codename):
    return derive_codename(codename).key


def test_the_lookup_is_stable_and_differs_per_codename(vault_keys):
    """The same codename always finds the same row; another codename finds another."""
    assert lookup(CODENAME) == lookup(CODENAME)
    assert len(lookup(CODENAME)) == 32
    assert lookup(CODENAME) != lookup(CODENAME.replace("4821", "4822"))


def test_the_lookup_reveals_nothing_of_the_key(vault_keys):
    """Knowing the stored lookup value gives nothing of the private key or its public half:
    they are separate HKDF outputs of the one Argon2id run."""
    key = requester_key(CODENAME)
    assert lookup(CODENAME) not in (key.public_key, bytes(key._private))
    assert requester_key(CODENAME).public_key == key.public_key


def test_one_derivation_gives_both_halves(vault_keys, monkeypatch):
    """A sign-in needs one Argon2id run, not one for the lookup and one for the key."""
    calls = []
    real = requester.hash_secret_raw
    monkeypatch.setattr(requester, "hash_secret_raw", lambda **kw: calls.append(1) or real(**kw))
    derived = derive_codename(CODENAME)
    assert len(calls) == 1
    assert derived.lookup == lookup(CODENAME)
    with pytest.raises(TypeError):
        pickle.dumps(derived)


def test_first_scheme_codenames_still_derive_what_they_stored(vault_keys):
    """Codenames issued before the single derivation keep their lookup value and key pair,
    and neither is what the current scheme derives."""
    assert first_scheme_lookup(CODENAME) == first_scheme_lookup(CODENAME)
    assert first_scheme_lookup(CODENAME) != lookup(CODENAME)
    assert first_scheme_key(CODENAME).public_key != requester_key(CODENAME).public_key


def test_a_new_pepper_changes_every_derivation(vault_keys, settings, tmp_path):
    """Without this installation's pepper, a codename derives nothing that matches."""
    before = lookup(CODENAME), requester_key(CODENAME).public_key, first_scheme_lookup(CODENAME)
    WrappedKey.objects.filter(purpose=Purpose.PEPPER).delete()
    from corridor.vault.longlived import initialise_keys

    initialise_keys()
    after = lookup(CODENAME), requester_key(CODENAME).public_key, first_scheme_lookup(CODENAME)
    assert all(new != old for new, old in zip(after, before, strict=True))


def test_the_cost_comes_from_settings(vault_keys, settings, monkeypatch):
    """The Argon2id parameters are the configured ones, for every derivation."""
    seen = []
    real = requester.hash_secret_raw

    def spy(**kwargs):
        seen.append((kwargs["time_cost"], kwargs["memory_cost"], kwargs["parallelism"]))
        return real(**kwargs)

    monkeypatch.setattr(requester, "hash_secret_raw", spy)
    settings.CORRIDOR_CODENAME_KDF = {"time_cost": 2, "memory_cost": 16, "parallelism": 1}
    derive_codename(CODENAME)
    first_scheme_lookup(CODENAME)
    first_scheme_key(CODENAME)
    assert seen == [(2, 16, 1)] * 3


@pytest.mark.parametrize("bad", [b"bytes", "", "x" * 600, None])
def test_a_codename_must_be_short_text(vault_keys, bad):
    with pytest.raises(InputRejected):
        derive_codename(bad)


def test_derivation_fails_closed_without_the_provider(vault_keys, settings):
    """Under keyd (not running yet) nothing derives: no silent fallback to another key."""
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    with pytest.raises(KeydUnreachable):
        derive_codename(CODENAME)


def test_only_the_codename_holder_opens_a_box(vault_keys, canary):
    """A reply sealed to the requester's public key opens with their key and no other."""
    key = requester_key(CODENAME)
    sealed = seal_for_requester(key.public_key, canary.encode())
    assert canary.encode() not in sealed
    assert open_for_requester(key, sealed) == canary.encode()
    stranger = requester_key(CODENAME.replace("облако", "камень"))
    with pytest.raises(DecryptionFailed):
        open_for_requester(stranger, sealed)


def test_a_damaged_or_foreign_box_is_refused(vault_keys):
    key = requester_key(CODENAME)
    sealed = seal_for_requester(key.public_key, b"text")
    flipped = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(DecryptionFailed):
        open_for_requester(key, flipped)
    with pytest.raises(UnsupportedVersion):
        open_for_requester(key, b"\x09" + sealed[1:])
    with pytest.raises(DecryptionFailed):
        open_for_requester(key, b"")


@pytest.mark.parametrize(
    ("public", "plaintext"), [(b"short", b"x"), ("text", b"x"), (b"k" * 32, "not bytes")]
)
def test_sealing_checks_its_arguments(public, plaintext):
    with pytest.raises(InputRejected):
        seal_for_requester(public, plaintext)


def test_opening_checks_its_arguments(vault_keys):
    with pytest.raises(InputRejected):
        open_for_requester("not a key", b"x")
    with pytest.raises(InputRejected):
        open_for_requester(requester_key(CODENAME), "not bytes")


def test_a_held_key_needs_both_the_server_blob_and_the_cookie_key(vault_keys):
    """The private key kept between pages opens only with its holder key and binding."""
    key = requester_key(CODENAME)
    holder = secrets.token_bytes(32)
    held = hold_requester_key(key, holder=holder, binding=BINDING)
    assert bytes(key._private) not in held
    assert release_requester_key(held, holder=holder, binding=BINDING).public_key == (
        key.public_key
    )
    with pytest.raises(DecryptionFailed):
        release_requester_key(held, holder=secrets.token_bytes(32), binding=BINDING)
    with pytest.raises(DecryptionFailed):
        release_requester_key(held, holder=holder, binding="b" * 64)
    with pytest.raises(DecryptionFailed):
        release_requester_key(held[:-1], holder=holder, binding=BINDING)
    with pytest.raises(UnsupportedVersion):
        release_requester_key(b"\x07" + held[1:], holder=holder, binding=BINDING)


@pytest.mark.parametrize(
    ("holder", "binding"), [(b"short", BINDING), ("text" * 8, BINDING), (b"k" * 32, "")]
)
def test_holding_checks_its_arguments(vault_keys, holder, binding):
    with pytest.raises(InputRejected):
        hold_requester_key(requester_key(CODENAME), holder=holder, binding=binding)


def test_only_a_requester_key_can_be_held():
    with pytest.raises(InputRejected):
        hold_requester_key(b"k" * 32, holder=b"h" * 32, binding=BINDING)


def test_a_requester_key_shows_and_serialises_nothing(vault_keys):
    """The key cannot reach a log, a session, a cache or a task payload."""
    key = requester_key(CODENAME)
    assert repr(key) == "<RequesterKey>"
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(TypeError):
        copy.copy(key)
    assert isinstance(key, RequesterKey)
