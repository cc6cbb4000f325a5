"""Our own keys as partners see them: `corridor partners whoami` and the directory page.

Nothing new is generated: the signing key is the one that signs our audit tree heads
(keyd's head key under keyd), so a partner that witnesses our heads and one that checks
our bundles trust the same key; the encryption key is the intake key pair requests are
sealed to on arrival, the box a partner's referral lands in.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.conf import settings

from corridor.partners.fingerprints import as_digits, as_words, fingerprint
from corridor.vault import signing
from corridor.vault.intake import current_intake_public_key


@dataclass(frozen=True)
class Identity:
    signing_key: bytes
    encryption_key: bytes
    corridor_url: str
    fingerprint: str

    @property
    def words(self) -> list[str]:
        return as_words(self.fingerprint)

    @property
    def digits(self) -> list[str]:
        return as_digits(self.fingerprint)

    def lines(self) -> list[str]:
        """What `partners whoami` prints; `partners add --keys FILE` reads it back."""
        return [
            f"signing key (Ed25519): {_b64(self.signing_key)}",
            f"encryption key (X25519): {_b64(self.encryption_key)}",
            f"corridor: {self.corridor_url}",
            f"fingerprint: {self.fingerprint}",
            f"words: {' '.join(self.words)}",
            f"digits: {' '.join(self.digits)}",
        ]


def our_identity() -> Identity:
    sign, seal = signing.current_public_key(), current_intake_public_key()
    return Identity(
        signing_key=sign,
        encryption_key=seal,
        corridor_url=str(getattr(settings, "CORRIDOR_PUBLIC_ORIGIN", "")).rstrip("/"),
        fingerprint=fingerprint(sign, seal),
    )


def read_identity(text: str) -> tuple[bytes, bytes, str]:
    """The signing key, encryption key and address in what `whoami` printed;
    ValueError naming the line that is missing or wrong."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        label, _, value = line.partition(":")
        found[label.strip()] = value.strip()
    keys = []
    for label in ("signing key (Ed25519)", "encryption key (X25519)"):
        try:
            key = base64.b64decode(found[label], validate=True)
        except KeyError:
            raise ValueError(f"the line `{label}: …` is missing") from None
        except ValueError:
            raise ValueError(f"`{label}` is not base64") from None
        if len(key) != 32:
            raise ValueError(f"`{label}` must be 32 bytes")
        keys.append(key)
    address = found.get("corridor", "")
    if not address.startswith(("https://", "http://")):
        raise ValueError("the line `corridor: https://…` is missing")
    return keys[0], keys[1], address


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
