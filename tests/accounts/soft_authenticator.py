"""A software WebAuthn authenticator for tests: real ES256 keys and real assertions,
with knobs to forge a wrong origin, a wrong RP ID or a regressed sign counter."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django_otp_webauthn.models import WebAuthnCredential


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


class SoftAuthenticator:
    def __init__(self, *, rp_id: str = "localhost", origin: str = "http://localhost:8000") -> None:
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.sign_count = 0

    def cose_public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def register(self, staff) -> WebAuthnCredential:
        """Store this authenticator's credential for `staff`, as a finished registration would."""
        return WebAuthnCredential.objects.create(
            user=staff,
            name="test key",
            confirmed=True,
            credential_id=self.credential_id,
            public_key=self.cose_public_key(),
            sign_count=0,
            aaguid="00000000-0000-0000-0000-000000000000",
            discoverable=True,
        )

    def assertion(
        self,
        challenge: str,
        *,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        user_verified: bool = True,
        user_handle: bytes | None = None,
    ) -> dict[str, object]:
        """A navigator.credentials.get() result in the JSON shape the browser script sends."""
        if sign_count is None:
            self.sign_count += 1
            sign_count = self.sign_count
        flags = 0x01 | (0x04 if user_verified else 0)
        authenticator_data = (
            hashlib.sha256((rp_id or self.rp_id).encode()).digest()
            + bytes([flags])
            + struct.pack(">I", sign_count)
        )
        client_data = json.dumps(
            {
                "type": "webauthn.get",
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            },
            separators=(",", ":"),
        ).encode()
        signature = self.key.sign(
            authenticator_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "authenticatorData": b64url(authenticator_data),
                "clientDataJSON": b64url(client_data),
                "signature": b64url(signature),
                "userHandle": b64url(user_handle) if user_handle else None,
            },
        }
