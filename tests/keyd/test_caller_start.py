"""`serve` and `worker` say which Unix user each must run as when keyd binds callers."""

from __future__ import annotations

import os

import pytest
from django.core.management.base import CommandError

from corridor.operations.keys_at_start import check_caller

pytestmark = pytest.mark.pure


@pytest.fixture
def bound(settings):
    me = str(os.geteuid())
    other = str(os.geteuid() + 1)
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_CALLERS = {"web": (other,), "worker": (me,), "portal": (other,)}
    return other


def test_the_web_server_refuses_to_start_as_the_workers_user(bound):
    for caller in ("web", "portal"):
        with pytest.raises(CommandError) as refused:
            check_caller(caller, print)
        message = str(refused.value)
        assert f"CORRIDOR_KEYD_{caller.upper()}_USERS" in message
        assert bound in message


def test_the_worker_starts_as_its_own_user(bound):
    warnings: list[str] = []
    check_caller("worker", warnings.append)
    assert warnings == []


def test_an_unbound_production_keyd_is_named_at_start(settings):
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_CALLERS = {}
    settings.CORRIDOR_ENV = "production"
    warnings: list[str] = []
    check_caller("web", warnings.append)
    assert "CORRIDOR_KEYD_WEB_USERS" in warnings[0]
