"""A requester's own request, from the portal, to delete everything they sent.

The portal promises to carry it out after CORRIDOR_PORTAL_DELETION_DELAY_DAYS, so that
someone forced to ask can still say stop: until then the requester or a coordinator can
cancel it. Asking writes a message into the thread saying when it will happen. The
worker then erases the request; a request already accepted into a case is not erased
alone (the case holds the same person's data), it opens a two-person erasure task for
the case instead: a next action for the case's lead and an alert to every coordinator,
who ask for the erasure on the case page and a second coordinator approves it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from corridor.accounts.models import Staff, StaffAlert
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case, CaseAssignment
from corridor.cases.services.work import add_task
from corridor.core import clock
from corridor.core.actors import WORKER, RequesterActor
from corridor.core.exceptions import InvalidInput, NotAllowed
from corridor.core.tasks import corridor_task, enqueue_on_commit
from corridor.intake.errors import RequesterSessionGone
from corridor.intake.models import Author, Message, Request, RequesterSession, Stage, Status
from corridor.intake.selectors import active_codename
from corridor.intake.services._common import spend_form_token
from corridor.intake.services.erasure import _blank_request, _destroy_after_commit
from corridor.intake.services.messages import _next_position
from corridor.vault.intake import intake_key_of, seal_for_intake
from corridor.vault.keyd.worker_tasks import REQUESTER_DELETION
from corridor.vault.ledger import working_on
from corridor.vault.requester import seal_for_requester

NOTICE = _(
    "You asked us to delete everything you sent. We will do it on %(day)s. Until then you "
    "can cancel it on this page. If someone forced you to ask, cancel it, or write to us."
)
CANCELLED_NOTICE = _("Deleting everything you sent has been cancelled. Nothing was deleted.")
ALREADY_ASKED = _("Deletion is already planned.")
NOTHING_TO_CANCEL = _("No deletion is planned.")
COORDINATORS_ONLY = _("Only a coordinator can cancel a deletion.")
ERASURE_TASK = _(
    "The person asked from the portal for everything to be deleted. Ask for this case's "
    "erasure on its page; a second coordinator approves it."
)
# The alert every coordinator sees on their dashboard (accounts.StaffAlert.code).
ALERT_CODE = "deletion_asked_for_case"


def deletion_delay() -> timedelta:
    return timedelta(days=int(settings.CORRIDOR_PORTAL_DELETION_DELAY_DAYS))


def ask_for_deletion(
    *, actor: RequesterActor, session: RequesterSession, form_token: str
) -> datetime:
    """Plan the deletion of the session's request after the promised delay; a message in
    the thread says when. Returns the time it will happen."""
    if session.stage == Stage.CODENAME_DUE or session.held_key is None:
        raise RequesterSessionGone
    due = clock.now() + deletion_delay()
    with transaction.atomic():
        spend_form_token(form_token)
        request = Request.objects.select_for_update().get(pk=session.request_id)
        if request.status == Status.ERASED:
            raise RequesterSessionGone
        if request.deletion_due_at is not None:
            raise InvalidInput(str(ALREADY_ASKED))
        request.deletion_due_at = due
        request.save(update_fields=["deletion_due_at", "updated_at"])
        day = formats.date_format(due.date(), "j E Y")
        _tell_requester(request, str(NOTICE % {"day": day}))
        record_event(
            actor=actor,
            event=EventType.DELETION_ASKED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.pk),
            detail={"due": due.date().isoformat()},
        )
        enqueue_on_commit(carry_out_deletion_task, str(request.pk), run_after=due)
    return due


def cancel_deletion(*, actor: RequesterActor | Staff, request_id: uuid.UUID) -> None:
    """Cancel a planned deletion: the requester (from their own session) or a coordinator."""
    if isinstance(actor, Staff) and Role.COORDINATOR not in roles_of(actor):
        raise NotAllowed(str(COORDINATORS_ONLY))
    with transaction.atomic():
        request = Request.objects.select_for_update().get(pk=request_id)
        if request.deletion_due_at is None:
            raise InvalidInput(str(NOTHING_TO_CANCEL))
        request.deletion_due_at = None
        request.save(update_fields=["deletion_due_at", "updated_at"])
        _tell_requester(request, str(CANCELLED_NOTICE))
        record_event(
            actor=actor,
            event=EventType.DELETION_CANCELLED,
            object_type=ObjectType.REQUEST,
            object_id=str(request.pk),
        )


@corridor_task
def carry_out_deletion_task(request_id: str) -> None:
    """The delayed job queued when the requester asked (ids only)."""
    # keyd lets this task (from the worker's user) close the request with no one's ticket.
    with working_on(REQUESTER_DELETION):
        carry_out_deletion(request_id=uuid.UUID(request_id))


def carry_out_deletion(*, request_id: uuid.UUID) -> str:
    """Erase the request if its deletion is due and was not cancelled; for a request in a
    case, open the two-person erasure task instead. Returns what was done ("erased",
    "case_task" or "" if nothing was due); safe to run twice."""
    now = clock.now()
    with transaction.atomic():
        request = Request.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.deletion_due_at is None or request.deletion_due_at > now:
            return ""
        request.deletion_due_at = None
        if request.case_id is None:
            key_ids = _blank_request(request)
            record_event(
                actor=WORKER,
                event=EventType.REQUEST_ERASED,
                object_type=ObjectType.REQUEST,
                object_id=str(request.pk),
                reason="requester_asked",
            )
            _destroy_after_commit(key_ids)
            return "erased"
        request.save(update_fields=["deletion_due_at", "updated_at"])
        case = Case.objects.get(pk=request.case_id)
        if case.erased_at is None:
            _open_erasure_task(case)
        record_event(
            actor=WORKER,
            event=EventType.DELETION_REFERRED_TO_CASE,
            object_type=ObjectType.REQUEST,
            object_id=str(request.pk),
            case_id=case.ref,
        )
        return "case_task"


def _open_erasure_task(case: Case) -> None:
    lead = (
        CaseAssignment.objects.filter(case=case, lead=True, ended_at__isnull=True)
        .select_related("staff")
        .first()
    )
    add_task(
        actor=WORKER,
        case=case,
        title=str(ERASURE_TASK),
        due_on=clock.today(),
        assignee=lead.staff if lead is not None else None,
    )
    for staff_id in Staff.objects.filter(
        is_active=True, groups__name=Role.COORDINATOR.value
    ).values_list("pk", flat=True):
        StaffAlert.objects.create(staff_id=staff_id, code=ALERT_CODE, case_ref=case.ref)


def _tell_requester(request: Request, text: str) -> None:
    """A message from the team into the thread (caller's transaction): sealed to the
    intake key for the team, and to the codename's public key for the requester."""
    message_id = uuid.uuid4()
    body = text.encode("utf-8")
    # Who can decrypt: the key provider (team copy, filed under the request key on the
    # team's next read) and the codename's holder (their copy).
    for_team = seal_for_intake(body, str(message_id))
    codename = active_codename(request.pk)
    Message.objects.create(
        id=message_id,
        request=request,
        position=_next_position(request.pk),
        author=Author.TEAM,
        sent_on=clock.today(),
        sealed_body=for_team,
        sealed_to=intake_key_of(for_team),
        for_requester=seal_for_requester(bytes(codename.public_key), body) if codename else None,
        read_by_team_at=clock.now(),
    )
