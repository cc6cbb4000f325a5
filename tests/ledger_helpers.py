"""Logging staff in through keyd's tickets (keyd, or the file provider's ledger in-process).

ticket = keyd_log_in(staff)          # the operator enrols a TOTP secret, then a login
with acting_with(ticket): ...        # what the web's middleware does for a request
"""

from __future__ import annotations

import os
import time

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

from corridor.accounts.models import Staff
from corridor.accounts.selectors import roles_of
from corridor.vault import ledger as vault_ledger
from corridor.vault.ledger import as_operator


def code_for(secret: bytes, *, at: float | None = None) -> str:
    """The code an authenticator app shows now for `secret` (RFC 6238: SHA-1, 6 digits)."""
    totp = TOTP(secret, 6, SHA1(), 30, enforce_key_length=False)  # noqa: S303 - RFC 6238
    return totp.generate(int(time.time() if at is None else at)).decode("ascii")


def admit(staff: Staff, secret: bytes | None = None) -> bytes:
    """What setup does for a real account: keyd knows it, its roles and its TOTP secret."""
    secret = secret or os.urandom(20)
    with as_operator():
        vault_ledger.record_new_account(
            staff_id=staff.pk, roles=[role.value for role in roles_of(staff)]
        )
        vault_ledger.enrol_known_secret(staff.pk, secret)
    return secret


def keyd_log_in(staff: Staff) -> str:
    return vault_ledger.log_in(staff.pk, code_for(admit(staff)))
