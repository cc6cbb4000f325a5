"""Talking to keyd: the `keyd` key provider (data socket) and the operator's client (admin).

    provider = KeydKeyProvider()     # what key_provider() returns under CORRIDOR_KEY_PROVIDER=keyd
    key = provider.unwrap(key_id=..., purpose="data", blob=..., for_actor="staff:12",
                          case_id=str(case.pk))
    admin = KeydAdmin()
    progress = admin.unseal("academic acid ...")     # UnsealProgress(sealed=True, needed=2)

Each thread keeps one connection per socket and reconnects once if keyd restarted.
keyd's refusals come back as the vault's own exceptions (VaultSealed, UnwrapRefused,
InvalidShare, DecryptionFailed, ...); a socket that cannot be opened is KeydUnreachable.
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corridor.core.exceptions import KeyFailure
from corridor.vault import blind_index, intake_box, keystore
from corridor.vault.errors import (
    DecryptionFailed,
    InputRejected,
    IntakeBoxMismatch,
    InvalidShare,
    KekMismatch,
    KekRetirementPending,
    KeydNotInitialised,
    KeydPeerRefused,
    KeydProtocolError,
    KeydUnreachable,
    UnsupportedVersion,
    UnwrapRefused,
    VaultError,
    VaultSealed,
)
from corridor.vault.keyd import protocol as wire
from corridor.vault.keyd.config import check_socket_path, keyd_config
from corridor.vault.keyd.ledger import KeyOwner, owner_fields
from corridor.vault.keyd.tickets import TICKET_REASONS, TicketRefused
from corridor.vault.models import Purpose, WrappedKey
from corridor.vault.providers.base import Signature, WrappedBlob

TIMEOUT_SECONDS = 30.0
_SIMPLE_ERRORS: dict[str, type[VaultError] | type[KeyFailure]] = {
    "sealed": VaultSealed,
    "intake_mismatch": IntakeBoxMismatch,
    "decryption_failed": DecryptionFailed,
    "unsupported_version": UnsupportedVersion,
    "kek_mismatch": KekMismatch,
    "invalid": InputRejected,
    "not_initialised": KeydNotInitialised,
}


class KeydConnection:
    """One socket to keyd per thread and process; `call` sends a request, returns the answer."""

    def __init__(self, path: Path, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()

    def call(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer's fields if keyd says ok; otherwise the matching vault exception."""
        try:
            answer = self._exchange(request)
        except (ConnectionError, KeydProtocolError):
            # keyd restarted (or closed an idle connection) since the last call: once more.
            self._drop()
            try:
                answer = self._exchange(request)
            except ConnectionError:
                self._drop()
                raise KeydUnreachable(f"keyd on {self.path} closed the connection.") from None
        if answer.get("ok") is True:
            return answer
        raise error_from(answer, request)

    def _exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        sock = self._socket()
        try:
            try:
                wire.send_message(sock, request)
            except ConnectionError:
                # keyd may have answered and closed before reading (a refused peer): read
                # what it sent, if anything, before giving up on this connection.
                answer = wire.receive_message(sock)
                if answer is None:
                    raise
                self._drop()
                return answer
            answer = wire.receive_message(sock)
        except OSError as error:
            self._drop()
            if isinstance(error, ConnectionError):
                raise
            raise KeydUnreachable(
                f"keyd on {self.path} did not answer ({type(error).__name__})."
            ) from None
        if answer is None:
            self._drop()
            raise ConnectionResetError
        return answer

    def _socket(self) -> socket.socket:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        # A forked child (gunicorn, the worker) must not share its parent's connection.
        if sock is not None and self._local.pid == os.getpid():
            return sock
        check_socket_path(self.path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except FileNotFoundError:
            sock.close()
            raise KeydUnreachable(
                f"keyd is not running: there is no socket at {self.path}. "
                "Start `corridor keyd` (systemd: corridor-keyd)."
            ) from None
        except PermissionError:
            sock.close()
            raise KeydUnreachable(
                f"This user may not open keyd's socket {self.path}; see docs/operators.md."
            ) from None
        except OSError as error:
            sock.close()
            raise KeydUnreachable(
                f"keyd is not answering on {self.path} ({type(error).__name__})."
            ) from None
        self._local.sock, self._local.pid = sock, os.getpid()
        return sock

    def _drop(self) -> None:
        sock: socket.socket | None = getattr(self._local, "sock", None)
        if sock is not None and self._local.pid == os.getpid():
            sock.close()
        self._local.sock = None


def error_from(answer: dict[str, Any], request: dict[str, Any]) -> VaultError | KeyFailure:
    """The vault exception a keyd error answer stands for."""
    code = answer.get("error")
    message = str(answer.get("message") or "keyd refused the request.")
    if code == "refused":
        reason = str(answer.get("reason") or "not_allowed")
        refusal = TicketRefused if reason in TICKET_REASONS else UnwrapRefused
        return refusal(
            message,
            reason=reason,
            principal=str(request.get("principal") or ""),
            case_id=str(request.get("case_id") or ""),
        )
    if code == "invalid_share":
        needed = answer.get("needed")
        return InvalidShare(
            message,
            reason=str(answer.get("reason") or "checksum"),
            needed=needed if isinstance(needed, int) else 0,
        )
    if code == "peer":
        return KeydPeerRefused(message)
    if code == "protocol":
        return KeydProtocolError(message)
    kind = _SIMPLE_ERRORS.get(str(code), VaultError)
    return kind(message)


_connections: dict[Path, KeydConnection] = {}
_connections_lock = threading.Lock()


def connection_to(path: Path) -> KeydConnection:
    """The process's connection object for a socket path (one socket per thread inside)."""
    with _connections_lock:
        found = _connections.get(path)
        if found is None:
            found = _connections[path] = KeydConnection(path)
        return found


def _row_fields(row: WrappedKey) -> dict[str, Any]:
    return {
        "key_id": str(row.id),
        "purpose": row.purpose,
        "kek_version": row.kek_version,
        "blob": wire.encode_bytes(bytes(row.wrapped)),
    }


def _blob_fields(key_id: uuid.UUID, purpose: str, blob: WrappedBlob) -> dict[str, Any]:
    if not isinstance(blob, WrappedBlob):
        raise InputRejected("A wrapped key is a WrappedBlob.")
    return {
        "key_id": str(key_id),
        "purpose": purpose,
        "kek_version": blob.kek_version,
        "blob": wire.encode_bytes(blob.blob),
    }


class KeydKeyProvider:
    """The `keyd` provider: every key operation is a request to keyd's data socket.

    The KEK, the blind-index root, the intake private keys and the signing key never
    enter this process; data keys do, for the person and case keyd allowed.
    """

    name = "keyd"
    holds_key_on_disk = False

    def _data(self) -> KeydConnection:
        return connection_to(keyd_config().socket)

    def _admin(self) -> KeydConnection:
        return connection_to(keyd_config().admin_socket)

    def probe(self) -> bool:
        """Whether keyd answers and is sealed (KeydUnreachable if it does not answer)."""
        return bool(self._data().call({"op": "ping"})["sealed"])

    # ------------------------------------------------------------ data operations
    def wrap(
        self,
        *,
        key_id: uuid.UUID,
        purpose: str,
        key: bytes,
        owner: KeyOwner | None = None,
        ticket: str | None = None,
    ) -> WrappedBlob:
        version = keystore.current_kek_version()
        request: dict[str, Any] = {
            "op": "wrap",
            "key_id": str(key_id),
            "purpose": purpose,
            "kek_version": version,
            "key": wire.encode_bytes(key),
        }
        if owner is not None:
            request["owner"] = owner_fields(owner)
            request["ticket"] = ticket
        answer = self._data().call(request)
        return WrappedBlob(kek_version=version, blob=wire.read_bytes(answer, "blob"))

    def unwrap(
        self,
        *,
        key_id: uuid.UUID,
        purpose: str,
        blob: WrappedBlob,
        for_actor: str | None = None,
        case_id: str | None = None,
        ticket: str | None = None,
        task: str | None = None,
    ) -> bytes:
        request = {
            "op": "unwrap",
            **_blob_fields(key_id, purpose, blob),
            "principal": for_actor or "unnamed",
            "case_id": case_id,
            "ticket": ticket,
            "task": task,
        }
        return wire.read_bytes(self._data().call(request), "key")

    def ledger(self, op: str, fields: dict[str, Any], *, operator: bool) -> dict[str, Any]:
        """A ticket or ledger operation (tickets.py); the operator's go to the admin socket."""
        connection = self._admin() if operator else self._data()
        return connection.call({"op": op, **fields})

    def index(self, name: str, value: bytes, *, bits: int | None = None) -> int:
        return self.indexes(name, [value], bits=bits)[0]

    def indexes(self, name: str, values: list[bytes], *, bits: int | None = None) -> list[int]:
        # One keyd request per value (keyd counts each against the caller's index limit);
        # the current root row is read once.
        kept = blind_index.index_bits(bits)
        if not all(isinstance(value, bytes) for value in values):
            raise InputRejected("A blind index is computed over bytes; encode the value first.")
        if not name or len(name) > blind_index.MAX_INDEX_NAME:
            raise InputRejected(f"An index name has 1 to {blind_index.MAX_INDEX_NAME} characters.")
        root = keystore.current_key(Purpose.BLIND_INDEX_ROOT)
        connection = self._data()
        found = []
        for value in values:
            answer = connection.call(
                {
                    "op": "index",
                    **_row_fields(root),
                    "name": name,
                    "value": wire.encode_bytes(value),
                    "bits": kept,
                }
            )
            found.append(wire.read_int(answer, "index", high=2**64))
        return found

    def open_intake(self, sealed: bytes, request_id: str) -> bytes:
        intake_box.check_request_id(request_id)
        row = keystore.get_wrapped_key(intake_box.box_key_id(sealed), purpose=Purpose.INTAKE)
        answer = self._data().call(
            {
                "op": "open_intake",
                **_row_fields(row),
                "sealed": wire.encode_bytes(sealed),
                "request_id": request_id,
            }
        )
        return wire.read_bytes(answer, "payload")

    def sign(self, message: bytes) -> Signature:
        raise InputRejected("keyd signs audit tree heads only, never other bytes.")

    def sign_manifest(self, message: bytes) -> Signature:
        """keyd's head key signs it; keyd checks the manifest prefix itself."""
        answer = self._data().call({"op": "sign_manifest", "message": wire.encode_bytes(message)})
        return Signature(
            key_id=wire.read_text(answer, "key_id", limit=64),
            signature=wire.read_bytes(answer, "signature"),
        )

    def sign_tree_head(
        self,
        *,
        tree_size: int,
        root_hash: bytes,
        timestamp: int,
        proof_from: Callable[[int], Sequence[bytes]],
    ) -> Signature:
        """keyd's own head key signs; it checks the proof from the last head it signed."""
        last = wire.read_int(self._data().call({"op": "last_head"}), "tree_size", low=0)
        proof = list(proof_from(last)) if 0 < last < tree_size else []
        answer = self._data().call(
            {
                "op": "sign_head",
                "tree_size": tree_size,
                "root_hash": wire.encode_bytes(root_hash),
                "timestamp": timestamp,
                "proof": [wire.encode_bytes(node) for node in proof],
            }
        )
        return Signature(
            key_id=wire.read_text(answer, "key_id", limit=64),
            signature=wire.read_bytes(answer, "signature"),
        )

    def log_since(self, after: int, limit: int) -> list[dict[str, Any]]:
        """keyd's log lines after sequence number `after` (the worker's user only)."""
        answer = self._data().call({"op": "log_since", "after": after, "limit": limit})
        lines = answer.get("lines")
        if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
            raise KeydProtocolError("keyd answered log_since without lines.")
        return lines

    def head_public_key(self) -> bytes | None:
        return wire.read_bytes(self._data().call({"op": "head_key"}), "public")

    def pepper(self) -> bytes:
        row = keystore.current_key(Purpose.PEPPER)
        return wire.read_bytes(self._data().call({"op": "pepper", **_row_fields(row)}), "pepper")

    # ------------------------------------------------------------ KEK administration
    def create_kek(self, version: int) -> bytes:
        """keyd makes new KEKs only with their shares (`KeydAdmin.new_kek`); this confirms
        that keyd holds `version` and returns its check value."""
        return self.kek_check(version)

    def kek_check(self, version: int) -> bytes:
        answer = self._data().call({"op": "kek_check", "version": version})
        return wire.read_bytes(answer, "check")

    def rewrap(
        self, *, key_id: uuid.UUID, purpose: str, blob: WrappedBlob, to_version: int
    ) -> WrappedBlob:
        answer = self._data().call(
            {"op": "rewrap", **_blob_fields(key_id, purpose, blob), "to_version": to_version}
        )
        return WrappedBlob(kek_version=to_version, blob=wire.read_bytes(answer, "blob"))

    def forget_keks(self, *, keep: int) -> None:
        """Ask keyd to forget every other KEK; KekRetirementPending if this user may not
        (the web user is not on the admin socket: the operator runs `corridor keyd retire`)."""
        try:
            self._admin().call({"op": "forget_keks", "keep": keep})
        except KeydPeerRefused:
            raise KekRetirementPending(
                f"keyd still holds the old KEK: the operator runs `corridor keyd retire --keep "
                f"{keep}` to make it forget them."
            ) from None


# ---------------------------------------------------------------- the operator's client
@dataclass(frozen=True)
class UnsealProgress:
    sealed: bool
    needed: int


@dataclass(frozen=True)
class KeydStatus:
    sealed: bool
    versions: list[int]
    held: list[int]
    accepted: int
    needed: int
    log_seq: int
    log_hash: str
    hardening: dict[str, int | bool]


class KeydAdmin:
    """The admin socket: unseal, seal, status and the KEK of a rotation."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or keyd_config().admin_socket

    def _call(self, request: dict[str, Any]) -> dict[str, Any]:
        return connection_to(self.path).call(request)

    def unseal(self, share: str) -> UnsealProgress:
        answer = self._call({"op": "unseal", "share": share})
        return UnsealProgress(sealed=bool(answer["sealed"]), needed=int(answer["needed"]))

    def forget_shares(self) -> int:
        return int(self._call({"op": "unseal_reset"})["needed"])

    def seal(self) -> None:
        self._call({"op": "seal"})

    def new_head_key(self) -> bytes:
        """keyd makes its audit head key (an installation from before it kept one)."""
        return wire.read_bytes(self._call({"op": "new_head_key"}), "public")

    def status(self) -> KeydStatus:
        answer = self._call({"op": "status"})
        return KeydStatus(
            sealed=bool(answer["sealed"]),
            versions=[int(v) for v in answer["versions"]],
            held=[int(v) for v in answer["held"]],
            accepted=int(answer["accepted"]),
            needed=int(answer["needed"]),
            log_seq=int(answer["log"]["seq"]),
            log_hash=str(answer["log"]["hash"]),
            hardening=dict(answer.get("hardening") or {}),
        )

    def new_kek(
        self,
        version: int | None = None,
        *,
        shares: int | None = None,
        threshold: int | None = None,
    ) -> tuple[int, list[str]]:
        """A new KEK version in keyd (the next one unless given), and its shares: print them
        once, hand them out."""
        request: dict[str, Any] = {"op": "new_kek"}
        if version is not None:
            request["version"] = version
        if shares is not None:
            request["shares"] = shares
        if threshold is not None:
            request["threshold"] = threshold
        answer = self._call(request)
        return int(answer["version"]), [str(words) for words in answer["shares"]]

    def retire(self, *, keep: int) -> None:
        """Forget every KEK version but `keep` (the end of a rotation)."""
        self._call({"op": "forget_keks", "keep": keep})

    def holds(self, version: int) -> bool:
        return version in self.status().held
