"""keyd's operations as the web, the worker and the operator call them (no sockets here)."""

from __future__ import annotations

import json
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from nacl.public import PrivateKey

from corridor.vault import aead, blind_index, intake_box
from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.shares import read_record
from corridor.vault.keyd.worker_tasks import RESTORE_CHECK
from tests.keyd.conftest import PEER

# The worker unwrapping as `corridor restore` checks a restore (any kind but a draft).
WORKER = {"principal": "system:worker", "case_id": None, "task": RESTORE_CHECK}

pytestmark = pytest.mark.pure


def call(service, op, *, admin=False, **fields):
    return service.handle({"op": op, **fields}, peer=PEER, admin=admin)


def wrap(service, key: bytes, purpose: str, key_id=None, version=1) -> dict:
    key_id = key_id or uuid.uuid4()
    answer = call(
        service,
        "wrap",
        key_id=str(key_id),
        purpose=purpose,
        kek_version=version,
        key=wire.encode_bytes(key),
    )
    assert answer["ok"], answer
    return {
        "key_id": str(key_id),
        "purpose": purpose,
        "kek_version": version,
        "blob": answer["blob"],
    }


def lines(service) -> list[dict]:
    return [json.loads(line) for line in service.journal.path.read_text().splitlines()]


def test_keyd_starts_sealed_and_says_how_many_shares_it_needs(service):
    status = call(service, "status", admin=True)
    assert status["ok"]
    assert (status["sealed"], status["needed"], status["accepted"]) == (True, 3, 0)
    assert status["versions"] == [1]
    assert status["held"] == []
    assert call(service, "ping")["sealed"] is True


def test_unseal_one_share_at_a_time(service, shares):
    assert call(service, "unseal", admin=True, share=shares[4]) == {
        "ok": True,
        "sealed": True,
        "needed": 2,
    }
    refused = call(service, "unseal", admin=True, share=shares[4])
    assert (refused["error"], refused["reason"], refused["needed"]) == (
        "invalid_share",
        "repeated",
        2,
    )
    assert call(service, "unseal", admin=True, share=shares[0])["needed"] == 1
    assert call(service, "unseal", admin=True, share=shares[2]) == {
        "ok": True,
        "sealed": False,
        "needed": 0,
    }
    assert call(service, "unseal", admin=True, share=shares[1])["sealed"] is False
    assert [line["detail"] for line in lines(service) if line["op"] == "unseal"] == [
        "need:2",
        "",
        "need:1",
        "unsealed",
        "already_unsealed",
    ]
    assert lines(service)[1]["outcome"] == "invalid_share:repeated"


def test_no_share_and_no_key_ever_reaches_the_log(unsealed, shares):
    key = b"\x99" * 32
    fields = wrap(unsealed, key, "data")
    call(unsealed, "unwrap", **fields, **WORKER)
    text = unsealed.journal.path.read_text()
    for share in shares:
        assert share.split()[4] not in text.split('"')
    assert wire.encode_bytes(key) not in text
    assert fields["blob"] not in text


def test_forgetting_shares_starts_over(service, shares):
    call(service, "unseal", admin=True, share=shares[0])
    assert call(service, "unseal_reset", admin=True) == {"ok": True, "needed": 3}
    assert call(service, "status", admin=True)["accepted"] == 0


def test_seal_forgets_the_kek(unsealed, shares):
    fields = wrap(unsealed, b"\x01" * 32, "data")
    assert call(unsealed, "seal", admin=True) == {"ok": True, "sealed": True}
    assert unsealed.sealed
    assert call(unsealed, "wrap", **{**fields, "key": wire.encode_bytes(b"x" * 32)})["error"] == (
        "sealed"
    )
    assert call(unsealed, "kek_check", version=1)["error"] == "sealed"
    for share in shares[1:4]:
        call(unsealed, "unseal", admin=True, share=share)
    answer = call(unsealed, "unwrap", **fields, **WORKER)
    assert wire.read_bytes(answer, "key") == b"\x01" * 32


def test_wrap_and_unwrap_give_back_the_key_bound_to_its_id(unsealed):
    fields = wrap(unsealed, b"\x07" * 32, "data")
    answer = call(unsealed, "unwrap", **fields, **WORKER)
    assert wire.read_bytes(answer, "key") == b"\x07" * 32
    moved = {**fields, "key_id": str(uuid.uuid4())}
    answer = call(unsealed, "unwrap", **moved, **WORKER)
    assert answer["error"] == "decryption_failed"


def test_a_kek_version_keyd_does_not_hold_is_named(unsealed):
    answer = call(
        unsealed, "wrap", key_id=str(uuid.uuid4()), purpose="data", kek_version=2, key="AAAA"
    )
    assert answer["error"] == "kek_mismatch"
    assert "no KEK version 2" in answer["message"]


def test_kek_check_matches_the_record(unsealed, keyd_dir):
    answer = call(unsealed, "kek_check", version=1)
    assert wire.read_bytes(answer, "check") == read_record(keyd_dir).sets[1].check
    assert call(unsealed, "kek_check", admin=True, version=1)["ok"]


def test_the_blind_index_is_the_one_the_file_provider_computes(unsealed):
    root = b"\x33" * 32
    fields = wrap(unsealed, root, "blind_index_root")
    expected = blind_index.blind_index(
        blind_index.index_key(root, "phone"), b"+79001234567", bits=16
    )
    for _ in range(2):  # the second time from keyd's cache of derived keys
        answer = call(
            unsealed,
            "index",
            **fields,
            name="phone",
            value=wire.encode_bytes(b"+79001234567"),
            bits=16,
        )
        assert answer["index"] == expected
    line = lines(unsealed)[-1]
    assert line["detail"] == "index:phone"
    assert "+7900" not in unsealed.journal.path.read_text()


def test_the_index_needs_the_index_root_key(unsealed):
    fields = wrap(unsealed, b"\x33" * 32, "pepper")
    answer = call(unsealed, "index", **fields, name="phone", value="", bits=16)
    assert answer["error"] == "invalid"


def test_an_intake_box_opens_in_keyd_only_for_its_request(unsealed):
    private = PrivateKey.generate()
    key_id = uuid.uuid4()
    fields = wrap(unsealed, bytes(private), "intake", key_id=key_id)
    sealed = intake_box.seal_box(bytes(private.public_key), key_id, b"help us", request_id="R-1")
    answer = call(
        unsealed, "open_intake", **fields, sealed=wire.encode_bytes(sealed), request_id="R-1"
    )
    assert wire.read_bytes(answer, "payload") == b"help us"
    answer = call(
        unsealed, "open_intake", **fields, sealed=wire.encode_bytes(sealed), request_id="R-2"
    )
    assert answer["error"] == "intake_mismatch"


def test_keyd_no_longer_signs_bytes_it_is_handed(unsealed):
    """The attack: the web had keyd sign any bytes, so a forged tree head too."""
    private = Ed25519PrivateKey.generate()
    fields = wrap(unsealed, private.private_bytes_raw(), "intake")
    answer = call(unsealed, "sign", **fields, message=wire.encode_bytes(b"forged tree head"))
    assert (answer["ok"], answer["error"]) == (False, "invalid")
    assert "signature" not in answer
    assert lines(unsealed)[-1]["op"] == "unknown"


def test_the_pepper_comes_back(unsealed):
    fields = wrap(unsealed, b"\x55" * 32, "pepper")
    assert wire.read_bytes(call(unsealed, "pepper", **fields), "pepper") == b"\x55" * 32


def test_an_unknown_operation_or_socket_is_refused_and_logged(unsealed):
    assert call(unsealed, "dump_keks")["error"] == "invalid"
    assert call(unsealed, "seal")["error"] == "invalid"  # admin only
    assert call(unsealed, "unwrap", admin=True)["error"] == "invalid"  # data only
    assert unsealed.handle({"no": "op"}, peer=PEER, admin=False)["error"] == "invalid"
    assert lines(unsealed)[-1]["op"] == "unknown"
    assert not unsealed.sealed


@pytest.mark.parametrize(
    "fields",
    [
        {"purpose": "data", "kek_version": 1, "key": "AAAA"},
        {"key_id": "x", "purpose": "data", "kek_version": 1, "key": "AAAA"},
        {"key_id": str(uuid.uuid4()), "purpose": "nothing", "kek_version": 1, "key": "AAAA"},
        {"key_id": str(uuid.uuid4()), "purpose": "data", "kek_version": 0, "key": "AAAA"},
        {"key_id": str(uuid.uuid4()), "purpose": "data", "kek_version": 1, "key": "A" * 200},
    ],
)
def test_a_malformed_request_is_invalid_with_the_field_named(unsealed, fields):
    answer = call(unsealed, "wrap", **fields)
    assert answer["error"] == "invalid"
    assert "Field" in answer["message"] or "purpose" in answer["message"]


def test_a_bug_answers_failed_without_its_text(unsealed, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(aead, "wrap_key", broken)
    answer = call(
        unsealed, "wrap", key_id=str(uuid.uuid4()), purpose="data", kek_version=1, key="AAAA"
    )
    assert answer == {"ok": False, "error": "failed", "message": "keyd could not do this request."}
    assert lines(unsealed)[-1]["outcome"] == "error:failed"


def test_a_rotation_makes_a_new_kek_with_new_shares(unsealed, keyd_dir, shares):
    fields = wrap(unsealed, b"\x21" * 32, "data")
    answer = call(unsealed, "new_kek", admin=True, version=2)
    assert len(answer["shares"]) == 5
    assert sorted(read_record(keyd_dir).sets) == [1, 2]
    assert call(unsealed, "new_kek", admin=True, version=2)["error"] == "invalid"
    rewrapped = call(unsealed, "rewrap", admin=True, **fields, to_version=2)
    fields2 = {**fields, "kek_version": 2, "blob": rewrapped["blob"]}
    back = call(unsealed, "unwrap", **fields2, **WORKER)
    assert wire.read_bytes(back, "key") == b"\x21" * 32
    assert call(unsealed, "forget_keks", admin=True, keep=2) == {"ok": True, "versions": [2]}
    assert sorted(read_record(keyd_dir).sets) == [2]
    assert call(unsealed, "kek_check", version=1)["error"] == "kek_mismatch"
    # After a restart only the new shares unseal it.
    call(unsealed, "seal", admin=True)
    assert call(unsealed, "unseal", admin=True, share=shares[0])["reason"] == "other_set"
    for share in answer["shares"][:3]:
        last = call(unsealed, "unseal", admin=True, share=share)
    assert last["sealed"] is False


def test_a_rotation_can_change_the_split(unsealed, keyd_dir):
    answer = call(unsealed, "new_kek", admin=True, version=2, shares=7, threshold=4)
    assert len(answer["shares"]) == 7
    assert read_record(keyd_dir).sets[2].threshold == 4
    assert call(unsealed, "new_kek", admin=True, version=3, shares=2, threshold=3)["error"] == (
        "invalid"
    )


def test_a_restart_during_a_rotation_needs_both_share_sets(
    make_service, shares, unsealed, keyd_dir
):
    new_shares = call(unsealed, "new_kek", admin=True, version=2, shares=2, threshold=2)["shares"]
    restarted = make_service()
    assert call(restarted, "status", admin=True)["needed"] == 5
    for share in shares[:3]:
        call(restarted, "unseal", admin=True, share=share)
    assert call(restarted, "unseal", admin=True, share=new_shares[0])["needed"] == 1
    assert call(restarted, "unseal", admin=True, share=new_shares[1])["sealed"] is False
    assert call(restarted, "status", admin=True)["held"] == [1, 2]


def test_idle_shares_are_forgotten_by_housekeeping(make_service, shares):
    now = [0.0]
    service = make_service(clock=lambda: now[0])
    call(service, "unseal", admin=True, share=shares[0])
    now[0] += 600
    service.housekeeping()
    assert call(service, "status", admin=True)["accepted"] == 0
    assert [line["detail"] for line in lines(service) if line["op"] == "unseal_reset"] == ["idle"]


def test_the_status_names_the_log_head_and_the_hardening(make_service):
    from corridor.vault.keyd.hardening import Hardening

    service = make_service(hardening=Hardening(dumpable=False, core_limit=0, memory_locked=True))
    status = call(service, "status", admin=True)
    assert status["hardening"] == {"dumpable": False, "core_limit": 0, "memory_locked": True}
    assert status["log"]["seq"] == 0
    assert call(service, "status", admin=True)["log"]["seq"] == 1


def test_the_check_value_identifies_the_rebuilt_kek(unsealed, keyd_dir):
    check = wire.read_bytes(call(unsealed, "kek_check", version=1), "check")
    assert check == read_record(keyd_dir).sets[1].check
    assert len(check) == len(aead.kek_check_value(b"\x00" * 32))
