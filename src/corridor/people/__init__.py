"""The identity vault: persons, their contact protocols; decrypted only through access_*."""
