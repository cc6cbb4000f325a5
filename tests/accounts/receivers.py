"""Real receivers on loopback for the notification tests: an SMTP server (aiosmtpd) that
requires STARTTLS with a certificate made for the test, and an HTTP server that records
each POST as ntfy, a Matrix webhook bridge and signal-cli's REST API receive it."""

from __future__ import annotations

import ipaddress
import json
import socket
import ssl
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
