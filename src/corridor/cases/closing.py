"""What must be settled before a case closes, as data and one pure check (no database).

A case closed while a placement runs, a journey is planned or an incident is
open leaves someone without help and nobody watching. So closing lists what is
still running; each thing is ended, or kept running with the reason someone
gave. Contact protocols are not a choice: they stop when the case closes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from corridor.core.exceptions import InvalidInput

UNACCOUNTED = _(
    "Still running: %(items)s. End each one, or keep it running and say why, then close."
)
CANNOT_END_HERE = _("%(item)s cannot be ended from here: use its own page, or keep it running.")
KEEP_REASON_TOO_LONG = _("A reason holds at most 2,000 characters.")


class RunningKind(StrEnum):
    PLACEMENT = "placement"
    JOURNEY = "journey"
    TASK = "task"
    INCIDENT = "incident"
    APPLICATION = "application"


# What the checklist can end by itself: a placement ends today, a planned journey is
# cancelled, an action is marked done. An incident closes only on its own page (outcome
# and checklist); an application ends by recording what happened to it.
ENDABLE = frozenset({RunningKind.PLACEMENT, RunningKind.JOURNEY, RunningKind.TASK})


@dataclass(frozen=True)
class RunningItem:
    """One thing still running. `label` is codes and dates only: it reaches the page and
    the refusal sentence, which show no names."""

    kind: RunningKind
    object_id: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.object_id}"

    @property
    def endable(self) -> bool:
        return self.kind in ENDABLE


@dataclass(frozen=True)
class Disposition:
    """What closing does with one running thing: end it, or keep it for `reason`."""

    end: bool = False
    reason: str = ""


class ClosingUnaccounted(InvalidInput):
    """Something still runs and nobody said whether it ends or why it stays."""


def check_accounted(items: Sequence[RunningItem], dispositions: Mapping[str, Disposition]) -> None:
    """Refuse closing while any running thing is neither ended nor kept with a reason."""
    missing = []
    for item in items:
        choice = dispositions.get(item.key)
        if choice is not None and choice.end and not item.endable:
            raise ClosingUnaccounted(str(CANNOT_END_HERE % {"item": item.label}))
        if choice is not None and len(choice.reason) > 2000:
            raise ClosingUnaccounted(str(KEEP_REASON_TOO_LONG))
        if choice is None or not (choice.end or choice.reason.strip()):
            missing.append(item.label)
    if missing:
        raise ClosingUnaccounted(str(UNACCOUNTED % {"items": "; ".join(missing)}))
