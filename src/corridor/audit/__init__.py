"""The append-only audit log: RFC 6962 Merkle tree, signed tree heads, verification.

It holds ids and codes only, never personal data."""
