"""Writes to intake, one module per sub-domain; each function is atomic, names its actor
and records its audit event in the same transaction."""
