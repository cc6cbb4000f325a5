"""keyd's less travelled paths: sockets that misbehave, odd input, resource limits."""

from __future__ import annotations

import resource
import socket
import uuid

import pytest

from corridor.vault.errors import (
    InputRejected,
    KeyDestroyed,
    KeydUnreachable,
    KeyProviderUnavailable,
)
from corridor.vault.keyd import hardening, shares
from corridor.vault.keyd.client import KeydAdmin, KeydConnection, KeydKeyProvider
from corridor.vault.keyd.config import resolve_users
from corridor.vault.keyd.server import KeydDaemon
from corridor.vault.keyd.service import error_code
from tests.keyd.conftest import PEER
from tests.keyd.helpers import config_in, limits, point_settings_at

pytestmark = pytest.mark.pure


def test_a_keyd_that_accepts_but_never_answers_times_out(keyd_dir):
    path = keyd_dir / "mute.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    try:
        with pytest.raises(KeydUnreachable, match=r"did not answer \(TimeoutError\)"):
            KeydConnection(path, timeout=0.2).call({"op": "ping"})
    finally:
        listener.close()


def test_a_path_that_is_not_keyd_is_named(keyd_dir):
    (keyd_dir / "plain").write_text("x")
    with pytest.raises(KeydUnreachable, match="is not answering"):
        KeydConnection(keyd_dir / "plain").call({"op": "ping"})


def test_a_socket_this_user_may_not_open_is_named(keyd_dir, monkeypatch):
    def refuse(self, address):
        raise PermissionError

    monkeypatch.setattr(socket.socket, "connect", refuse)
    with pytest.raises(KeydUnreachable, match="may not open keyd's socket"):
        KeydConnection(keyd_dir / "d.sock").call({"op": "ping"})


def test_the_provider_checks_its_arguments_before_asking(settings, keyd_dir):
    point_settings_at(settings, config_in(keyd_dir))
    provider = KeydKeyProvider()
    with pytest.raises(InputRejected, match="WrappedBlob"):
        provider.unwrap(key_id=uuid.uuid4(), purpose="data", blob=b"raw")  # type: ignore[arg-type]
    with pytest.raises(InputRejected, match="over bytes"):
        provider.index("phone", "text")  # type: ignore[arg-type]
    with pytest.raises(InputRejected, match="index name"):
        provider.index("", b"x")


def test_a_rotation_split_can_be_chosen_from_the_client(keyd_dir, shares, settings):
    running = KeydDaemon(config_in(keyd_dir))
    running.start()
    point_settings_at(settings, running.config)
    try:
        admin = KeydAdmin()
        for share in shares[:3]:
            admin.unseal(share)
        assert admin.holds(1)
        version, made = admin.new_kek(2, shares=4, threshold=2)
        assert (version, len(made)) == (2, 4)
        assert admin.status().held == [1, 2]
        assert admin.forget_shares() == 0
    finally:
        running.stop()


def test_the_process_limit_on_blind_indexes(make_unsealed):
    from corridor.vault.keyd import protocol as wire

    service = make_unsealed(limits=limits(index=1))
    wrapped = service.handle(
        {
            "op": "wrap",
            "key_id": str(uuid.uuid4()),
            "purpose": "blind_index_root",
            "kek_version": 1,
            "key": wire.encode_bytes(b"r" * 32),
        },
        peer=PEER,
        admin=False,
    )
    request = {
        "op": "index",
        "key_id": str(uuid.uuid4()),
        "purpose": "blind_index_root",
        "kek_version": 1,
        "blob": wrapped["blob"],
        "name": "phone number",  # not a code: logged as "index" only
        "value": "",
        "bits": 8,
    }
    first = service.handle(request, peer=PEER, admin=False)
    assert first["error"] == "decryption_failed"  # the id does not match the wrap
    second = service.handle(request, peer=PEER, admin=False)
    assert second["reason"] == "rate_limited"
    assert "index requests per hour" in second["message"]
    assert '"detail":"index"' in service.journal.path.read_text()


def test_rewrap_checks_the_purpose_and_forget_is_idempotent(unsealed):
    answer = unsealed.handle(
        {
            "op": "rewrap",
            "key_id": str(uuid.uuid4()),
            "purpose": "nothing",
            "kek_version": 1,
            "blob": "AAAA",
            "to_version": 1,
        },
        peer=PEER,
        admin=True,
    )
    assert answer["error"] == "invalid"
    for _ in range(2):
        assert unsealed.handle({"op": "forget_keks", "keep": 1}, peer=PEER, admin=True)["ok"]


def test_an_error_keyd_has_no_code_for_is_failed():
    assert error_code(KeyDestroyed("gone")) == "failed"


def test_a_new_share_set_never_reuses_a_set_id_in_use():
    everything_but_seven = set(range(2**15)) - {7}
    identifier, _ = shares.split_kek(b"k" * 32, shares=2, threshold=2, avoid=everything_but_seven)
    assert identifier == 7


def test_users_are_named_or_numbered():
    assert resolve_users(["root", "1234"]) == frozenset({0, 1234})
    with pytest.raises(KeyProviderUnavailable, match="no user 'nobody-here'"):
        resolve_users(["nobody-here"])


def test_memory_is_not_locked_under_a_finite_limit_for_an_ordinary_user(monkeypatch):
    """Locking future pages under a finite limit would make keyd fail later; it does not try."""

    class Libc:
        def mlockall(self, flags):
            raise AssertionError("must not be called")

    monkeypatch.setattr(hardening.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(hardening.resource, "getrlimit", lambda which: (65536, 65536))
    assert hardening._lock_memory(Libc()) is False  # type: ignore[arg-type]
    monkeypatch.setattr(
        hardening.resource,
        "getrlimit",
        lambda which: (resource.RLIM_INFINITY, resource.RLIM_INFINITY),
    )

    class Locking:
        def mlockall(self, flags):
            return 0 if flags == hardening.MCL_CURRENT | hardening.MCL_FUTURE else -1

    assert hardening._lock_memory(Locking()) is True  # type: ignore[arg-type]


def test_a_socket_that_hangs_up_at_once_is_unreachable_after_one_retry(keyd_dir):
    import threading

    path = keyd_dir / "slam.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    accepted = []

    def slam() -> None:
        for _ in range(2):
            connection, _ = listener.accept()
            accepted.append(connection)
            connection.close()

    thread = threading.Thread(target=slam, daemon=True)
    thread.start()
    try:
        with pytest.raises(KeydUnreachable, match="closed the connection"):
            KeydConnection(path, timeout=5).call({"op": "ping", "pad": "x" * 300_000})
    finally:
        thread.join(timeout=5)
        listener.close()
    assert len(accepted) == 2


def test_a_private_file_that_cannot_be_replaced_leaves_no_temporary(tmp_path, monkeypatch):
    from corridor.vault import private_files

    target = tmp_path / "record.json"
    target.write_bytes(b"old")

    def refuse(source, destination):
        raise OSError("disk full")

    monkeypatch.setattr(private_files.os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        private_files.write_private_file(target, b"new")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["record.json"]
    assert target.read_bytes() == b"old"
