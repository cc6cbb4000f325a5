"""Who keyd hands a data key to: the registered policies, the limits, and a log line each.

The service runs in this process and reads the policies' tables through "default";
the cases in these tests are made with the file provider, and keyd wraps a key under
each case's key id so that the id checks line up.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from corridor.accounts.models import Surge
from corridor.accounts.roles import Role
from corridor.cases.models import Case
from corridor.cases.services.assignment import record_reveal
from corridor.core import clock
from corridor.vault.keyd import policy
from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.service import Peer
from corridor.vault.keyd.worker_tasks import RESTORE_CHECK
from tests.factories import StaffFactory
from tests.keyd.conftest import PEER
from tests.keyd.helpers import keyd_ticket, limits
from tests.plugins.cases import CASE_DB

pytestmark = CASE_DB
DEK = b"\x42" * 32


def wrapped(service, key_id, *, owner: dict | None = None) -> dict:
    answer = service.handle(
        {
            "op": "wrap",
            "key_id": str(key_id),
            "purpose": "data",
            "kek_version": 1,
            "key": wire.encode_bytes(DEK),
            "owner": owner,
        },
        peer=PEER,
        admin=False,
    )
    assert answer["ok"], answer
    return {"key_id": str(key_id), "purpose": "data", "kek_version": 1, "blob": answer["blob"]}


def unwrap(service, fields, principal, case_id, *, peer=PEER) -> dict:
    """Unwrap as the web would for someone logged in through keyd (with their ticket).

    Keys wrapped here name no owner, as keys made before keyd's ledger: the registered
    policies decide them. Keys with an owner are the ledger's (tests/vault/test_ledger.py).
    """
    request = {
        "op": "unwrap",
        **fields,
        "principal": principal,
        "case_id": case_id,
        "ticket": keyd_ticket(service, principal),
        # The worker names the task it runs (vault/keyd/worker_tasks.py).
        "task": RESTORE_CHECK if principal == "system:worker" else None,
    }
    return service.handle(request, peer=peer, admin=False)


def last_log_line(service) -> dict:
    return json.loads(service.journal.path.read_text().splitlines()[-1])


def test_the_assigned_caseworker_gets_the_case_key(unsealed, open_case, caseworker):
    case = open_case()
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), caseworker.actor_id, str(case.pk))
    assert answer["ok"]
    assert wire.read_bytes(answer, "key") == DEK
    line = last_log_line(unsealed)
    assert line["op"] == "unwrap"
    assert line["principal"] == caseworker.actor_id
    assert line["case"] == str(case.pk)
    assert line["key"] == str(case.key_id)
    assert line["detail"] == "cases.assigned_or_revealed"
    assert line["outcome"] == "ok"
    assert line["peer"] == "pid:4242/uid:1000"


def test_an_unassigned_caseworker_is_refused_and_it_is_logged(unsealed, open_case):
    case = open_case()
    outsider = StaffFactory(roles=[Role.CASEWORKER])
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), outsider.actor_id, str(case.pk))
    assert answer == {
        "ok": False,
        "error": "refused",
        "reason": "not_allowed",
        "message": f"keyd refused: {outsider.actor_id} may not have the key of this case.",
    }
    assert last_log_line(unsealed)["outcome"] == "refused:not_allowed"


def test_another_cases_key_under_an_assigned_case_is_refused(unsealed, open_case, caseworker):
    """A compromised web process cannot borrow the assignment of one case for another key."""
    mine, theirs = open_case(), open_case(assign=False)
    fields = wrapped(unsealed, theirs.key_id)
    assert unwrap(unsealed, fields, caseworker.actor_id, str(mine.pk))["reason"] == "not_allowed"


def test_an_ended_assignment_no_longer_unlocks(unsealed, open_case, caseworker, coordinator):
    from corridor.cases.services.assignment import unassign_case

    case = open_case()
    unassign_case(actor=coordinator, case=case, staff=caseworker)
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), caseworker.actor_id, str(case.pk))
    assert answer["reason"] == "not_allowed"


def test_a_break_glass_reveal_unlocks_for_ten_minutes(unsealed, open_case, time_machine):
    time_machine.move_to("2026-05-01 22:00:00Z", tick=False)
    case = open_case(assign=False)
    other = StaffFactory(roles=[Role.COORDINATOR])
    fields = wrapped(unsealed, case.key_id)
    assert unwrap(unsealed, fields, other.actor_id, str(case.pk))["reason"] == "not_allowed"
    record_reveal(actor=other, case=case, reason="emergency")
    assert unwrap(unsealed, fields, other.actor_id, str(case.pk))["ok"]
    time_machine.shift(timedelta(minutes=9, seconds=59))
    assert unwrap(unsealed, fields, other.actor_id, str(case.pk))["ok"]
    time_machine.shift(timedelta(seconds=2))
    assert unwrap(unsealed, fields, other.actor_id, str(case.pk))["reason"] == "not_allowed"


def test_an_erased_case_or_a_disabled_account_is_refused(unsealed, open_case, caseworker):
    case = open_case()
    fields = wrapped(unsealed, case.key_id)
    caseworker.is_active = False
    caseworker.save(update_fields=["is_active"])
    assert unwrap(unsealed, fields, caseworker.actor_id, str(case.pk))["reason"] == "not_allowed"
    caseworker.is_active = True
    caseworker.save(update_fields=["is_active"])
    Case.objects.filter(pk=case.pk).update(erased_at=case.opened_at)
    assert unwrap(unsealed, fields, caseworker.actor_id, str(case.pk))["reason"] == "not_allowed"


@pytest.mark.parametrize(
    "case_id", [None, "not-a-uuid", str(uuid.uuid4())], ids=["none", "not-a-uuid", "unknown"]
)
def test_a_missing_or_unknown_case_is_refused(unsealed, open_case, caseworker, case_id):
    case = open_case()
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), caseworker.actor_id, case_id)
    assert answer["reason"] == "not_allowed"


def test_with_no_policy_registered_nothing_is_granted(unsealed, open_case, caseworker, monkeypatch):
    """Fail closed: an installation whose apps registered no policy unwraps for no one."""
    monkeypatch.setattr(policy, "_POLICIES", {})
    case = open_case()
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), caseworker.actor_id, str(case.pk))
    assert answer["reason"] == "not_allowed"


def test_a_failing_policy_refuses(unsealed, open_case, caseworker, monkeypatch):
    def broken(request):
        raise RuntimeError("database gone")

    monkeypatch.setattr(policy, "_POLICIES", {"broken": broken})
    case = open_case()
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), caseworker.actor_id, str(case.pk))
    assert answer["reason"] == "policy_unavailable"


@pytest.mark.parametrize(
    ("principal", "reason"),
    [("system:cli:root", "principal"), ("requester", "principal"), ("staff:0", "principal")],
)
def test_principals_other_than_staff_and_listed_systems_are_refused(
    unsealed, open_case, principal, reason
):
    case = open_case()
    answer = unwrap(unsealed, wrapped(unsealed, case.key_id), principal, str(case.pk))
    assert answer["reason"] == reason


def test_the_worker_unwraps_as_a_system_principal_within_its_own_limit(make_unsealed, open_case):
    service = make_unsealed(limits=limits(system=2))
    case = open_case(assign=False)
    fields = wrapped(service, case.key_id)
    assert unwrap(service, fields, "system:worker", str(case.pk))["ok"]
    assert last_log_line(service)["detail"] == f"system:task:{RESTORE_CHECK}"
    assert unwrap(service, fields, "system:worker", None)["ok"]
    refused = unwrap(service, fields, "system:worker", str(case.pk))
    assert refused["reason"] == "rate_limited"
    assert "system limit" in refused["message"]


def test_long_lived_keys_never_leave_keyd(unsealed):
    fields = wrapped(unsealed, uuid.uuid4()) | {"purpose": "signing"}
    answer = unwrap(unsealed, fields, "system:worker", None)
    assert answer["reason"] == "purpose"


def test_a_sealed_keyd_refuses_before_any_check(service, open_case, caseworker):
    case = open_case()
    fields = {"key_id": str(case.key_id), "purpose": "data", "kek_version": 1, "blob": "AAAA"}
    answer = unwrap(service, fields, caseworker.actor_id, str(case.pk))
    assert answer["error"] == "sealed"
    assert "corridor unseal" in answer["message"]
    assert last_log_line(service)["outcome"] == "error:sealed"


def test_the_61st_unwrap_in_an_hour_is_refused_with_a_limit_of_60(
    make_unsealed, open_case, caseworker, time_machine
):
    time_machine.move_to("2026-05-01 20:00:00Z", tick=False)
    service = make_unsealed(limits=limits(staff=60))
    case = open_case()
    fields = wrapped(service, case.key_id)
    answers = [unwrap(service, fields, caseworker.actor_id, str(case.pk)) for _ in range(61)]
    assert all(answer["ok"] for answer in answers[:60])
    assert answers[60]["reason"] == "rate_limited"
    assert last_log_line(service)["outcome"] == "refused:rate_limited"
    # Another person is not affected; the refused request did not count.
    other = StaffFactory(roles=[Role.CASEWORKER])
    from corridor.cases.services.assignment import assign_case

    assign_case(actor=caseworker, case=case, staff=other, lead=False)
    assert unwrap(service, fields, other.actor_id, str(case.pk))["ok"]


def test_the_window_slides(make_unsealed, open_case, caseworker):
    now = [1000.0]
    service = make_unsealed(limits=limits(staff=2), clock=lambda: now[0])
    case = open_case()
    fields = wrapped(service, case.key_id)
    for _ in range(2):
        assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["ok"]
        now[0] += 1800
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["ok"]
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["reason"] == "rate_limited"


def open_night(service, coordinator, members, *, hours=3, ticket="coordinator") -> dict:
    """A coordinator opens an evacuation night through keyd (what accounts.open_surge asks)."""
    return service.handle(
        {
            "op": "ledger_surge",
            "surge": str(uuid.uuid4()),
            "members": [member.pk for member in members],
            "hours": hours,
            "ticket": keyd_ticket(service, coordinator.actor_id) if ticket else None,
        },
        peer=PEER,
        admin=False,
    )


def test_an_open_surge_lifts_the_limit_for_the_listed_people_only(
    make_unsealed, open_case, caseworker, coordinator
):
    service = make_unsealed(limits=limits(staff=2, surge=4))
    case = open_case()
    fields = wrapped(service, case.key_id)
    keyd_ticket(service, caseworker.actor_id)  # keyd knows the caseworker (a login)
    assert open_night(service, coordinator, [caseworker])["ok"]
    answers = [unwrap(service, fields, caseworker.actor_id, str(case.pk)) for _ in range(5)]
    assert [answer["ok"] for answer in answers] == [True, True, True, True, False]
    assert "surge limit" in answers[4]["message"]


def test_a_forged_surge_in_the_data_database_lifts_nothing(
    make_unsealed, open_case, caseworker, coordinator
):
    """The attack: the web process writes an open night listing someone into the data
    database. keyd's ledger holds the nights; the row changes nobody's limit."""
    service = make_unsealed(limits=limits(staff=1, surge=5))
    case = open_case()
    fields = wrapped(service, case.key_id)
    now = clock.now()
    forged = Surge.objects.create(
        name="night-0512", opened_by=coordinator, opened_at=now, ends_at=now + timedelta(hours=6)
    )
    forged.members.set([caseworker])
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["ok"]
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["reason"] == "rate_limited"


def test_only_a_coordinators_ticket_opens_a_night_for_people_keyd_knows(
    make_unsealed, caseworker, coordinator
):
    service = make_unsealed()
    no_ticket = open_night(service, coordinator, [caseworker], ticket=None)
    assert (no_ticket["ok"], no_ticket["reason"]) == (False, "ticket")
    invented = StaffFactory(roles=[Role.CASEWORKER])  # a row keyd has never heard of
    refused = open_night(service, coordinator, [invented])
    assert (refused["ok"], refused["reason"]) == (False, "not_allowed")
    assert not service.gatekeeper.in_surge(invented.pk)


def test_a_surge_that_ended_lifts_nothing(
    make_unsealed, open_case, caseworker, coordinator, time_machine
):
    time_machine.move_to("2026-05-01 20:00:00Z", tick=False)
    service = make_unsealed(limits=limits(staff=1, surge=5))
    case = open_case()
    fields = wrapped(service, case.key_id)
    keyd_ticket(service, caseworker.actor_id)
    assert open_night(service, coordinator, [caseworker], hours=1)["ok"]
    assert service.gatekeeper.in_surge(caseworker.pk)
    time_machine.shift(timedelta(hours=1))
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["ok"]
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["reason"] == "rate_limited"


def test_each_peer_process_has_its_own_limit(make_unsealed, open_case, caseworker):
    """A web process can ask for only so many keys, whichever people it names."""
    service = make_unsealed(limits=limits(process=3))
    case = open_case()
    fields = wrapped(service, case.key_id)
    for _ in range(3):
        assert unwrap(service, fields, caseworker.actor_id, str(case.pk))["ok"]
    refused = unwrap(service, fields, caseworker.actor_id, str(case.pk))
    assert "process limit" in refused["message"]
    other_process = Peer(pid=5151, uid=1000, gid=1000)
    assert unwrap(service, fields, caseworker.actor_id, str(case.pk), peer=other_process)["ok"]


def test_a_person_gets_the_key_of_their_own_draft_only(unsealed, staff, vault_keys):
    from corridor.accounts.drafts import stash_draft

    draft = stash_draft(staff=staff, form_path="/notes/", fields={"body": "text"})
    owner = {"kind": "draft", "object_id": str(draft.pk), "staff_id": staff.pk}
    fields = wrapped(unsealed, draft.key_id, owner=owner)
    assert unwrap(unsealed, fields, staff.actor_id, None)["ok"]
    assert last_log_line(unsealed)["detail"] == "ledger.own_draft"
    other = StaffFactory()
    assert unwrap(unsealed, fields, other.actor_id, None)["reason"] == "not_allowed"
    assert unwrap(unsealed, fields, staff.actor_id, str(uuid.uuid4()))["reason"] == "not_allowed"


def test_a_forged_draft_naming_a_cases_key_gets_nothing(unsealed, open_case, caseworker):
    """The attack: a Draft row naming a case's key_id got the case key (one key purpose)."""
    from corridor.accounts.models import Draft

    case = open_case(assign=False)
    owner = {"kind": "case", "object_id": str(case.pk), "staff_id": None}
    fields = wrapped(unsealed, case.key_id, owner=owner)
    Draft.objects.create(staff=caseworker, form_path="/x/", key_id=case.key_id)
    assert unwrap(unsealed, fields, caseworker.actor_id, None)["reason"] == "not_allowed"


def test_a_case_key_the_ledger_knows_follows_the_ledger_not_the_database(
    unsealed, open_case, caseworker, coordinator
):
    """An assignment row in the data database grants nothing; the ledger's does, and a
    request without a ticket keyd issued gets nothing at all."""
    case = open_case()  # assigned in the data database
    owner = {"kind": "case", "object_id": str(case.pk), "staff_id": None}
    fields = wrapped(unsealed, case.key_id, owner=owner)
    assert unwrap(unsealed, fields, caseworker.actor_id, str(case.pk))["reason"] == "not_allowed"
    coordinator_ticket = keyd_ticket(unsealed, coordinator.actor_id)
    answer = unsealed.handle(
        {
            "op": "ledger_assign",
            "case_id": str(case.pk),
            "staff_id": caseworker.pk,
            "assigned": True,
            "ticket": coordinator_ticket,
        },
        peer=PEER,
        admin=False,
    )
    assert answer["ok"], answer
    assert last_log_line(unsealed)["op"] == "ledger_assign"
    assert unwrap(unsealed, fields, caseworker.actor_id, str(case.pk))["ok"]
    assert last_log_line(unsealed)["detail"] == "ledger.assigned"
    request = {"op": "unwrap", **fields, "principal": caseworker.actor_id, "case_id": str(case.pk)}
    answer = unsealed.handle(request, peer=PEER, admin=False)
    assert answer["reason"] == "ticket"
    assert last_log_line(unsealed)["outcome"] == "refused:ticket"


def test_nobody_logs_in_while_keyd_is_sealed(service, caseworker):
    answer = service.handle(
        {"op": "login", "staff_id": caseworker.pk, "code": "123456"}, peer=PEER, admin=False
    )
    assert answer["error"] == "sealed"


def test_policies_are_registered_by_the_apps():
    assert "cases.assigned_or_revealed" in set(policy._POLICIES)
    assert "accounts.own_draft" not in set(policy._POLICIES)
    assert policy.staff_id_of("staff:12") == 12
    assert policy.staff_id_of("staff:012") is None
    assert policy.staff_id_of("system:worker") is None


def test_the_policy_statement_names_the_models_tables():
    from corridor.cases.unwrap_policy import TABLES

    assert {table: model._meta.db_table for table, model in TABLES.items()} == {
        table: table for table in TABLES
    }
