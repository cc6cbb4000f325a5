"""E-mail notifications encrypted to the recipient's own OpenPGP key.

Debian's GnuPG (`gpg`, package gnupg) does the OpenPGP work: no Python OpenPGP library is
in the lock, and gpg is the implementation the recipients' own tools interoperate with.
It runs as a subprocess with an argument list (never a shell), in a throwaway GNUPGHOME:
a private temporary directory made for the one call and removed after it, so no keyring,
trust database or agent outlives it and no key of one person meets another's.

A key is checked when it is pasted (`check_public_key`): exactly one public key, not
expired or revoked, with a usable encryption (sub)key. At sending time `encrypt` turns the
message into the armoured OpenPGP message of an RFC 3156 PGP/MIME e-mail; if that fails,
the caller does not send the text in the clear (EncryptionFailed is a DeliveryFailed).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from email.encoders import encode_7or8bit
from email.message import MIMEPart
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.policy import SMTP
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from corridor.core.exceptions import InvalidInput

GPG_TIMEOUT_SECONDS = 20
MAX_KEY_CHARS = 20_000
ARMOUR_START = "-----BEGIN PGP PUBLIC KEY BLOCK-----"

NOT_A_KEY = _(
    "This is not an OpenPGP public key. Paste the whole block that starts with "
    "-----BEGIN PGP PUBLIC KEY BLOCK----- (export it with gpg --armor --export your@address)."
)
UNUSABLE_KEY = _(
    "This key cannot be used for encryption: it has expired, is revoked or has no "
    "encryption subkey. Paste a current key, or leave the field empty."
)
NO_GPG = _("This server cannot encrypt e-mail: ask the person who runs it to install gnupg.")


class EncryptionFailed(Exception):
    """gpg could not encrypt to the key (the message is then not sent at all)."""


def _gpg() -> str:
    found = shutil.which("gpg")
    if found is None:
        raise FileNotFoundError("gpg")
    return found


def _run(home: Path, args: list[str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [_gpg(), "--homedir", str(home), "--batch", "--no-tty", "--no-autostart", *args],
        input=stdin,
        capture_output=True,
        timeout=GPG_TIMEOUT_SECONDS,
        check=False,
    )


def _throwaway_home() -> tempfile.TemporaryDirectory[str]:
    """A private (0700) GNUPGHOME for one call, removed with everything in it after."""
    return tempfile.TemporaryDirectory(prefix="corridor-gpg-", ignore_cleanup_errors=True)


def check_public_key(armoured: str) -> str:
    """The pasted key, trimmed, if it is one OpenPGP public key gpg would encrypt to now;
    InvalidInput says what to fix otherwise."""
    text = armoured.strip()
    if not text.startswith(ARMOUR_START) or len(text) > MAX_KEY_CHARS:
        raise InvalidInput(str(NOT_A_KEY))
    try:
        with _throwaway_home() as home:
            shown = _run(Path(home), ["--with-colons", "--show-keys"], text.encode("ascii"))
    except UnicodeEncodeError:
        raise InvalidInput(str(NOT_A_KEY)) from None
    except (OSError, subprocess.SubprocessError):
        raise InvalidInput(str(NO_GPG)) from None
    primaries = [
        line.split(":")
        for line in shown.stdout.decode("utf-8", "replace").splitlines()
        if line.startswith("pub:")
    ]
    if shown.returncode != 0 or len(primaries) != 1:
        raise InvalidInput(str(NOT_A_KEY))
    fields = primaries[0]
    # Field 2 is the validity (e expired, r revoked, i invalid, d disabled); field 12
    # the capabilities, where a capital E means the key as a whole can encrypt now.
    if fields[1] in ("e", "r", "i", "d") or len(fields) < 12 or "E" not in fields[11]:
        raise InvalidInput(str(UNUSABLE_KEY))
    return text + "\n"


def encrypt(armoured_key: str, plaintext: bytes) -> bytes:
    """`plaintext` as an armoured OpenPGP message to `armoured_key` alone."""
    try:
        with _throwaway_home() as home:
            key_file = Path(home) / "recipient.asc"
            key_file.write_text(armoured_key, encoding="ascii")
            done = _run(
                Path(home),
                ["--armor", "--recipient-file", str(key_file), "--encrypt", "--output", "-"],
                plaintext,
            )
    except (OSError, UnicodeEncodeError, subprocess.SubprocessError):
        raise EncryptionFailed("gpg did not run") from None
    if done.returncode != 0 or not done.stdout.startswith(b"-----BEGIN PGP MESSAGE-----"):
        raise EncryptionFailed("gpg refused")
    return done.stdout


def pgp_mime(text: str, armoured_key: str) -> MIMEMultipart:
    """An RFC 3156 multipart/encrypted body whose encrypted part is `text` as a MIME part."""
    inner = MIMEPart(policy=SMTP)
    inner.set_content(text + "\n")
    encrypted = encrypt(armoured_key, inner.as_bytes())
    outer = MIMEMultipart("encrypted", protocol="application/pgp-encrypted")
    outer.preamble = "This is an OpenPGP/MIME encrypted message (RFC 3156)."
    version = MIMEApplication("Version: 1\n", "pgp-encrypted", _encoder=encode_7or8bit)
    version["Content-Description"] = "PGP/MIME version identification"
    body = MIMEApplication(encrypted, "octet-stream", _encoder=encode_7or8bit)
    body.add_header("Content-Disposition", "inline", filename="encrypted.asc")
    body["Content-Description"] = "OpenPGP encrypted message"
    outer.attach(version)
    outer.attach(body)
    return outer
