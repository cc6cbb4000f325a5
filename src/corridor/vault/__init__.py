"""All of Corridor's cryptography: AEAD, the key hierarchy, key providers, blind indexes,
encrypted fields and sealed boxes. The only importer of `cryptography` and `nacl`."""
