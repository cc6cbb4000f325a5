"""What the person agreed to about sharing their data, as a rule (pure, no database).

Every path that sends a person's data outside the organisation — a referral to a
partner, a co-verification, a case handed over — asks `check_sharing` first: "no"
refuses, "ask me first" goes out only with a recorded confirmation that the person
agreed to this one, and a case with no recorded answer counts as "ask me first".
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from corridor.cases.models import SharingChoice
from corridor.core.exceptions import NotAllowed

SHARING_REFUSED = _(
    "The person said no to sharing their data with other organisations or governments. "
    "Nothing was sent. Ask them again first, and record their new answer."
)
CONFIRMATION_NEEDED = _(
    "The person asked to be asked first. Confirm that they agreed to this, then try again."
)


class SharingRefused(NotAllowed):
    """The person's answer forbids this sharing, or it needs their confirmation first."""

    def __init__(self, message: str, *, needs_confirmation: bool) -> None:
        super().__init__(message)
        self.needs_confirmation = needs_confirmation


def check_sharing(share: str, *, confirmed: bool) -> None:
    """SharingRefused unless the person's answer `share` allows this sharing now."""
    if share == SharingChoice.YES:
        return
    if share == SharingChoice.NO:
        raise SharingRefused(str(SHARING_REFUSED), needs_confirmation=False)
    if not confirmed:
        raise SharingRefused(str(CONFIRMATION_NEEDED), needs_confirmation=True)
