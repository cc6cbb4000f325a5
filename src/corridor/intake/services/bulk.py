"""Declining or redirecting many requests in one action, with a reply from a template.

    outcome = decline_many(actor=verifier, request_ids=[...], situation=Situation.FLOOD)

Each request goes through record_decision on its own (its own transaction and audit
entry, the template's code in the entry's detail), so one that someone decided a moment
ago, or that is not screened yet, is left as it is and named in `skipped`; the others
are declined. Redirecting ("another organisation can help") shares nothing: the person
is told where to look, and the request is declined here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from corridor.accounts.models import Staff
from corridor.accounts.selectors import roles_of
from corridor.core.exceptions import CorridorError, InvalidInput, NotAllowed
from corridor.intake.models import Outcome
from corridor.intake.replies import Situation, reply_text
from corridor.intake.selectors import SCREENING_ROLES, requests_visible_to
from corridor.intake.services.decisions import NOT_A_VERIFIER, record_decision

# More than a page of the inbox at once is more than anyone has looked at.
BULK_LIMIT = 200
NONE_CHOSEN = _("Tick the requests to decline first.")
SITUATION_INVALID = _("Choose the reply that fits these requests.")


@dataclass
class BulkOutcome:
    declined: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def decline_many(*, actor: Staff, request_ids: Sequence[uuid.UUID], situation: str) -> BulkOutcome:
    """Decline each request with the situation's reply; references declined and skipped.
    Raises NotAllowed or InvalidInput (nothing written) when the action itself is wrong."""
    if not roles_of(actor) & SCREENING_ROLES:
        raise NotAllowed(str(NOT_A_VERIFIER))
    if situation not in Situation.values:
        raise InvalidInput(str(SITUATION_INVALID))
    chosen = list(dict.fromkeys(request_ids))
    if not chosen:
        raise InvalidInput(str(NONE_CHOSEN))
    if len(chosen) > BULK_LIMIT:
        raise InvalidInput(
            ngettext(
                "Decline at most %(limit)s request at once.",
                "Decline at most %(limit)s requests at once.",
                BULK_LIMIT,
            )
            % {"limit": BULK_LIMIT}
        )
    text = reply_text(Situation(situation))
    visible = requests_visible_to(actor).filter(pk__in=chosen)
    references = dict(visible.values_list("pk", "reference"))
    outcome = BulkOutcome()
    for request_id in chosen:
        if request_id not in references:
            continue  # unknown, or not the actor's to see: nothing to name
        try:
            record_decision(
                actor=actor,
                request_id=request_id,
                outcome=Outcome.DECLINE,
                note=str(Situation(situation).label),
                message=text,
                template=situation,
            )
        except CorridorError:
            outcome.skipped.append(references[request_id])
        else:
            outcome.declined.append(references[request_id])
    return outcome
