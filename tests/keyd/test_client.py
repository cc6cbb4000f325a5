"""The keyd provider against a keyd running in this process, over its real sockets.

keyd's policy threads read through their own connections, so these tests commit
(`transaction=True`).
"""

from __future__ import annotations

import socket
import struct
import uuid

import pytest

from corridor.accounts.roles import Role
from corridor.audit.services import sign_tree_head
from corridor.cases.services._base import case_key
from corridor.vault import intake, rotation, signing
from corridor.vault.errors import (
    InputRejected,
    KeydProtocolError,
    KeydUnreachable,
    KeyProviderUnavailable,
    UnwrapRefused,
    VaultSealed,
)
from corridor.vault.keyd.client import KeydAdmin, KeydKeyProvider
from corridor.vault.keyd.journal import verify_log
from corridor.vault.keyd.server import KeydAlreadyRunning, KeydDaemon, prepare_socket_path
from corridor.vault.ledger import acting_with
from corridor.vault.longlived import initialise_keys
from corridor.vault.providers import check_key_provider, kek_administration, key_provider
from corridor.vault.providers.base import WrappedBlob
from tests.factories import StaffFactory, open_case_for
from tests.keyd.helpers import config_in, point_settings_at, short_dir
from tests.keyd.work import open_for_work
from tests.ledger_helpers import keyd_log_in

COMMITTED = pytest.mark.django_db(transaction=True, databases=["default", "keystore"])


def unseal(shares) -> None:
    admin = KeydAdmin()
    for share in shares[:3]:
        progress = admin.unseal(share)
    assert not progress.sealed


@COMMITTED
def test_keyd_not_running_fails_closed_on_every_operation(vault_keys, settings, keyd_dir):
    """Chosen but not running: every key operation fails; nothing falls back to a key file."""
    point_settings_at(settings, config_in(keyd_dir))
    provider = key_provider()
    assert isinstance(provider, KeydKeyProvider)
    assert not provider.holds_key_on_disk
    assert isinstance(kek_administration(), KeydKeyProvider)
    blob = WrappedBlob(kek_version=1, blob=b"x" * 60)
    calls = [
        lambda: provider.wrap(key_id=uuid.uuid4(), purpose="data", key=b"k" * 32),
        lambda: provider.unwrap(
            key_id=uuid.uuid4(), purpose="data", blob=blob, for_actor="staff:1"
        ),
        lambda: provider.index("phone", b"1"),
        lambda: provider.head_public_key(),
        lambda: provider.pepper(),
        lambda: provider.kek_check(1),
        lambda: provider.rewrap(key_id=uuid.uuid4(), purpose="data", blob=blob, to_version=2),
        lambda: check_key_provider(),
        lambda: KeydAdmin().status(),
    ]
    for call in calls:
        with pytest.raises(KeydUnreachable, match="keyd is not running"):
            call()


@COMMITTED
def test_the_whole_key_life_through_keyd(daemon, shares, caseworker, coordinator):
    """Unseal, set up the long-lived keys, open a case, work on it, sign, rotate."""
    assert check_key_provider() == "sealed"
    with pytest.raises(VaultSealed, match="corridor unseal"):
        key_provider().kek_check(1)
    unseal(shares)
    assert check_key_provider() == "unsealed"
    initialise_keys()
    tickets = {staff.pk: keyd_log_in(staff) for staff in (coordinator, caseworker)}
    with acting_with(tickets[coordinator.pk]):
        case = open_case_for(coordinator, caseworker, "CANARY")
    with acting_with(tickets[caseworker.pk]):
        opened = open_for_work(caseworker, case)
    assert "CANARY" in next(iter(opened.people.values()))["narrative"]
    outsider = StaffFactory(roles=[Role.CASEWORKER])
    with acting_with(keyd_log_in(outsider)), pytest.raises(UnwrapRefused) as refused:
        case_key(outsider, case)
    assert (refused.value.reason, refused.value.principal) == ("not_allowed", outsider.actor_id)
    assert refused.value.case_id == str(case.pk)
    with pytest.raises(InputRejected, match="tree heads only"):
        signing.sign(b"tree head")
    head = sign_tree_head(actor=coordinator)
    assert signing.verify(
        key_id=head.key_id, message=head.signed_message(), signature=head.signature
    )
    assert head.key_id == signing.fingerprint(key_provider().head_public_key())
    # The next head extends it: keyd checked the consistency proof the log gave.
    assert sign_tree_head(actor=coordinator).tree_size > head.tree_size
    assert key_provider().index("phone", b"+7900") == key_provider().index("phone", b"+7900")
    # A batch (the word forms of a portal message) gives what one request at a time gives.
    assert key_provider().indexes("phone", [b"+7901", b"+7900"]) == [
        key_provider().index("phone", b"+7901"),
        key_provider().index("phone", b"+7900"),
    ]
    assert len(key_provider().pepper()) == 32
    sealed = intake.seal_for_intake(b"please help", "R-77")
    assert key_provider().open_intake(sealed, "R-77") == b"please help"
    assert KeydAdmin().new_kek()[0] == rotation.next_kek_version()
    result = rotation.rotate_kek()
    assert result.to_version == 2
    with acting_with(tickets[caseworker.pk]):
        again = open_for_work(caseworker, case)
    assert "CANARY" in next(iter(again.people.values()))["narrative"]
    assert verify_log(daemon.config.log).ok


@COMMITTED
def test_a_peer_of_another_user_is_refused(keyd_dir, shares, settings):
    config = config_in(keyd_dir, client_users=("54321",), admin_users=("54321",))
    running = KeydDaemon(config)
    running.start()
    point_settings_at(settings, config)
    try:
        with pytest.raises(KeyProviderUnavailable, match="does not serve user"):
            key_provider().kek_check(1)
        with pytest.raises(KeyProviderUnavailable, match="does not serve user"):
            KeydAdmin().unseal(shares[0])
    finally:
        running.stop()
    assert '"outcome":"refused:peer"' in config.log.read_text()


@COMMITTED
def test_the_client_reconnects_when_keyd_restarts(daemon, shares, keyd_dir):
    KeydAdmin().unseal(shares[0])
    daemon.stop()
    restarted = KeydDaemon(daemon.config)
    restarted.start()
    try:
        assert KeydAdmin().status().accepted == 0  # a restart forgets shares
        assert key_provider().probe() is True
    finally:
        restarted.stop()
    with pytest.raises(KeydUnreachable):
        KeydAdmin().status()


@pytest.mark.pure
def test_a_garbled_frame_gets_a_protocol_error_and_the_connection_closes(keyd_dir, shares):
    running = KeydDaemon(config_in(keyd_dir))
    running.start()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.connect(str(running.config.socket))
            raw.sendall(struct.pack(">I", 5) + b"hello")
            header = raw.recv(4)
            body = raw.recv(struct.unpack(">I", header)[0])
            assert b'"error":"protocol"' in body
            assert raw.recv(10) == b""
    finally:
        running.stop()


@pytest.mark.pure
def test_one_keyd_per_socket(keyd_dir, shares):
    config = config_in(keyd_dir)
    first = KeydDaemon(config)
    first.start()
    try:
        with pytest.raises(KeydAlreadyRunning, match="Another keyd"):
            KeydDaemon(config).start()
    finally:
        first.stop()


@pytest.mark.pure
def test_a_stale_socket_is_replaced_and_a_file_is_not(keyd_dir):
    stale = keyd_dir / "stale.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(stale))
    listener.close()  # the file stays, nothing answers
    prepare_socket_path(stale)
    assert not stale.exists()
    (keyd_dir / "plain").write_text("x")
    with pytest.raises(KeyProviderUnavailable, match="not a socket"):
        prepare_socket_path(keyd_dir / "plain")


@pytest.mark.pure
def test_a_socket_path_over_107_bytes_is_named(settings):
    long = "/tmp/" + "d" * 110 + "/keyd.sock"
    settings.CORRIDOR_KEY_PROVIDER = "keyd"
    settings.CORRIDOR_KEYD_SOCKET = long
    with pytest.raises(KeyProviderUnavailable, match="longer than 107 bytes"):
        key_provider().kek_check(1)


@pytest.mark.pure
def test_keyd_will_not_start_without_a_record(settings):
    from corridor.vault.errors import KeydNotInitialised

    with short_dir() as empty, pytest.raises(KeydNotInitialised, match="keys init"):
        KeydDaemon(config_in(empty))


@pytest.mark.pure
def test_an_answer_keyd_cannot_send_whole_is_a_protocol_error(keyd_dir, shares, settings):
    from corridor.vault.keyd import protocol

    running = KeydDaemon(config_in(keyd_dir))
    running.start()
    point_settings_at(settings, running.config)
    try:
        original = protocol.MAX_FRAME
        protocol.MAX_FRAME = 120  # a status answer no longer fits; the error about it does
        try:
            with pytest.raises(KeydProtocolError):
                KeydAdmin().status()
        finally:
            protocol.MAX_FRAME = original
    finally:
        running.stop()


@COMMITTED
def test_a_web_user_off_the_admin_socket_rotates_and_the_operator_retires(daemon, shares):
    """The web user may rewrap but not make or forget KEKs: the operator makes the new KEK
    (and sees its shares), `keys rotate` rewraps, the operator retires the old KEK."""
    from django.core.management import CommandError, call_command

    from corridor.vault.keyd import client

    unseal(shares)
    initialise_keys()
    admin_socket_server = daemon._servers[1]
    operators = admin_socket_server.allowed_uids

    def only_operators(uids: frozenset[int]) -> None:
        # keyd checks the peer when a connection opens: start from new connections.
        admin_socket_server.allowed_uids = uids
        client._connections.clear()

    only_operators(frozenset({54321}))
    with pytest.raises(CommandError, match="the operator runs `corridor keyd new-kek` first"):
        call_command("keys", "rotate")
    only_operators(operators)
    version, _ = KeydAdmin().new_kek()
    only_operators(frozenset({54321}))
    result = rotation.rotate_kek()
    assert (result.to_version, result.old_keks_forgotten) == (version, False)
    only_operators(operators)
    assert KeydAdmin().status().held == [1, 2]
    KeydAdmin().retire(keep=2)
    assert KeydAdmin().status().held == [2]
