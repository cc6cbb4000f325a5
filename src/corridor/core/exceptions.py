"""Base exceptions every app derives its own from."""


class CorridorError(Exception):
    """Base of Corridor's own errors; the message is safe to show to staff."""


class NotFound(CorridorError):
    """The object does not exist or the actor may not see it (the two are never told apart)."""


class NotAllowed(CorridorError):
    """The actor may not perform this action."""


class InvalidInput(CorridorError):
    """Input failed validation; the message names what to fix."""


class KeysUnavailable(CorridorError):
    """Keys cannot be used right now: the key service is sealed or cannot be reached.

    Work that needs a key waits (a page answers 503, a task is parked) instead of
    failing for good; `waiting_for` says what it waits for.
    """

    waiting_for = "unseal"
