"""Rows forged in the data database give the web's Unix user nothing from a real keyd.

The attack: with code execution as the web's user, write into the data database what
the web may write (a staff row with a role, an assignment, a break-glass reveal, an
evacuation night, a draft naming a case's key) and then ask keyd's socket for the
case's key, with no ticket and with a logged-in person's ticket. keyd decides from its
own ledger, so each gets nothing; every attempt is a line in keyd's log with the web's
uid and, copied by the worker, an event in the audit log. The control: once keyd's
ledger assigns the caseworker (a coordinator's ticket, relayed by the web), the same
request gets the key, and a forged evacuation night lifts no limit.

One keyd serves the whole module; each test makes its own people and case.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from corridor.accounts.models import Draft, Staff, Surge
from corridor.accounts.roles import Role
from corridor.audit.events import EventType
from corridor.audit.keyd_log import record_keyd_lines
from corridor.audit.models import AuditEntry
from corridor.cases.models import Case, CaseAssignment, CaseReveal
from corridor.cases.unwrap_policy import case_unwrap_policy
from corridor.core import clock
from corridor.vault.keyd.policy import UnwrapRequest
from corridor.vault.keyd.server import KeydDaemon
from corridor.vault.keyd.shares import initialise_kek
from tests.factories import StaffFactory, open_case_for, staff_with
from tests.keyd.callers import WEB_UID, ask_as, ask_here, bound_keyd, log_lines, ticket_for
from tests.keyd.helpers import is_root, limits, short_dir

STAFF_LIMIT = 2

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(not is_root(), reason="speaking as another uid needs root"),
    # keyd's threads read the data database through their own connections: commit.
    pytest.mark.django_db(transaction=True, databases=["default", "keystore"]),
]


@pytest.fixture(scope="module")
def keyd() -> Iterator[KeydDaemon]:
    with short_dir() as directory:
        shares = initialise_kek(directory, shares=5, threshold=3)
        with bound_keyd(directory, shares, limits=limits(staff=STAFF_LIMIT)) as running:
            yield running


@dataclass
class Scene:
    """A case whose key keyd's ledger records as the case's, and two people logged in to
    keyd: a caseworker and a coordinator, neither assigned to it in keyd's ledger."""

    keyd: KeydDaemon
    case: Case
    key: bytes
    blob: str
    caseworker: Staff
    coordinator: Staff
    tickets: dict[int, str]

    def unwrap(self, staff: Staff, ticket: str | None, *, name_case: bool = True) -> dict:
        """The web's uid asks keyd's socket for the case's key for `staff`."""
        message: dict[str, Any] = {
            "op": "unwrap",
            "key_id": str(self.case.key_id),
            "purpose": "data",
            "kek_version": 1,
            "blob": self.blob,
            "principal": staff.actor_id,
        }
        if name_case:
            message["case_id"] = str(self.case.pk)
        if ticket is not None:
            message["ticket"] = ticket
        return ask_as(WEB_UID, self.keyd.config.socket, message)

    def keyd_lines(self) -> list[dict[str, Any]]:
        """keyd's log lines about this case's key."""
        key_id = str(self.case.key_id)
        return [line for line in log_lines(self.keyd.config.log) if line["key"] == key_id]

    def audited_lines(self) -> list[dict[str, Any]]:
        """The worker copies keyd's log into the audit log; the copies about this key."""

        def fetch(after: int, limit: int) -> list[dict]:
            answer = ask_here(
                self.keyd.config.socket, {"op": "log_since", "after": after, "limit": limit}
            )
            return list(answer["lines"])

        record_keyd_lines(fetch)
        key_id = str(self.case.key_id)
        details = AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT).values_list(
            "detail", flat=True
        )
        return [row for row in map(json.loads, details) if row["key"] == key_id]


@pytest.fixture
def scene(keyd, vault_keys) -> Scene:
    coordinator = staff_with(Role.COORDINATOR)
    caseworker = staff_with(Role.CASEWORKER)
    case = open_case_for(coordinator, caseworker, assign=False)
    key = os.urandom(32)
    wrapped = ask_here(
        keyd.config.socket,
        {
            "op": "wrap",
            "key_id": str(case.key_id),
            "purpose": "data",
            "kek_version": 1,
            "key": base64.b64encode(key).decode("ascii"),
            "owner": {"kind": "case", "object_id": str(case.pk), "staff_id": None},
        },
    )
    assert wrapped["ok"], wrapped
    tickets = {
        caseworker.pk: ticket_for(keyd, caseworker.pk, ["caseworker"]),
        coordinator.pk: ticket_for(keyd, coordinator.pk, ["coordinator"]),
    }
    return Scene(keyd, case, key, wrapped["blob"], caseworker, coordinator, tickets)


# Each forgery writes its rows into the data database and names who they favour.
def _forged_staff_row(scene: Scene) -> Staff:
    """A coordinator nobody told keyd about, assigned to the case."""
    forged = StaffFactory(roles=[Role.COORDINATOR])
    CaseAssignment.objects.create(case=scene.case, staff=forged, lead=False)
    return forged


def _forged_assignment(scene: Scene) -> Staff:
    CaseAssignment.objects.create(case=scene.case, staff=scene.caseworker, lead=False)
    return scene.caseworker


def _forged_reveal(scene: Scene) -> Staff:
    """Break-glass is a coordinator's: the forged record is for the logged-in one."""
    CaseReveal.objects.create(case=scene.case, staff=scene.coordinator, reason="emergency")
    return scene.coordinator


def _forged_surge(scene: Scene) -> Staff:
    now = clock.now()
    surge = Surge.objects.create(
        name="night-0512",
        opened_by=scene.coordinator,
        opened_at=now,
        ends_at=now + timedelta(hours=6),
    )
    surge.members.set([scene.caseworker])
    return scene.caseworker


def _forged_draft(scene: Scene) -> Staff:
    """A draft of the caseworker's naming the case's key: drafts are opened with no case."""
    Draft.objects.create(staff=scene.caseworker, form_path="/notes/", key_id=scene.case.key_id)
    return scene.caseworker


FORGERIES: dict[str, Callable[[Scene], Staff]] = {
    "staff": _forged_staff_row,
    "assignment": _forged_assignment,
    "reveal": _forged_reveal,
    "surge": _forged_surge,
    "draft": _forged_draft,
}
# The forgeries the data database's own rule for case keys (assigned or revealed, active
# staff) grants on: keyd would hand out the key if it read them.
GRANTED_BY_THE_DATA_DATABASE = {"staff", "assignment", "reveal"}


@pytest.mark.parametrize("kind", sorted(FORGERIES))
def test_a_forged_row_in_the_data_database_gives_the_web_user_no_key(scene, kind):
    favoured = FORGERIES[kind](scene)
    request = UnwrapRequest(
        principal=favoured.actor_id,
        case_id=str(scene.case.pk),
        key_id=scene.case.key_id,
        database="default",
    )
    assert case_unwrap_policy(request) is (kind in GRANTED_BY_THE_DATA_DATABASE)
    # A forged account has no ticket of its own: the caseworker's is relayed for it.
    ticket = scene.tickets.get(favoured.pk, scene.tickets[scene.caseworker.pk])
    expected = "ticket" if kind == "staff" else "not_allowed"
    for attempt, reason in ((None, "ticket"), (ticket, expected)):
        answer = scene.unwrap(favoured, attempt, name_case=kind != "draft")
        assert (answer["ok"], answer["reason"]) == (False, reason), (kind, attempt)
        assert "key" not in answer
    if kind == "staff":
        # Nor can the forged account log in to keyd and get a ticket of its own.
        login = ask_as(
            WEB_UID, scene.keyd.config.socket, {"op": "login", "staff_id": favoured.pk, "code": "1"}
        )
        assert login["ok"] is False
    logged = [(line["outcome"], line["principal"]) for line in scene.keyd_lines()]
    assert logged == [
        ("ok", ""),  # the wrap
        ("refused:ticket", favoured.actor_id),
        (f"refused:{expected}", favoured.actor_id),
    ]
    assert all(line["peer"].endswith(f"/uid:{WEB_UID}") for line in scene.keyd_lines()[1:])
    audited = [(row["op"], row["outcome"]) for row in scene.audited_lines()]
    assert audited == [
        ("wrap", "ok"),
        ("unwrap", "refused:ticket"),
        ("unwrap", f"refused:{expected}"),
    ]


def test_the_caseworker_keyds_ledger_assigns_gets_the_key_at_their_rate(scene):
    """The control: the same request gets the key once keyd's ledger assigns the
    caseworker, and an evacuation night written into the data database lifts no limit."""
    caseworker, ticket = scene.caseworker, scene.tickets[scene.caseworker.pk]
    _forged_surge(scene)
    assert scene.unwrap(caseworker, ticket)["reason"] == "not_allowed"
    assigned = ask_as(
        WEB_UID,
        scene.keyd.config.socket,
        {
            "op": "ledger_assign",
            "case_id": str(scene.case.pk),
            "staff_id": caseworker.pk,
            "assigned": True,
            "ticket": scene.tickets[scene.coordinator.pk],
        },
    )
    assert assigned["ok"], assigned
    for _ in range(STAFF_LIMIT):
        answer = scene.unwrap(caseworker, ticket)
        assert answer["ok"], answer
        assert base64.b64decode(answer["key"]) == scene.key
    over = scene.unwrap(caseworker, ticket)
    assert (over["ok"], over["reason"]) == (False, "rate_limited")
    assert "key" not in over
    unwraps = [line["outcome"] for line in scene.keyd_lines() if line["op"] == "unwrap"]
    assert unwraps == ["refused:not_allowed", "ok", "ok", "refused:rate_limited"]
    audited = [row["outcome"] for row in scene.audited_lines() if row["op"] == "unwrap"]
    assert audited == unwraps
