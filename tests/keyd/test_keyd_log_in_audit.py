"""Every keyd attempt, served or refused, reaches the audit log; `audit verify --keyd-log`
checks keyd's file against it, so rewriting keyd's log means rewriting the audit log too."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from corridor.audit.events import EventType
from corridor.audit.jobs import record_keyd_log
from corridor.audit.models import AuditEntry
from corridor.vault.keyd.client import KeydAdmin
from corridor.vault.keyd.journal import entry_hash
from corridor.vault.providers import key_provider
from tests.keyd.conftest import PEER

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def attempts() -> list[dict]:
    rows = AuditEntry.objects.filter(event_type=EventType.KEYD_ATTEMPT).order_by("seq")
    return [json.loads(row.detail) for row in rows]


def verify_keyd_log(path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--keyd-log", str(path), stdout=out)
    except SystemExit as exited:
        return int(exited.code), out.getvalue()
    return 0, out.getvalue()


def test_served_and_refused_attempts_are_copied_and_checked(daemon, shares):
    admin = KeydAdmin()
    for share in shares[:3]:
        admin.unseal(share)
    # A refused attempt: a long-lived key asked for as if it were a case key.
    refused = daemon.service.handle(
        {
            "op": "unwrap",
            "principal": "staff:7",
            "case_id": None,
            "key_id": "00000000-0000-0000-0000-000000000001",
            "purpose": "pepper",
            "kek_version": 1,
            "blob": "",
        },
        peer=PEER,
        admin=False,
    )
    assert refused["reason"] == "purpose"
    assert key_provider().probe() is False  # a served attempt (ping)

    record_keyd_log()
    copied = attempts()
    lines = [json.loads(line) for line in daemon.config.log.read_text().splitlines()]
    assert [row["keyd_seq"] for row in copied] == [line["seq"] for line in lines[: len(copied)]]
    outcomes = {(row["op"], row["outcome"], row["principal"]) for row in copied}
    assert ("unwrap", "refused:purpose", "staff:7") in outcomes
    assert ("ping", "ok", "") in outcomes
    # A second run copies only what is new.
    record_keyd_log()
    again = attempts()
    assert [row["keyd_seq"] for row in again] == list(range(1, len(again) + 1))

    assert verify_keyd_log(daemon.config.log)[0] == 0

    # The forger rewrites the refusal as served and re-chains every line after it.
    forged, previous = [], None
    for line in lines:
        if line["outcome"] == "refused:purpose":
            line["outcome"] = "ok"
        if previous is not None:
            line["prev"] = previous
        line["hash"] = entry_hash(line)
        previous = line["hash"]
        forged.append(json.dumps(line, separators=(",", ":")) + "\n")
    path = daemon.config.log.with_name("forged.log")
    path.write_text("".join(forged))
    code, out = verify_keyd_log(path)
    assert code == 1
    assert "differs from the line the audit log recorded" in out


def test_a_copy_that_does_not_continue_the_chain_is_recorded_as_broken(db):
    from corridor.audit.keyd_log import record_keyd_lines

    line = {"seq": 1, "at": "x", "op": "ping", "peer": "", "principal": "", "case": "", "key": ""}
    line.update(outcome="ok", detail="", prev="f" * 64)
    line["hash"] = entry_hash(line)
    assert record_keyd_lines(lambda after, limit: [line]) == 0
    broken = AuditEntry.objects.get(event_type=EventType.KEYD_LOG_BROKEN)
    assert json.loads(broken.detail)["problem"] == "chain"
