"""keyd's own service: gated ledger changes take two people's tickets, a switched-off
account gets no ticket and no key, and the worker gets no draft key (no sockets here)."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.service import Peer
from tests.keyd.conftest import PEER

pytestmark = pytest.mark.pure

OPERATOR = Peer(pid=1, uid=0, gid=0)
ADMIN, FIRST, SECOND, NEWCOMER = 1, 2, 3, 4


def call(service, op, *, admin=False, **fields):
    return service.handle({"op": op, **fields}, peer=OPERATOR if admin else PEER, admin=admin)


def code(secret: bytes, at: float) -> str:
    totp = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238
    return totp.generate(int(at)).decode("ascii")


@pytest.fixture
def team(unsealed):
    """keyd knows an administrator, two coordinators and a newcomer; all but the newcomer
    are logged in. Returns (service, tickets by staff id, secrets by staff id)."""
    roles = {ADMIN: ["admin"], FIRST: ["coordinator"], SECOND: ["coordinator"], NEWCOMER: []}
    tickets, secrets = {}, {}
    for staff_id, held in roles.items():
        secrets[staff_id] = secret = os.urandom(20)
        assert call(unsealed, "ledger_roles", admin=True, staff_id=staff_id, roles=held)["ok"]
        answer = call(
            unsealed,
            "factor_begin",
            admin=True,
            staff_id=staff_id,
            secret=wire.encode_bytes(secret),
        )
        assert answer["ok"], answer
        if staff_id != NEWCOMER:
            answer = call(unsealed, "login", staff_id=staff_id, code=code(secret, time.time()))
            assert answer["ok"], answer
            tickets[staff_id] = answer["ticket"]
    return unsealed, tickets, secrets


def role(service, ticket, *, proposal=None, role_name="caseworker", granted=True):
    fields = {"staff_id": NEWCOMER, "role": role_name, "granted": granted, "ticket": ticket}
    if proposal is not None:
        fields["proposal"] = proposal
    return call(service, "ledger_role", **fields)


def propose(service, ticket, change) -> str:
    proposal = str(uuid.uuid4())
    answer = call(service, "ledger_propose", proposal=proposal, change=change, ticket=ticket)
    assert answer["ok"], answer
    return proposal


def test_a_data_role_takes_a_proposal_and_a_second_coordinators_approval(team):
    service, tickets, _ = team
    alone = role(service, tickets[ADMIN])
    assert (alone["ok"], alone["reason"]) == (False, "not_approved")
    change = {"op": "role", "staff_id": NEWCOMER, "role": "caseworker", "flag": True}
    proposal = propose(service, tickets[ADMIN], change)
    # Proposed, not yet approved: still refused.
    assert role(service, tickets[ADMIN], proposal=proposal)["reason"] == "not_approved"
    assert call(service, "ledger_approve", proposal=proposal, ticket=tickets[FIRST])["ok"]
    assert role(service, tickets[ADMIN], proposal=proposal)["ok"]
    assert "caseworker" in service.gatekeeper.ledger.roles(NEWCOMER)
    # Used once: replaying it (to grant again after a removal) is refused.
    assert role(service, tickets[ADMIN], proposal=proposal)["reason"] == "not_approved"


def test_a_proposal_keyd_never_saw_or_approved_by_its_proposer_gives_nothing(team):
    service, tickets, _ = team
    invented = str(uuid.uuid4())
    assert role(service, tickets[ADMIN], proposal=invented)["reason"] == "not_approved"
    change = {"op": "role", "staff_id": NEWCOMER, "role": "auditor", "flag": True}
    # A coordinator proposes and approves alone: the approval is refused.
    proposal = propose(service, tickets[FIRST], change)
    answer = call(service, "ledger_approve", proposal=proposal, ticket=tickets[FIRST])
    assert (answer["ok"], answer["reason"]) == (False, "not_allowed")
    # An administrator's ticket approves nothing.
    answer = call(service, "ledger_approve", proposal=invented, ticket=tickets[ADMIN])
    assert answer["ok"] is False
    assert "auditor" not in service.gatekeeper.ledger.roles(NEWCOMER)
    refusals = [line for line in service.journal.path.read_text().splitlines() if "refused" in line]
    assert len(refusals) == 3  # each attempt is a line in keyd's log


def test_a_switched_off_account_gets_no_ticket_and_no_key(team):
    service, tickets, secrets = team
    key_id = uuid.uuid4()
    owner = {"kind": "case", "object_id": "c1", "staff_id": None}
    answer = call(
        service,
        "wrap",
        key_id=str(key_id),
        purpose="data",
        kek_version=1,
        key=wire.encode_bytes(b"\x01" * 32),
        owner=owner,
    )
    assert answer["ok"], answer
    fields = {"key_id": str(key_id), "purpose": "data", "kek_version": 1, "blob": answer["blob"]}
    assign = {"case_id": "c1", "staff_id": SECOND, "assigned": True, "ticket": tickets[FIRST]}
    assert call(service, "ledger_assign", **assign)["ok"]
    unwrap = {**fields, "principal": f"staff:{SECOND}", "case_id": "c1", "ticket": tickets[SECOND]}
    assert call(service, "unwrap", **unwrap)["ok"]
    off = {"staff_id": SECOND, "active": False, "ticket": tickets[FIRST]}
    assert call(service, "ledger_active", **off)["ok"]
    assert call(service, "unwrap", **unwrap)["reason"] == "ticket"
    again = call(service, "login", staff_id=SECOND, code=code(secrets[SECOND], time.time() + 30))
    assert (again["ok"], again["reason"]) == (False, "inactive")
    # Switching a coordinator back on: one ticket is not enough.
    on = {"staff_id": SECOND, "active": True, "ticket": tickets[ADMIN]}
    assert call(service, "ledger_active", **on)["reason"] == "not_approved"
    proposal = propose(service, tickets[ADMIN], {"op": "active", "staff_id": SECOND, "flag": True})
    assert call(service, "ledger_approve", proposal=proposal, ticket=tickets[FIRST])["ok"]
    assert call(service, "ledger_active", **on, proposal=proposal)["ok"]
    assert call(service, "login", staff_id=SECOND, code=code(secrets[SECOND], time.time() + 30))[
        "ok"
    ]


def test_the_worker_gets_case_keys_but_no_draft_key(team):
    service, _, _ = team
    answers = {}
    for kind, owner in {
        "case": {"kind": "case", "object_id": "c9", "staff_id": None},
        "draft": {"kind": "draft", "object_id": "d9", "staff_id": FIRST},
    }.items():
        key_id = str(uuid.uuid4())
        wrapped = call(
            service,
            "wrap",
            key_id=key_id,
            purpose="data",
            kek_version=1,
            key=wire.encode_bytes(b"\x02" * 32),
            owner=owner,
        )
        assert wrapped["ok"], wrapped
        answers[kind] = call(
            service,
            "unwrap",
            key_id=key_id,
            purpose="data",
            kek_version=1,
            blob=wrapped["blob"],
            principal="system:worker",
            task="operations.restore_check",  # any kind but a draft (worker_tasks.py)
        )
    assert answers["case"]["ok"]
    assert (answers["draft"]["ok"], answers["draft"]["reason"]) == (False, "not_allowed")


def test_a_channel_address_key_goes_to_its_owner_and_the_delivery_task_only(team):
    """A staff member's notification address (an e-mail, a Signal number) is
    sealed under a "channel" key: keyd gives it to its owner and to the worker delivering
    a notification, never to a colleague nor to another worker task."""
    service, tickets, _ = team
    key_id = str(uuid.uuid4())
    owner = {"kind": "channel", "object_id": "ch1", "staff_id": FIRST}
    wrapped = call(
        service,
        "wrap",
        key_id=key_id,
        purpose="data",
        kek_version=1,
        key=wire.encode_bytes(b"\x03" * 32),
        owner=owner,
    )
    assert wrapped["ok"], wrapped
    fields = {"key_id": key_id, "purpose": "data", "kek_version": 1, "blob": wrapped["blob"]}

    def by(principal: str, **extra: object) -> dict:
        return call(service, "unwrap", **fields, principal=principal, **extra)

    assert by(f"staff:{FIRST}", ticket=tickets[FIRST])["ok"]
    assert by(f"staff:{SECOND}", ticket=tickets[SECOND])["reason"] == "not_allowed"
    assert by("system:worker", task="accounts.deliver_notification")["ok"]
    assert by("system:worker", task="intake.screen_request")["reason"] == "not_allowed"
