"""One named exception per way the vault can refuse.

Operator and programming errors are `VaultError`s (a CorridorError, whose message a CLI
prints). The four failures no user can fix — a sealed or unreachable key service, a
refused unwrap, a ciphertext that does not authenticate — are `KeyFailure`s instead,
so no `except CorridorError` or `except VaultError` in a view can turn them into a 400;
catch `VAULT_FAILURES` where both must be handled (a CLI, keyd's own dispatcher).

Messages name what went wrong and never quote key material, plaintext or
ciphertext, so they are safe in logs and on an operator's terminal.
"""

from corridor.core.exceptions import CorridorError, KeyFailure, KeysUnavailable


class VaultError(CorridorError):
    """Base of every vault failure."""


class DecryptionFailed(KeyFailure):
    """A ciphertext did not authenticate: it was altered, truncated or moved from elsewhere."""

    kind = "integrity"


class KeyMismatch(DecryptionFailed):
    """A value sealed under one data key was offered another key."""


class StaleSealedValue(DecryptionFailed):
    """A sealed value authenticated but is not the latest one written to its row and field:
    an older ciphertext was copied back (a rollback), or the value was never recorded.

    `model_label`, `row_id` and `field` name where it was read, `digest` is the SHA-256 hex
    of the ciphertext found: ids and a hash only, never the value.
    """

    def __init__(
        self, message: str, *, model_label: str, row_id: str, field: str, digest: str
    ) -> None:
        super().__init__(message)
        self.model_label = model_label
        self.row_id = row_id
        self.field = field
        self.digest = digest


class StreamTruncated(DecryptionFailed):
    """An encrypted file ended before its final chunk."""


class SealedValueUnbound(VaultError):
    """A sealed value was read without its row (for example through `.values()`)."""


class UnsupportedVersion(VaultError):
    """A ciphertext, wrapped key or sealed box names a format version this code cannot read."""


class KeyNotFound(VaultError):
    """No key with that id exists in the key store."""


class KeyDestroyed(VaultError):
    """The key existed and was destroyed (crypto-shredded); what it sealed is gone."""


class KekMismatch(VaultError):
    """The key-encryption key on hand is not the one the key store was wrapped under."""


class VaultSealed(KeysUnavailable):
    """The key provider is running but sealed: the trustees must unseal it first."""


class KeyProviderUnavailable(VaultError):
    """The configured key provider cannot be reached or is not allowed here."""


class KeydUnreachable(KeysUnavailable):
    """keyd's socket cannot be opened: keyd is not running, or this user may not reach it."""

    kind = "unavailable"
    waiting_for = "key_service"


class KeydPeerRefused(KeyProviderUnavailable):
    """keyd does not serve this OS user on that socket (peer credentials)."""


class KeydProtocolError(KeyProviderUnavailable):
    """keyd and its client disagree about a message: a malformed, oversized or cut frame."""


class UnwrapRefused(KeyFailure):
    """keyd refused to hand out a key: the person is not on the case, or over their limit.

    `reason` is a code (`not_allowed`, `rate_limited`, `principal`, `purpose`,
    `policy_unavailable`); `principal` and `case_id` are what the request named.
    """

    def __init__(
        self, message: str, *, reason: str, principal: str = "", case_id: str = ""
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.principal = principal
        self.case_id = case_id


class InvalidShare(VaultError):
    """An unseal share was refused; `reason` is `checksum`, `other_set`, `repeated` or
    `wrong_key_check`. Shares accepted before it are kept (except after wrong_key_check)."""

    def __init__(self, message: str, *, reason: str, needed: int = 0) -> None:
        super().__init__(message)
        self.reason = reason
        self.needed = needed


class KeydNotInitialised(VaultError):
    """keyd has no KEK record: `corridor keys init` has not been run for this data dir."""


class KeydAlreadyInitialised(VaultError):
    """`corridor keys init` found a KEK record already; it never replaces one."""


class KeyStoreUnavailable(VaultError):
    """The key store database is missing or not migrated."""


class IntakeBoxMismatch(VaultError):
    """A sealed intake box was opened for a request other than the one it was sealed for."""


class InputRejected(VaultError):
    """An argument to a vault function has the wrong type, size or name."""


class BackupFailed(VaultError):
    """A backup could not be written completely; nothing partial is left behind."""


class RestoreRefused(VaultError):
    """A restore was refused before anything was written (wrong target, source or key)."""


class KekRetirementPending(VaultError):
    """The rotation finished, but this user may not make keyd forget the old KEK: the
    operator does it (`corridor keyd retire`)."""


class RotationIncomplete(VaultError):
    """A KEK rotation cannot finish while keys are still wrapped under an older KEK."""


# Both families, for the callers that report any vault failure the same way (a CLI
# printing its message, keyd answering a client); views never catch this.
VAULT_FAILURES: tuple[type[Exception], ...] = (VaultError, KeyFailure)
