"""The ways intake refuses, each with a message safe to show (no personal data in any)."""

from __future__ import annotations

from corridor.core.exceptions import CorridorError, InvalidInput, NotAllowed, NotFound


class RequestNotFound(NotFound):
    """No such request, or the actor may not see it (never told apart)."""


class RequesterSessionGone(NotFound):
    """The portal session does not exist, has expired, or is not at the needed step."""


class PortalBusy(CorridorError):
    """Too many requests wait to be screened: new ones are refused for a while."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many requests are waiting to be read.")
        self.retry_after = retry_after


class TooManyAttempts(CorridorError):
    """A rate limit refused the action before anything was computed or stored."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("Too many attempts; try again later.")
        self.retry_after = retry_after


class PortalSaturated(CorridorError):
    """Everyone together used the portal's shared budget: wait a moment (not a refusal)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("The portal is busy; wait a moment.")
        self.retry_after = retry_after


class FormAlreadyUsed(CorridorError):
    """The form was already acted on (sent twice, or replayed)."""


class CodenameUnavailable(CorridorError):
    """The key provider cannot derive codenames right now (sealed or unreachable)."""


class NoCodename(NotAllowed):
    """The request has no codename yet, so nothing can be sealed for the requester."""


class MessageInvalid(InvalidInput):
    """A message is empty or too long."""


class WatchEntryNotFound(NotFound):
    """No such watchlist entry, or it was removed."""


class WatchlistForbidden(NotAllowed):
    """Only coordinators may see or change the watchlist."""
