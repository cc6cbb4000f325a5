"""Choosing the key provider, and the file provider's KEK file."""

from __future__ import annotations

import json

import pytest

from corridor.vault.errors import KekMismatch, KeyProviderUnavailable
from corridor.vault.longlived import initialise_keys
from corridor.vault.providers import key_provider
from corridor.vault.providers.file import FileKeyProvider, parse_kek_file
from tests.vault.conftest import KEYSTORE_DB


@pytest.mark.pure
def test_the_file_provider_is_refused_in_production(settings):
    """Even if production settings were bypassed, the vault will not use a key on disk there."""
    settings.CORRIDOR_ENV = "production"
    with pytest.raises(KeyProviderUnavailable, match="refused in production"):
        key_provider()


@pytest.mark.pure
def test_an_unknown_provider_is_refused(settings):
    settings.CORRIDOR_KEY_PROVIDER = "vault-transit"
    with pytest.raises(KeyProviderUnavailable, match="Unknown key provider"):
        key_provider()


@pytest.mark.pure
def test_the_file_provider_is_one_per_data_dir(settings, tmp_path):
    """Two data dirs never share a KEK file."""
    settings.CORRIDOR_DATA_DIR = tmp_path / "a"
    first = key_provider()
    assert key_provider() is first
    settings.CORRIDOR_DATA_DIR = tmp_path / "b"
    assert key_provider() is not first
    assert isinstance(first, FileKeyProvider)
    assert first.holds_key_on_disk


@pytest.mark.pure
@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b'{"format": "other", "keys": {"1": "AAAA"}}',
        b'{"format": "corridor-kek-v1", "keys": {}}',
        b'{"format": "corridor-kek-v1", "keys": {"1": "c2hvcnQ="}}',
        b'{"format": "corridor-kek-v1", "keys": {"x": "AAAA"}}',
        b'{"format": "corridor-kek-v1", "keys": {"1": "!!"}}',
        b"[]",
    ],
)
def test_a_damaged_key_file_is_refused(tmp_path, content):
    """A file that is not a Corridor key file is named as such, whatever is wrong with it."""
    with pytest.raises(KeyProviderUnavailable, match="not a Corridor key file"):
        parse_kek_file(content, tmp_path / "kek.demo")


@KEYSTORE_DB
def test_a_damaged_kek_demo_stops_the_provider(vault_keys, settings):
    (settings.CORRIDOR_DATA_DIR / "kek.demo").write_text("{}")
    with pytest.raises(KeyProviderUnavailable, match="not a Corridor key file"):
        key_provider().pepper()


@KEYSTORE_DB
def test_setup_refuses_a_kek_that_is_not_the_key_stores(vault_keys, settings):
    """Replacing kek.demo with another key is caught at setup, before any key is made with it."""
    path = settings.CORRIDOR_DATA_DIR / "kek.demo"
    path.unlink()
    FileKeyProvider(settings.CORRIDOR_DATA_DIR).create_kek(1)
    with pytest.raises(KekMismatch, match="does not match"):
        initialise_keys()


@KEYSTORE_DB
def test_a_kek_version_the_file_lacks_is_kek_mismatch(vault_keys, settings):
    provider = FileKeyProvider(settings.CORRIDOR_DATA_DIR)
    with pytest.raises(KekMismatch, match="no KEK version 7"):
        provider.kek_check(7)


@KEYSTORE_DB
def test_the_key_file_holds_one_version_outside_a_rotation(vault_keys, settings):
    """After setup the file holds exactly the current KEK, base64 in a small JSON document."""
    payload = json.loads((settings.CORRIDOR_DATA_DIR / "kek.demo").read_text())
    assert payload["format"] == "corridor-kek-v1"
    assert list(payload["keys"]) == ["1"]
    provider = FileKeyProvider(settings.CORRIDOR_DATA_DIR)
    provider.forget_keks(keep=1)  # nothing else to forget: the file is left as it is
    assert json.loads((settings.CORRIDOR_DATA_DIR / "kek.demo").read_text()) == payload
