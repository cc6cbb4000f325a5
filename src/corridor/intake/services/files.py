"""Files a requester sends from the portal thread, and their way into the case.

    send_requester_file(actor=requester, session=session, holder=cookie_key,
                        data=upload_bytes, text="...", form_token=token)
    carry_request_files(actor=staff, request=request, case=case, person=person, key=key)

Only where the organisation allows it (CORRIDOR_PORTAL_UPLOADS, off by default). The
upload is kept in memory (core.uploads), its type decided from its content, stripped
(people.sanitise; a PDF is always rebuilt from pictures of its pages) and sealed to the
intake key like a message, since the portal holds no data key. When the request is
carried into its case (intake.services.carrying), each file is opened and sealed under
the case key as one of the person's document files, and the intake box is emptied.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case
from corridor.core import clock
from corridor.core.actors import Actor, RequesterActor
from corridor.core.exceptions import InvalidInput
from corridor.intake.errors import MessageInvalid, RequesterSessionGone
from corridor.intake.models import Request, RequesterSession, RequestFile, Stage
from corridor.intake.services._common import (
    refuse_spent_form_token,
    spend_form_token,
    start_of_today,
    take_or_refuse,
)
from corridor.intake.services.messages import send_requester_message
from corridor.intake.throttles import session_bucket
from corridor.people.document_files import store_clean_file
from corridor.people.models import Person
from corridor.people.sanitise import Sanitised, sanitise
from corridor.vault.datakey import DataKey
from corridor.vault.intake import intake_key_of, seal_for_intake
from corridor.vault.providers import key_provider

FILES_OFF = _("We cannot accept files or photos here. Nothing was sent. Describe things in words.")
FILE_TOO_LARGE = _("The file is larger than %(size)d MB. Nothing was sent. Send a smaller photo.")
FROM_PORTAL = _("Sent from the portal")


def portal_uploads_allowed() -> bool:
    return bool(getattr(settings, "CORRIDOR_PORTAL_UPLOADS", False))


def send_requester_file(
    *,
    actor: RequesterActor,
    session: RequesterSession,
    holder: bytes,
    data: bytes,
    text: str,
    form_token: str,
) -> RequestFile:
    """Strip and seal a file from the requester (with their message, if `text`); the file
    and the message are stored together or not at all. MessageInvalid says why not."""
    if not portal_uploads_allowed():
        raise MessageInvalid(str(FILES_OFF))
    if session.stage == Stage.CODENAME_DUE or session.held_key is None:
        raise RequesterSessionGone
    limit = int(settings.CORRIDOR_MAX_DOCUMENT_BYTES)
    if len(data) > limit:
        raise MessageInvalid(str(FILE_TOO_LARGE % {"size": limit // (1024 * 1024)}))
    # A replayed form is refused before its file costs a drawing (it is spent again, for
    # good, in the transaction below).
    refuse_spent_form_token(form_token)
    try:
        # A PDF from the portal is always drawn and rebuilt: nobody chose to trust it.
        clean = sanitise(data, rebuild_pdf=True)
    except InvalidInput as refused:
        raise MessageInvalid(str(refused)) from None
    file_id = uuid.uuid4()
    sealed = seal_for_intake(clean.content, str(file_id))
    with transaction.atomic():
        if text.strip():
            # The message spends the form's token and takes from the session's budget.
            send_requester_message(
                actor=actor, session=session, holder=holder, text=text, form_token=form_token
            )
        else:
            take_or_refuse(
                [session_bucket("message", session.digest)], limit="message", source=actor.source
            )
            spend_form_token(form_token)
        row = RequestFile.objects.create(
            id=file_id,
            request_id=session.request_id,
            sent_on=start_of_today().date(),
            media_type=clean.media_type,
            size=len(clean.content),
            sealed_content=sealed,
            sealed_to=intake_key_of(sealed),
        )
        record_event(
            actor=actor,
            event=EventType.REQUEST_FILE_RECEIVED,
            object_type=ObjectType.REQUEST,
            object_id=str(session.request_id),
            detail={"file": str(row.pk), "type": clean.media_type, "bytes": row.size},
        )
    return row


def carry_request_files(
    *, actor: Actor, request: Request, case: Case, person: Person, key: DataKey
) -> int:
    """Seal the request's waiting files under the case key as `person`'s document files
    (caller's transaction); returns how many. The intake boxes are emptied."""
    carried = 0
    waiting = RequestFile.objects.select_for_update().filter(
        request=request, carried_at__isnull=True, sealed_content__isnull=False
    )
    for row in waiting.order_by("sent_on", "id"):
        sealed = row.sealed_content
        if sealed is None:
            continue
        content = key_provider().open_intake(bytes(sealed), str(row.pk))
        store_clean_file(
            actor=actor,
            person=person,
            key=key,
            clean=Sanitised(row.media_type, content),
            title=str(FROM_PORTAL),
            case_ref=case.ref,
        )
        row.sealed_content = None
        row.sealed_to = None
        row.carried_at = clock.now()
        row.save(update_fields=["sealed_content", "sealed_to", "carried_at"])
        carried += 1
    return carried


def files_waiting(case: Case) -> list[Request]:
    """Requests accepted into `case` with files still in their intake boxes."""
    ids = (
        RequestFile.objects.filter(
            request__case=case, carried_at__isnull=True, sealed_content__isnull=False
        )
        .values_list("request_id", flat=True)
        .distinct()
    )
    return list(Request.objects.filter(pk__in=list(ids)))
