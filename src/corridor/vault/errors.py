"""One named exception per way the vault can refuse, all under `VaultError`.

Messages name what went wrong and never quote key material, plaintext or
ciphertext, so they are safe in logs and on an operator's terminal.
"""

from corridor.core.exceptions import CorridorError


class VaultError(CorridorError):
    """Base of every vault failure."""


class DecryptionFailed(VaultError):
    """A ciphertext did not authenticate: it was altered, truncated or moved from elsewhere."""


class KeyMismatch(DecryptionFailed):
    """A value sealed under one data key was offered another key."""


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


class VaultSealed(VaultError):
    """The key provider is running but sealed: an operator must unseal it first."""


class KeyProviderUnavailable(VaultError):
    """The configured key provider cannot be reached or is not allowed here."""


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


class RotationIncomplete(VaultError):
    """A KEK rotation cannot finish while keys are still wrapped under an older KEK."""
