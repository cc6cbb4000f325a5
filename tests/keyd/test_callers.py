"""keyd tells the web, the worker and the portal apart by the Unix user the kernel names.

The attack: with code execution as the web's user, ask keyd for a case key
as `system:worker`, which no policy or assignment limits. Here the web is `nobody`
speaking to a real keyd socket; the worker is root.
"""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest

from corridor.audit.events import EventType
from corridor.audit.keyd_log import record_keyd_lines
from corridor.audit.models import AuditEntry
from tests.keyd.callers import (
    PORTAL_UID,
    WEB_UID,
    ask_as,
    ask_here,
    bound_keyd,
    log_lines,
    ticket_for,
    wrap_message,
)
from tests.keyd.helpers import is_root

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(not is_root(), reason="speaking as another uid needs root"),
]


@pytest.fixture
def keyd(keyd_dir, shares):
    with bound_keyd(keyd_dir, shares) as running:
        yield running


@pytest.fixture
def case_key(keyd):
    """A data key wrapped by the worker, as the key store would hold it."""
    key = os.urandom(32)
    message = wrap_message(key)
    answer = ask_here(keyd.config.socket, message)
    assert answer["ok"], answer
    return key, {
        "op": "unwrap",
        "key_id": message["key_id"],
        "purpose": "data",
        "kek_version": 1,
        "blob": answer["blob"],
        "case_id": str(uuid.uuid4()),
    }


def test_the_web_user_naming_the_worker_gets_no_key(keyd, case_key):
    _key, unwrap = case_key
    answer = ask_as(WEB_UID, keyd.config.socket, {**unwrap, "principal": "system:worker"})
    assert answer["ok"] is False
    assert (answer["error"], answer["reason"]) == ("refused", "caller")
    assert "key" not in answer
    # The attempt is in keyd's log, with the uid the kernel named.
    refused = [line for line in log_lines(keyd.config.log) if line["op"] == "unwrap"]
    assert refused[-1]["outcome"] == "refused:caller"
    assert refused[-1]["principal"] == "system:worker"
    assert refused[-1]["peer"].endswith(f"/uid:{WEB_UID}")


def test_the_worker_user_naming_the_worker_gets_the_key(keyd, case_key):
    key, unwrap = case_key
    answer = ask_here(
        keyd.config.socket,
        {**unwrap, "principal": "system:worker", "task": "operations.restore_check"},
    )
    assert answer["ok"], answer
    assert base64.b64decode(answer["key"]) == key


def test_the_worker_user_cannot_speak_for_staff(keyd, case_key):
    _key, unwrap = case_key
    answer = ask_here(keyd.config.socket, {**unwrap, "principal": "staff:1"})
    assert (answer["ok"], answer.get("reason")) == (False, "caller")


def test_the_portal_user_unwraps_nothing_and_wraps_nothing(keyd, case_key):
    _key, unwrap = case_key
    for principal in ("staff:1", "system:worker", "requester"):
        answer = ask_as(PORTAL_UID, keyd.config.socket, {**unwrap, "principal": principal})
        assert (answer["ok"], answer.get("reason")) == (False, "caller"), principal
    answer = ask_as(PORTAL_UID, keyd.config.socket, wrap_message(os.urandom(32)))
    assert (answer["ok"], answer.get("reason")) == (False, "caller")
    # What it needs still works.
    assert ask_as(PORTAL_UID, keyd.config.socket, {"op": "ping"}) == {"ok": True, "sealed": False}


def test_the_web_user_cannot_wrap_a_head_signing_key_or_sign(keyd):
    answer = ask_as(WEB_UID, keyd.config.socket, wrap_message(os.urandom(32), purpose="signing"))
    assert (answer["ok"], answer.get("reason")) == (False, "caller")
    answer = ask_as(
        WEB_UID,
        keyd.config.socket,
        {"op": "sign", "message": base64.b64encode(b"any bytes").decode("ascii")},
    )
    assert answer["ok"] is False
    # Data keys it may still wrap (new cases are created by the web).
    assert ask_as(WEB_UID, keyd.config.socket, wrap_message(os.urandom(32)))["ok"]


def test_a_user_bound_to_no_caller_is_not_served(keyd):
    answer = ask_as(65531, keyd.config.socket, {"op": "ping"})
    assert (answer["ok"], answer["error"]) == (False, "peer")


@pytest.mark.django_db
def test_the_refused_attempt_reaches_the_audit_log_through_the_worker(keyd, case_key):
    _key, unwrap = case_key
    ask_as(WEB_UID, keyd.config.socket, {**unwrap, "principal": "system:worker"})
    # Only the worker's user may read keyd's log; the web's may not.
    refused = ask_as(WEB_UID, keyd.config.socket, {"op": "log_since", "after": 0, "limit": 10})
    assert (refused["ok"], refused.get("reason")) == (False, "caller")

    def fetch(after: int, limit: int) -> list[dict]:
        answer = ask_here(keyd.config.socket, {"op": "log_since", "after": after, "limit": limit})
        return answer["lines"]

    assert record_keyd_lines(fetch) > 0
    copied = [
        json.loads(row)
        for row in AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT).values_list(
            "detail", flat=True
        )
    ]
    attempts = [(row["op"], row["outcome"], row["principal"], row["peer"]) for row in copied]
    assert any(
        (op, outcome, principal) == ("unwrap", "refused:caller", "system:worker")
        and peer.endswith(f"/uid:{WEB_UID}")
        for op, outcome, principal, peer in attempts
    )


@pytest.mark.django_db
def test_the_worker_gets_only_the_key_kinds_its_task_needs_and_the_refusal_is_audited(keyd):
    """Screening needs request and watchlist keys: the worker's own uid, naming the
    screening task, gets a request's key but not a case's; naming no task, nothing."""
    keys = {}
    for kind in ("case", "request"):
        message = {
            **wrap_message(os.urandom(32)),
            "owner": {"kind": kind, "object_id": f"{kind}-1", "staff_id": None},
        }
        answer = ask_here(keyd.config.socket, message)
        assert answer["ok"], answer
        keys[kind] = {
            "op": "unwrap",
            "key_id": message["key_id"],
            "purpose": "data",
            "kek_version": 1,
            "blob": answer["blob"],
            "case_id": f"{kind}-1",
            "principal": "system:worker",
        }
    screening = {"task": "intake.screen_request"}
    assert ask_here(keyd.config.socket, {**keys["request"], **screening})["ok"]
    refused = ask_here(keyd.config.socket, {**keys["case"], **screening})
    assert (refused["ok"], refused["reason"]) == (False, "not_allowed")
    assert "key" not in refused
    no_task = ask_here(keyd.config.socket, keys["request"])
    assert (no_task["ok"], no_task["reason"]) == (False, "not_allowed")

    def fetch(after: int, limit: int) -> list[dict]:
        answer = ask_here(keyd.config.socket, {"op": "log_since", "after": after, "limit": limit})
        return answer["lines"]

    assert record_keyd_lines(fetch) > 0
    copied = [
        json.loads(row)
        for row in AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT).values_list(
            "detail", flat=True
        )
    ]
    attempts = [(row["op"], row["outcome"], row["case"], row["detail"]) for row in copied]
    assert ("unwrap", "refused:not_allowed", "case-1", "task:intake.screen_request") in attempts
    assert (
        "unwrap",
        "ok",
        "request-1",
        "system:task:intake.screen_request",
    ) in attempts


def test_the_web_user_moves_a_request_on_only_with_a_screeners_ticket(keyd):
    """The attack: with code execution as the web's user, close every request in screening
    (so no verifier can read it: a denial of service on people asking for help), with no
    ticket, naming the worker's screening task, or with a caseworker's ticket. keyd takes a
    move on only from a logged-in verifier's or coordinator's ticket, or from the worker's
    own uid running a task listed for that move."""
    request_id = str(uuid.uuid4())
    wrapped = {
        **wrap_message(os.urandom(32)),
        "owner": {"kind": "request", "object_id": request_id, "staff_id": None},
    }
    assert ask_here(keyd.config.socket, wrapped)["ok"]  # awaits screening in keyd's ledger
    phase = keyd.service.gatekeeper.ledger.screening

    def move(to: str, **extra: object) -> dict:
        return {"op": "ledger_screening", "request_id": request_id, "phase": to, **extra}

    caseworker = ticket_for(keyd, 71, ["caseworker"])
    verifier = ticket_for(keyd, 72, ["verifier"])
    for attempt in (
        move("screening"),
        move("screening", task="intake.screen_request"),
        move("closed", task="intake.erase_due_requests"),
        move("screening", ticket=caseworker),
    ):
        answer = ask_as(WEB_UID, keyd.config.socket, attempt)
        assert (answer["ok"], answer["reason"]) == (False, "not_allowed"), attempt
    assert phase(request_id).phase == "awaiting"
    # The worker's uid, screening it: moved on. Naming no task, or one not listed for
    # closing, it closes nothing.
    assert ask_here(keyd.config.socket, move("screening", task="intake.screen_request"))["ok"]
    assert phase(request_id).phase == "screening"
    for attempt in (move("closed"), move("closed", task="intake.screen_request")):
        assert not ask_here(keyd.config.socket, attempt)["ok"]
    assert phase(request_id).phase == "screening"
    # A logged-in verifier's ticket, relayed by the web: closed.
    assert ask_as(WEB_UID, keyd.config.socket, move("closed", ticket=verifier))["ok"]
    assert phase(request_id).phase == "closed"
    # Every attempt is a line in keyd's log naming the request, refusals with the web's uid.
    moves = [line for line in log_lines(keyd.config.log) if line["op"] == "ledger_screening"]
    assert [line["outcome"].split(":")[0] for line in moves] == [
        "refused",
        "refused",
        "refused",
        "refused",
        "ok",
        "refused",
        "refused",
        "ok",
    ]
    assert all(line["case"] == request_id for line in moves)
    assert moves[0]["peer"].endswith(f"/uid:{WEB_UID}")
    assert moves[-1]["principal"] == "staff:72"


@pytest.mark.django_db
def test_the_web_user_gets_only_a_logged_in_caseworkers_assigned_cases_at_their_rate(
    keyd_dir, shares
):
    """As the web's uid, on a real keyd socket: a staff principal with no ticket, or with
    someone else's, gets nothing; a logged-in caseworker's ticket opens the case keyd's
    ledger assigns them (assigned with a coordinator's ticket, relayed by the web), not
    another case, and only up to their hourly limit; every attempt is a line in keyd's
    log and, copied by the worker, an event in the audit log."""
    from tests.keyd.helpers import limits

    with bound_keyd(keyd_dir, shares, limits=limits(staff=2)) as keyd:
        keys = {}
        for name in ("assigned", "other"):
            case_id = str(uuid.uuid4())
            message = {
                **wrap_message(os.urandom(32)),
                "owner": {"kind": "case", "object_id": case_id, "staff_id": None},
            }
            answer = ask_here(keyd.config.socket, message)
            assert answer["ok"], answer
            keys[name] = {
                "op": "unwrap",
                "key_id": message["key_id"],
                "purpose": "data",
                "kek_version": 1,
                "blob": answer["blob"],
                "case_id": case_id,
                "principal": "staff:91",
            }
        caseworker = ticket_for(keyd, 91, ["caseworker"])
        coordinator = ticket_for(keyd, 92, ["coordinator"])
        assigned = ask_as(
            WEB_UID,
            keyd.config.socket,
            {
                "op": "ledger_assign",
                "case_id": keys["assigned"]["case_id"],
                "staff_id": 91,
                "assigned": True,
                "ticket": coordinator,
            },
        )
        assert assigned["ok"], assigned

        def unwrap(name: str, ticket: str | None) -> dict:
            extra = {"ticket": ticket} if ticket is not None else {}
            return ask_as(WEB_UID, keyd.config.socket, {**keys[name], **extra})

        assert unwrap("assigned", None)["reason"] == "ticket"
        assert unwrap("assigned", coordinator)["reason"] == "ticket"  # not theirs
        assert unwrap("other", caseworker)["reason"] == "not_allowed"
        assert unwrap("assigned", caseworker)["ok"]
        assert unwrap("assigned", caseworker)["ok"]
        over = unwrap("assigned", caseworker)
        assert (over["ok"], over["reason"]) == (False, "rate_limited")
        assert "key" not in over

        unwraps = [
            (line["outcome"], line["principal"])
            for line in log_lines(keyd.config.log)
            if line["op"] == "unwrap"
        ]
        assert [outcome.split(":")[0] for outcome, _principal in unwraps] == [
            "refused",
            "refused",
            "refused",
            "ok",
            "ok",
            "refused",
        ]
        assert {principal for _outcome, principal in unwraps} == {"staff:91"}

        def fetch(after: int, limit: int) -> list[dict]:
            answer = ask_here(
                keyd.config.socket, {"op": "log_since", "after": after, "limit": limit}
            )
            return answer["lines"]

        record_keyd_lines(fetch)
    copied = [
        json.loads(row)
        for row in AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT).values_list(
            "detail", flat=True
        )
    ]
    audited = [row["outcome"].split(":")[0] for row in copied if row["op"] == "unwrap"]
    assert audited == ["refused", "refused", "refused", "ok", "ok", "refused"]
