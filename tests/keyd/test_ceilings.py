"""The limits a compromised web process meets when it invents principals or processes.

The attack: every invented `staff:<id>` got a fresh hourly allowance, and
every new pid a fresh per-process one. Now a Unix user has one allowance whatever its
pids, and all staff principals together share a ceiling whose reaching raises an alert.
"""

from __future__ import annotations

import json
import uuid

import pytest

from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.service import Peer
from tests.keyd.helpers import limits

pytestmark = pytest.mark.pure


@pytest.fixture
def granted(monkeypatch):
    """Every staff principal passes the ticket check and the policy: only the limits stand
    in the way."""
    monkeypatch.setattr(
        "corridor.vault.keyd.tickets.Gatekeeper.check_unwrap", lambda self, **kwargs: "test"
    )
    monkeypatch.setattr("corridor.vault.keyd.service.granting_policy", lambda request: "test")


def unwrap_for(service, principal: str, *, peer: Peer) -> dict:
    key_id = uuid.uuid4()
    wrapped = service.handle(
        {
            "op": "wrap",
            "key_id": str(key_id),
            "purpose": "data",
            "kek_version": 1,
            "key": wire.encode_bytes(b"k" * 32),
        },
        peer=peer,
        admin=False,
    )
    return service.handle(
        {
            "op": "unwrap",
            "key_id": str(key_id),
            "purpose": "data",
            "kek_version": 1,
            "blob": wrapped["blob"],
            "principal": principal,
            "case_id": str(uuid.uuid4()),
            "task": "operations.restore_check",  # what the worker names; staff name none
        },
        peer=peer,
        admin=False,
    )


def test_invented_staff_principals_meet_one_ceiling_that_alerts(make_unsealed, granted, caplog):
    service = make_unsealed(limits=limits(all_staff=3))
    web = Peer(pid=500, uid=33, gid=33)
    answers = [unwrap_for(service, f"staff:{number}", peer=web) for number in range(1, 6)]
    assert [answer["ok"] for answer in answers] == [True, True, True, False, False]
    assert answers[3]["reason"] == "rate_limited"
    assert "all_staff limit" in answers[3]["message"]
    # One alert, in keyd's log and in the log line operators alert on.
    logged = [json.loads(line) for line in service.journal.path.read_text().splitlines()]
    alerts = [line for line in logged if line["op"] == "alert"]
    assert [line["outcome"] for line in alerts] == ["staff_ceiling_reached"]
    events = [getattr(record, "event", "") for record in caplog.records]
    assert events.count("keyd.staff_ceiling_reached") == 1
    # The worker is not staff: the ceiling does not stop it.
    assert unwrap_for(service, "system:worker", peer=Peer(pid=600, uid=34, gid=34))["ok"]


def test_new_processes_of_the_same_user_get_no_fresh_allowance(make_unsealed, granted):
    service = make_unsealed(limits=limits(peer=2))
    answers = [
        unwrap_for(service, "staff:1", peer=Peer(pid=pid, uid=33, gid=33)) for pid in (1, 2, 3)
    ]
    assert [answer["ok"] for answer in answers] == [True, True, False]
    assert "peer limit" in answers[2]["message"]
    # Another user has its own allowance.
    assert unwrap_for(service, "staff:1", peer=Peer(pid=4, uid=34, gid=34))["ok"]
