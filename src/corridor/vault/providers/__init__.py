"""Key providers and the one function that picks the configured one.

from corridor.vault.providers import key_provider
blob = key_provider().wrap(key_id=key_id, purpose="data", key=dek)
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from corridor.vault.errors import KeyProviderUnavailable
from corridor.vault.providers.base import (
    KekAdministration,
    KeyProvider,
    Signature,
    WrappedBlob,
)
from corridor.vault.providers.file import FileKeyProvider
from corridor.vault.providers.keyd import KeydKeyProvider

__all__ = [
    "KekAdministration",
    "KeyProvider",
    "Signature",
    "WrappedBlob",
    "check_key_provider",
    "kek_administration",
    "key_provider",
]

FILE_REFUSED = (
    "The file key provider keeps the key on disk and is refused in production; "
    "use CORRIDOR_KEY_PROVIDER=keyd."
)
_file_providers: dict[Path, FileKeyProvider] = {}


def key_provider() -> KeyProvider:
    """The provider settings.CORRIDOR_KEY_PROVIDER names (read at call time)."""
    name = settings.CORRIDOR_KEY_PROVIDER
    if name == "file":
        if settings.CORRIDOR_ENV == "production":
            raise KeyProviderUnavailable(FILE_REFUSED)
        data_dir = Path(settings.CORRIDOR_DATA_DIR)
        provider = _file_providers.get(data_dir)
        if provider is None:
            provider = _file_providers[data_dir] = FileKeyProvider(data_dir)
        return provider
    if name == "keyd":
        return KeydKeyProvider()
    raise KeyProviderUnavailable(f"Unknown key provider {name!r}.")


def kek_administration() -> KekAdministration:
    """The configured provider's KEK operations, or KeyProviderUnavailable if it has none."""
    provider = key_provider()
    if not isinstance(provider, KekAdministration):
        raise KeyProviderUnavailable(
            f"The {provider.name} provider does not manage its KEK from here."
        )
    return provider


def check_key_provider() -> str:
    """What `serve` and `worker` check before they start: the provider can be used.

    keyd must answer (KeydUnreachable otherwise); sealed is allowed, because pages that
    need no key keep working and the others answer 503 until the trustees unseal it.
    Returns "sealed", "unsealed" or the provider's name.
    """
    provider = key_provider()
    if isinstance(provider, KeydKeyProvider):
        return "sealed" if provider.probe() else "unsealed"
    return provider.name
