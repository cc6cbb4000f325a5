"""Sealed intake boxes: sealed with a public key only, opened by the provider for one request."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nacl.public import PublicKey, SealedBox

from corridor.core import clock
from corridor.vault.aead import length_prefixed
from corridor.vault.errors import (
    VAULT_FAILURES,
    DecryptionFailed,
    InputRejected,
    IntakeBoxMismatch,
    KeyDestroyed,
    KeyNotFound,
    KeyProviderUnavailable,
    UnsupportedVersion,
)
from corridor.vault.intake import (
    IntakeRotation,
    intake_key_of,
    rotate_intake_keys,
    seal_for_intake,
)
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers import key_provider
from tests.vault.conftest import KEYSTORE_DB

pytestmark = KEYSTORE_DB
REQUEST = "3f6c1f0e-8d2b-4c61-9a43-0f1e2d3c4b5a"


def current_intake() -> WrappedKey:
    return WrappedKey.objects.get(purpose=Purpose.INTAKE, retired_at__isnull=True)


def test_a_box_opens_for_its_request(vault_keys, canary):
    """The provider opens a box for the request it was sealed for; the canary is not visible."""
    sealed = seal_for_intake(f"story {canary}".encode(), REQUEST)
    assert canary.encode() not in sealed
    assert intake_key_of(sealed) == current_intake().id
    assert key_provider().open_intake(sealed, REQUEST) == f"story {canary}".encode()


def test_a_box_for_another_request_is_refused(vault_keys):
    """A box copied onto another request is IntakeBoxMismatch, not its payload."""
    sealed = seal_for_intake(b"payload", REQUEST)
    with pytest.raises(IntakeBoxMismatch):
        key_provider().open_intake(sealed, str(uuid.uuid4()))


def test_sealing_needs_no_kek_but_opening_does(vault_keys, settings):
    """The portal keeps accepting requests while no KEK is at hand; opening waits for it."""
    (settings.CORRIDOR_DATA_DIR / "kek.demo").unlink()
    sealed = seal_for_intake(b"while sealed", REQUEST)
    with pytest.raises(KeyProviderUnavailable):
        key_provider().open_intake(sealed, REQUEST)


def test_every_single_bit_flip_is_refused(vault_keys):
    sealed = seal_for_intake(b"flip me", REQUEST)
    for position in range(0, len(sealed) * 8, 7):
        flipped = bytearray(sealed)
        flipped[position // 8] ^= 1 << (position % 8)
        with pytest.raises(VAULT_FAILURES):
            key_provider().open_intake(bytes(flipped), REQUEST)


def test_a_stub_or_another_version_is_named(vault_keys):
    sealed = seal_for_intake(b"x", REQUEST)
    with pytest.raises(DecryptionFailed, match="too short"):
        key_provider().open_intake(sealed[:10], REQUEST)
    with pytest.raises(UnsupportedVersion):
        key_provider().open_intake(b"\x09" + sealed[1:], REQUEST)


@pytest.mark.parametrize(
    ("inner", "error"),
    [
        (b"", UnsupportedVersion),
        (b"\x02" + length_prefixed(REQUEST) + b"x", UnsupportedVersion),
        (b"\x01\x00\x00", DecryptionFailed),
        (b"\x01\x00\x00\x00\x40abc", DecryptionFailed),
    ],
)
def test_a_malformed_payload_inside_a_valid_box_is_named(vault_keys, inner, error):
    """Anyone with the public key can seal a box: its inside is checked, not trusted."""
    row = current_intake()
    box = SealedBox(PublicKey(bytes(row.public_key))).encrypt(inner)
    with pytest.raises(error):
        key_provider().open_intake(b"\x01" + row.id.bytes + box, REQUEST)


@pytest.mark.parametrize("request_id", ["", "x" * 201, 12])
def test_a_bad_request_id_is_refused(vault_keys, request_id):
    with pytest.raises(InputRejected):
        seal_for_intake(b"x", request_id)
    with pytest.raises(InputRejected):
        key_provider().open_intake(b"\x01" + b"\0" * 60, request_id)


def test_a_payload_must_be_bytes(vault_keys):
    with pytest.raises(InputRejected):
        seal_for_intake("text", REQUEST)  # type: ignore[arg-type]


def test_a_box_sealed_to_an_unknown_key_is_key_not_found(vault_keys):
    sealed = seal_for_intake(b"x", REQUEST)
    with pytest.raises(KeyNotFound):
        key_provider().open_intake(b"\x01" + uuid.uuid4().bytes + sealed[17:], REQUEST)


def test_an_intake_key_without_its_public_half_is_named(vault_keys):
    WrappedKey.objects.filter(purpose=Purpose.INTAKE).update(public_key=None)
    with pytest.raises(KeyNotFound, match="public half"):
        seal_for_intake(b"x", REQUEST)


def test_the_pair_rotates_monthly_and_old_boxes_still_open(vault_keys):
    """After 30 days a new pair seals; boxes sealed to the old pair still open."""
    first = current_intake()
    old_box = seal_for_intake(b"old", REQUEST)
    too_early = rotate_intake_keys(still_sealed_to=set(), now=clock.now() + timedelta(days=29))
    assert too_early == IntakeRotation()
    rotation = rotate_intake_keys(still_sealed_to={first.id}, now=clock.now() + timedelta(days=30))
    assert rotation.retired == first.id
    assert rotation.created == current_intake().id != first.id
    assert rotation.destroyed == []
    new_box = seal_for_intake(b"new", REQUEST)
    assert intake_key_of(new_box) == rotation.created
    assert key_provider().open_intake(old_box, REQUEST) == b"old"
    assert key_provider().open_intake(new_box, REQUEST) == b"new"


def test_an_old_private_key_goes_once_nothing_is_sealed_to_it(vault_keys):
    """A retired pair is destroyed when no unopened box needs it; its boxes then cannot open."""
    first = current_intake()
    old_box = seal_for_intake(b"old", REQUEST)
    rotate_intake_keys(still_sealed_to={first.id}, now=clock.now() + timedelta(days=31))
    later = rotate_intake_keys(still_sealed_to=set())
    assert [item.key_id for item in later.destroyed] == [first.id]
    assert later.created is None
    with pytest.raises(KeyDestroyed):
        key_provider().open_intake(old_box, REQUEST)


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=st.binary(max_size=4096), request_id=st.text(min_size=1, max_size=200))
def test_any_payload_and_request_id_round_trip(vault_keys, payload, request_id):
    sealed = seal_for_intake(payload, request_id)
    assert key_provider().open_intake(sealed, request_id) == payload
