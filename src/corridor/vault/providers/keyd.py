"""The `keyd` key provider: a separate, sealed key process behind a Unix socket.

The client lives with the daemon in `corridor.vault.keyd` (server, wire protocol,
policies, limits, log); this module keeps the provider where the others are.
"""

from corridor.vault.keyd.client import KeydKeyProvider

__all__ = ["KeydKeyProvider"]
