"""Base exceptions every app derives its own from."""


class CorridorError(Exception):
    """Base of Corridor's own errors; the message is safe to show to staff."""


class NotFound(CorridorError):
    """The object does not exist or the actor may not see it (the two are never told apart)."""


class NotAllowed(CorridorError):
    """The actor may not perform this action."""


class InvalidInput(CorridorError):
    """Input failed validation; the message names what to fix."""


class AppendOnlyViolation(CorridorError):
    """Code tried to change or delete a row of an append-only table (core.models)."""


class KeyFailure(Exception):
    """A key or integrity failure: nothing the person typed caused it or can fix it.

    Deliberately *not* a CorridorError: a view's `except CorridorError` turns a user's
    mistake into the form again with a 400, and must never swallow a refused key, a
    sealed key service or a ciphertext that failed its check. These reach the
    middleware (corridor.web.key_failures), which audits, alerts and answers 503.
    `kind` is one of KEY_FAILURE_KINDS.
    """

    kind = "refused"


class KeysUnavailable(KeyFailure):
    """Keys cannot be used right now: the key service is sealed or cannot be reached.

    Work that needs a key waits (a page answers 503, a task is parked) instead of
    failing for good; `waiting_for` says what it waits for.
    """

    kind = "sealed"
    waiting_for = "unseal"


# sealed: trustees must unseal; unavailable: keyd is not running or not reachable;
# refused: keyd would not give this person the key; integrity: a stored value failed
# its authentication check (altered, swapped or restored from elsewhere).
KEY_FAILURE_KINDS = ("sealed", "unavailable", "refused", "integrity")
