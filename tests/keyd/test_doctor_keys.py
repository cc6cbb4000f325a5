"""`corridor doctor` against a real keyd: unreachable and sealed fail, unsealed passes."""

from __future__ import annotations

from corridor.operations.doctor import Status, check_keys
from corridor.vault.keyd.client import KeydAdmin
from tests.keyd.helpers import config_in, point_settings_at


def test_keyd_not_running_fails_saying_start_it(settings, keyd_dir):
    point_settings_at(settings, config_in(keyd_dir))
    finding = check_keys()
    assert finding.status is Status.FAIL
    assert "keyd is not running" in finding.found
    assert "systemctl start corridor-keyd" in finding.fix


def test_sealed_keyd_fails_until_the_trustees_unseal_it(daemon, shares):
    sealed = check_keys()
    assert sealed.status is Status.FAIL
    assert "corridor unseal" in sealed.fix
    admin = KeydAdmin()
    for share in shares[:3]:
        admin.unseal(share)
    assert check_keys().status is Status.OK
