"""The person changes their answer on sharing from their portal conversation.

    record_sharing_answer(actor=requester, session=session, share="no", form_token=token)

Before a case exists the answer waits on the request (a code: it says nothing about who
they are) and is carried with the rest; once the request is in a case it becomes the
case's answer in force at once, so a referral asked for a minute later follows it.
"""

from __future__ import annotations

from django.db import transaction

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import ConsentSource, SharingChoice
from corridor.cases.services.consent import SHARE_INVALID, current_consent, record_consent
from corridor.core.actors import RequesterActor
from corridor.core.exceptions import InvalidInput
from corridor.intake.errors import RequesterSessionGone
from corridor.intake.models import Request, RequesterSession, Stage
from corridor.intake.services._common import spend_form_token


def record_sharing_answer(
    *, actor: RequesterActor, session: RequesterSession, share: str, form_token: str
) -> None:
    """Keep the person's new answer (yes, ask first, no); raises InvalidInput,
    RequesterSessionGone or FormAlreadyUsed before anything is written."""
    if session.stage == Stage.CODENAME_DUE or session.held_key is None:
        raise RequesterSessionGone
    if share not in SharingChoice.values:
        raise InvalidInput(str(SHARE_INVALID))
    with transaction.atomic():
        spend_form_token(form_token)
        request = Request.objects.select_for_update().get(pk=session.request_id)
        request.sharing_changed_to = share
        request.save(update_fields=["sharing_changed_to", "updated_at"])
        record_event(
            actor=actor,
            event=EventType.SHARING_CHANGED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.id),
            detail={"share": share},
        )
        if request.case is not None and request.carried_at is not None:
            before = current_consent(request.case)
            record_consent(
                actor=actor,
                case=request.case,
                keep=before.keep if before is not None else True,
                share=share,
                source=ConsentSource.PERSON,
            )
