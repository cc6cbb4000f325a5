"""The audit log's errors. Messages name the field at fault, never the value given
(a value passed by mistake may be personal data)."""

from corridor.core.exceptions import InvalidInput


class AuditEventInvalid(InvalidInput):
    """An event was refused before it was written: wrong actor, type, field or detail."""
