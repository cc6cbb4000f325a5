"""Real receivers on loopback for the notification tests: an SMTP server (aiosmtpd) that
requires STARTTLS with a certificate made for the test, and an HTTP server that records
each POST as ntfy, a Matrix webhook bridge and signal-cli's REST API receive it; and the
recipient's own GnuPG, to make the key they paste and to decrypt what they receive."""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, object]:
        loaded = json.loads(self.body.decode("utf-8"))
        assert isinstance(loaded, dict)
        return loaded


@dataclass
class HttpReceiver:
    url: str
    posts: list[Received] = field(default_factory=list)
    failing: bool = False


@dataclass
class Mailbox:
    host: str
    port: int
    ca_file: str
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made in-process (no openssl process)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.pem", directory / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class _Handler:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        self.box.messages.append(message_from_bytes(content, policy=default))
        self.box.envelopes.append((str(envelope.mail_from), list(envelope.rcpt_tos)))
        return "250 OK"


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[Mailbox]:
    """An SMTP server on loopback that refuses mail before STARTTLS."""
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    port = _free_port()
    box = Mailbox(host="127.0.0.1", port=port, ca_file=str(cert))
    controller = Controller(
        _Handler(box),
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        ready_timeout=10,
    )
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    """An HTTP server on loopback recording every POST (503 while `failing`)."""
    state = HttpReceiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if state.failing:
                self.send_response(503)
                self.end_headers()
                return
            state.posts.append(Received(self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Recipient:
    """A staff member's own GnuPG: their keyring, with its secret keys, in a directory of
    the test's. `public` is the key they paste; `decrypt` opens what they receive."""

    home: Path

    def _gpg(self, *args: str, stdin: bytes = b"") -> bytes:
        done = subprocess.run(
            ["gpg", "--homedir", str(self.home), "--batch", "--no-tty", *args],
            input=stdin,
            capture_output=True,
            timeout=60,
            check=True,
        )
        return done.stdout

    def new_key(self, address: str, *, algo: str = "future-default", usage: str = "default",
                expire: str = "never", made_at: str = "") -> str:  # fmt: skip
        """A key without passphrase (ed25519 with a cv25519 encryption subkey by default),
        armoured; `made_at` backdates its making (gpg's --faked-system-time)."""
        backdate = ["--faked-system-time", made_at] if made_at else []
        self._gpg(
            *backdate, "--passphrase", "", "--quick-gen-key", f"Staff <{address}>",
            algo, usage, expire,
        )  # fmt: skip
        return self._gpg("--armor", "--export", address).decode("ascii")

    def decrypt(self, armoured: bytes) -> bytes:
        return self._gpg("--decrypt", stdin=armoured)


@pytest.fixture
def recipient() -> Iterator[Recipient]:
    """A GnuPG home of the recipient's (short path under /tmp: gpg-agent's socket lives
    there), its agent stopped and the directory removed after."""
    home = Path(tempfile.mkdtemp(prefix="gpgr-", dir="/tmp"))
    try:
        yield Recipient(home)
    finally:
        subprocess.run(
            ["gpgconf", "--homedir", str(home), "--kill", "all"],
            capture_output=True,
            timeout=30,
            check=False,
        )
        shutil.rmtree(home, ignore_errors=True)
