"""keyd's two Unix sockets and its main loop.

The data socket (`CORRIDOR_KEYD_SOCKET`, mode 0660) serves the web, worker and
portal users; the admin socket beside it (`CORRIDOR_KEYD_ADMIN_SOCKET`, mode 0600)
serves the operator. On both, the kernel tells keyd who connected (SO_PEERCRED) and
keyd refuses any user not configured for that socket, whatever the file's mode; on
the data socket the uid also decides which caller the peer is (callers.py), and so
which principals it may name and which operations it may use.
Each connection gets a thread and may send many requests, one at a time.

    run_keyd(keyd_config(), announce=print)   # `corridor keyd`: until SIGTERM or SIGINT
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import socketserver
import stat
import struct
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import FrameType

from corridor.vault import file_modes
from corridor.vault.errors import KeydProtocolError, KeyProviderUnavailable
from corridor.vault.keyd.callers import ALL_CALLERS, Caller
from corridor.vault.keyd.config import KeydConfig, check_socket_path
from corridor.vault.keyd.hardening import Hardening, harden_process
from corridor.vault.keyd.journal import KeydJournal
from corridor.vault.keyd.protocol import receive_message, send_message
from corridor.vault.keyd.service import KeydService, Peer
from corridor.vault.keyd.shares import read_record

logger = logging.getLogger(__name__)
_PEERCRED = struct.Struct("3i")
DATA_SOCKET_MODE = 0o660
ADMIN_SOCKET_MODE = 0o600
# Each connection's thread; the default 8 MiB stack would be locked in memory too.
THREAD_STACK = 1 << 20


class KeydAlreadyRunning(KeyProviderUnavailable):
    """Another keyd answers on the socket path."""


def peer_credentials(sock: socket.socket) -> Peer:
    """The process at the other end of a Unix socket, as the kernel reports it."""
    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    pid, uid, gid = _PEERCRED.unpack(raw)
    return Peer(pid=pid, uid=uid, gid=gid)


class _Connection(socketserver.BaseRequestHandler):
    server: _SocketServer

    def setup(self) -> None:
        self.server.opened(self.request)

    def handle(self) -> None:
        sock: socket.socket = self.request
        service = self.server.service
        peer = peer_credentials(sock)
        # The uid, not anything the client says, decides what it may act as (callers.py).
        peer = replace(peer, callers=self.server.callers_of(peer.uid))
        if peer.uid not in self.server.allowed_uids:
            # Defends against another local user reaching a socket its file mode let through.
            service.journal.append("connect", peer=peer.label, outcome="refused:peer")
            self._send(
                {
                    "ok": False,
                    "error": "peer",
                    "message": f"keyd does not serve user {peer.uid} on this socket.",
                }
            )
            return
        while True:
            try:
                message = receive_message(sock)
            except KeydProtocolError as error:
                self._send({"ok": False, "error": "protocol", "message": str(error)})
                return
            except OSError:
                return
            if message is None:
                return
            answer = service.handle(message, peer=peer, admin=self.server.admin)
            if not self._send(answer):
                return

    def _send(self, answer: dict[str, object], *, or_error: bool = True) -> bool:
        try:
            send_message(self.request, answer)
        except KeydProtocolError as error:
            # An answer too large for a frame: say so once, then close the connection.
            if or_error:
                self._send(
                    {"ok": False, "error": "protocol", "message": str(error)}, or_error=False
                )
            return False
        except OSError:
            return False
        return True

    def finish(self) -> None:
        # Django's connections are per thread: close this connection's database handle.
        from django.db import connections

        connections.close_all()
        self.server.closed(self.request)


class _SocketServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def __init__(
        self,
        path: Path,
        *,
        service: KeydService,
        admin: bool,
        allowed_uids: frozenset[int],
        callers_of: Callable[[int], frozenset[Caller]],
    ) -> None:
        self.service = service
        self.admin = admin
        self.allowed_uids = allowed_uids
        self.callers_of = callers_of
        self._open: set[socket.socket] = set()
        self._open_changed = threading.Condition()
        super().__init__(str(path), _Connection)

    def opened(self, sock: socket.socket) -> None:
        with self._open_changed:
            self._open.add(sock)

    def closed(self, sock: socket.socket) -> None:
        with self._open_changed:
            self._open.discard(sock)
            self._open_changed.notify_all()

    def close_connections(self, *, timeout: float = 5.0) -> None:
        """End every client connection and wait until their threads have let go of the
        database (clients keep connections open between requests)."""
        with self._open_changed:
            for sock in self._open:
                # A client may have closed its end already.
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open_changed.wait_for(lambda: not self._open, timeout=timeout)


def prepare_socket_path(path: Path) -> None:
    """Make the socket's folder; remove a stale socket, refuse if a keyd answers there."""
    check_socket_path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise KeyProviderUnavailable(f"{path} exists and is not a socket; remove it first.")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
        return
    finally:
        probe.close()
    raise KeydAlreadyRunning(f"Another keyd already answers on {path}.")


class KeydDaemon:
    """The service behind both sockets: start, tick about once a second, stop."""

    def __init__(self, config: KeydConfig, *, hardening: Hardening | None = None) -> None:
        self.config = config
        read_record(config.directory)  # before anything is created: fail on a missing record
        # Its record, ledger, head key and log: keyd's user's alone, whatever a copy or a
        # restore left them at (`corridor doctor` names any still open).
        file_modes.tighten(config.directory, file_modes.KEYD_DIR_FILES, mask=file_modes.PRIVATE)
        self.journal = KeydJournal(config.log)
        self.service = KeydService(
            directory=config.directory,
            journal=self.journal,
            database=config.database,
            limits=config.limits,
            system_principals=config.system_principals,
            hardening=hardening,
        )
        self._servers: list[_SocketServer] = []
        self._threads: list[threading.Thread] = []
        self._stopped = False

    def start(self) -> None:
        sockets = (
            (self.config.socket, False, self.config.client_uids(), DATA_SOCKET_MODE),
            (self.config.admin_socket, True, self.config.admin_uids(), ADMIN_SOCKET_MODE),
        )
        for path, _admin, _uids, _mode in sockets:
            prepare_socket_path(path)
        # Resolved once: user names are looked up in the passwd database at start.
        self._bound = self.config.callers_bound
        self._caller_map = self.config.caller_uids()
        for path, admin, uids, mode in sockets:
            server = _SocketServer(
                path,
                service=self.service,
                admin=admin,
                allowed_uids=uids,
                callers_of=self._callers_of,
            )
            os.chmod(path, mode)
            self._servers.append(server)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
            )
            thread.start()
            self._threads.append(thread)
        # An unbound keyd (one user for web, worker and portal) says so in its log.
        unbound = "" if self._bound else "/callers:unbound"
        self.journal.append("start", detail=f"pid:{os.getpid()}{unbound}")

    def _callers_of(self, uid: int) -> frozenset[Caller]:
        return self._caller_map.get(uid, frozenset()) if self._bound else ALL_CALLERS

    def tick(self) -> None:
        self.service.housekeeping()
        self.journal.sync()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for server in self._servers:
            server.shutdown()
            server.server_close()
            server.close_connections()
        for thread in self._threads:
            thread.join(timeout=5)
        self.service.seal()
        self.journal.append("stop")
        self.journal.close()
        for path in (self.config.socket, self.config.admin_socket):
            path.unlink(missing_ok=True)


def run_keyd(config: KeydConfig, *, announce: Callable[[str], None]) -> None:
    """`corridor keyd`: harden, start sealed, serve until SIGTERM or SIGINT, then wipe."""
    hardening = harden_process()
    threading.stack_size(THREAD_STACK)
    daemon = KeydDaemon(config, hardening=hardening)
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    daemon.start()
    if not config.callers_bound:
        # Web, worker and portal share one user: keyd cannot tell them apart.
        logger.warning(
            "keyd callers are not bound to users: set CORRIDOR_KEYD_WEB_USERS, "
            "CORRIDOR_KEYD_WORKER_USERS and CORRIDOR_KEYD_PORTAL_USERS",
            extra={"event": "keyd.callers_unbound"},
        )
    if not hardening.memory_locked:
        logger.warning(
            "keyd memory is not locked: raise LimitMEMLOCK to infinity",
            extra={"event": "keyd.memory_not_locked"},
        )
    announce(f"keyd listening on {config.socket} and {config.admin_socket} (sealed)")
    try:
        while not stop.wait(1.0):
            daemon.tick()
    finally:
        daemon.stop()
