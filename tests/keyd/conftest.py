"""Fixtures for keyd: a KEK record with its shares, a service, an in-process daemon."""

from __future__ import annotations

import pytest

from corridor.vault.keyd.journal import KeydJournal
from corridor.vault.keyd.server import KeydDaemon
from corridor.vault.keyd.service import KeydService, Peer
from corridor.vault.keyd.shares import initialise_kek
from tests.keyd.helpers import config_in, limits, point_settings_at, short_dir
from tests.keys import vault_keys  # noqa: F401 - a fixture, registered by importing it

PEER = Peer(pid=4242, uid=1000, gid=1000)


@pytest.fixture
def keyd_dir():
    with short_dir() as directory:
        yield directory


@pytest.fixture
def shares(keyd_dir):
    """A fresh KEK record (3 of 5) in keyd_dir, and its five shares."""
    return initialise_kek(keyd_dir, shares=5, threshold=3)


@pytest.fixture
def make_service(keyd_dir, shares):
    """A factory: a KeydService on keyd_dir reading policies through "default"."""
    made = []

    def make(**changes) -> KeydService:
        values = {
            "directory": keyd_dir,
            "journal": KeydJournal(keyd_dir / "keyd.log"),
            "database": "default",
            "limits": limits(),
        }
        values.update(changes)
        service = KeydService(**values)
        made.append(service)
        return service

    yield make
    for service in made:
        service.journal.close()


@pytest.fixture
def service(make_service):
    return make_service()


@pytest.fixture
def make_unsealed(make_service, shares):
    """A factory: a KeydService (with these changes) unsealed with three of the five shares."""

    def make(**changes) -> KeydService:
        service = make_service(**changes)
        for share in shares[:3]:
            service.handle({"op": "unseal", "share": share}, peer=PEER, admin=True)
        assert not service.sealed
        return service

    return make


@pytest.fixture
def unsealed(make_unsealed):
    return make_unsealed()


@pytest.fixture
def daemon(keyd_dir, shares, settings):
    """keyd in this process: both sockets under keyd_dir, the provider pointed at them.

    Policies read through "default", so tests that unwrap for staff commit their rows
    (`transaction=True`): keyd's threads have their own connections.
    """
    config = config_in(keyd_dir)
    running = KeydDaemon(config)
    running.start()
    point_settings_at(settings, config)
    yield running
    running.stop()
