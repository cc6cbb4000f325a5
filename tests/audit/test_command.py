"""`corridor audit head | verify | prove | export` as an operator and an auditor use them."""

from __future__ import annotations

import base64
import io
import json

import pytest
from django.core.management import CommandError, call_command

from corridor.audit.events import EventType
from corridor.audit.heads import SignedHead, parse_heads
from corridor.audit.models import AuditEntry, TreeHead
from corridor.core.merkle import verify_consistency
from corridor.vault import signing
from tests.audit.helpers import execute, record_many, triggers_dropped

pytestmark = pytest.mark.django_db(databases=["default", "keystore"])


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


def run_failing(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("audit", *args, stdout=out)
    return int(exited.value.code), out.getvalue()


def unusable(*args: str) -> str:
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert refused.value.returncode == 2
    return str(refused.value)


def test_head_prints_a_signed_head_stores_it_and_logs_it(vault_keys):
    """The head is the issue's JSON object, signed over TreeHeadSignature, kept and recorded."""
    record_many(5)
    printed = json.loads(run("head"))
    assert list(printed) == ["tree_size", "root_hash", "timestamp", "key_id", "signature"]
    head = SignedHead.from_json(printed)
    assert head.tree_size == 5
    assert len(base64.b64decode(printed["signature"])) == 64
    assert signing.verify(
        key_id=head.key_id, message=head.signed_message(), signature=head.signature
    )
    assert TreeHead.objects.get().root_hash == printed["root_hash"]
    event = AuditEntry.objects.get(seq=6)
    assert event.event_type == EventType.TREE_HEAD_SIGNED
    assert event.actor.startswith("system:cli:")
    assert event.detail_values == {"key_id": head.key_id, "tree_size": 5}


def test_verify_accepts_an_intact_log_and_a_witness_head(vault_keys, tmp_path):
    """Exit 0 with `verified <n> events, root <b64>`, with and without --head files."""
    record_many(4)
    (tmp_path / "witness.json").write_text(run("head"))
    record_many(3)
    line = run("verify", "--head", str(tmp_path / "witness.json")).strip()
    assert line.startswith("verified 8 events, root ")
    assert len(base64.b64decode(line.rsplit(" ", 1)[1])) == 32


def test_verify_names_an_edited_row_and_exits_1(vault_keys):
    """After a trigger is dropped and one row edited, verify exits 1 naming that seq."""
    record_many(10)
    run("head")
    with triggers_dropped():
        execute("UPDATE audit_entry SET actor = 'system:forger' WHERE seq = 4")
    code, out = run_failing("verify")
    assert (code, out.strip()) == (1, "FAIL seq=4 reason=hash_mismatch")


def test_verify_rejects_a_witness_head_with_a_broken_signature(vault_keys, tmp_path):
    """A head file whose signature was altered is a bad_signature at its size."""
    record_many(3)
    head = parse_heads(run("head"))[0]
    broken = SignedHead(**{**head.__dict__, "signature": bytes(64)})
    (tmp_path / "head.json").write_text(broken.to_line())
    code, out = run_failing("verify", "--head", str(tmp_path / "head.json"))
    assert (code, out.strip()) == (1, "FAIL seq=3 reason=bad_signature")


def test_verify_names_a_head_signed_by_a_key_it_does_not_know(vault_keys, tmp_path):
    """A head naming an unknown key id is unknown_key, not a crash."""
    record_many(2)
    head = parse_heads(run("head"))[0]
    (tmp_path / "head.json").write_text(
        SignedHead(**{**head.__dict__, "key_id": "0" * 64}).to_line()
    )
    code, out = run_failing("verify", "--head", str(tmp_path / "head.json"))
    assert (code, out.strip()) == (1, "FAIL seq=2 reason=unknown_key")


def test_verify_needs_no_kek(vault_keys, settings):
    """With the KEK file gone, verify still checks every head's signature."""
    record_many(3)
    run("head")
    (settings.CORRIDOR_DATA_DIR / "kek.demo").unlink()
    assert run("verify").startswith("verified 4 events, root ")


def test_unusable_head_files_exit_2(tmp_path):
    """A missing, non-UTF-8 or malformed head file is unusable input: exit 2, saying why."""
    missing = tmp_path / "missing.json"
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe")
    malformed = tmp_path / "malformed.json"
    malformed.write_text('{"tree_size": 1}')
    assert "does not exist" in unusable("verify", "--head", str(missing))
    assert "not UTF-8 text" in unusable("verify", "--head", str(binary))
    assert "exactly tree_size" in unusable("verify", "--head", str(malformed))


def test_prove_prints_a_proof_that_verifies_between_two_heads(vault_keys):
    """The proof from an old head's size to the current size verifies with both roots."""
    record_many(6)
    old = parse_heads(run("head"))[0]
    record_many(9)
    printed = json.loads(run("prove", "--from-size", str(old.tree_size)))
    assert set(printed) == {"size1", "size2", "root1", "root2", "proof"}
    assert (printed["size1"], printed["size2"]) == (6, 16)
    assert base64.b64decode(printed["root1"]) == old.root_hash
    verify_consistency(
        size1=printed["size1"],
        size2=printed["size2"],
        root1=base64.b64decode(printed["root1"]),
        root2=base64.b64decode(printed["root2"]),
        proof=[base64.b64decode(node) for node in printed["proof"]],
    )
    assert json.loads(run("prove", "--from-size", "3", "--to-size", "3"))["proof"] == []


@pytest.mark.parametrize(("size1", "size2"), [("0", "5"), ("6", "5"), ("1", "11")])
def test_prove_refuses_sizes_the_log_does_not_have(size1, size2):
    """From-size below 1, above to-size, or a to-size beyond the log: exit 2, naming the bounds."""
    record_many(10)
    assert "1 <= --from-size <= --to-size <= 10" in unusable(
        "prove", "--from-size", size1, "--to-size", size2
    )


def test_export_prints_canonical_leaves_and_records_the_export(time_machine):
    """One line per event since the date, each rebuilding its leaf hash; the export is logged."""
    time_machine.move_to("2026-11-20 10:00Z", tick=False)
    record_many(2)
    time_machine.move_to("2026-11-25 10:00Z", tick=False)
    record_many(3)
    lines = run("export", "--since", "2026-11-25", "--format", "jsonl").splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [3, 4, 5]
    logged = AuditEntry.objects.get(seq=6)
    assert logged.event_type == EventType.LOG_EXPORTED
    assert logged.detail_values == {"events": 3, "format": "jsonl", "since": "2026-11-25"}


def test_export_refuses_a_malformed_date():
    """--since must be YYYY-MM-DD; nothing is exported or logged otherwise."""
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("export", "--since", "25.11.2026")
    assert AuditEntry.objects.count() == 0


def test_head_without_a_signing_key_is_unusable_not_a_crash():
    """With no signing key in the key store, `head` exits 2 and stores nothing."""
    record_many(2)
    assert "cannot read the audit log or the signing keys" in unusable("head")
    assert TreeHead.objects.count() == 0
