"""Protected reads of staff accounts and of a person's own sealed data (form drafts,
notification addresses): missing and forbidden look the same, and opening a sealed value
happens only here, recorded in the same transaction."""

from __future__ import annotations

from django.db import transaction

from corridor.accounts.events import record_security_event
from corridor.accounts.models import Draft, NotificationChannel, Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.audit.events import EventType
from corridor.core.actors import WORKER
from corridor.core.exceptions import NotFound
from corridor.vault import keys as vault_keys
from corridor.vault.keyd.worker_tasks import DELIVER_NOTIFICATION
from corridor.vault.ledger import working_on
from corridor.vault.opening import open_field


class StaffNotFound(NotFound):
    """No such account, or the actor may not manage accounts."""


def access_staff_by_id(actor: Staff, staff_id: int) -> Staff:
    """An account for an administrator to manage."""
    if Role.ADMIN not in roles_of(actor):
        raise StaffNotFound
    staff = Staff.objects.filter(pk=staff_id).first()
    if staff is None:
        raise StaffNotFound
    return staff


def access_draft_by_form(staff: Staff, form_path: str) -> dict[str, str] | None:
    """The person's own draft of this form, opened (and the read recorded), or None."""
    draft = Draft.objects.filter(staff=staff, form_path=form_path).first()
    if draft is None or draft.fields is None or draft.key_id is None:
        return None
    key = vault_keys.data_key(draft.key_id, for_actor=staff.actor_id, case_id=None)
    with transaction.atomic():
        opened = open_field(draft.fields, key=key)
        record_security_event(
            actor=staff,
            event=EventType.DRAFT_RESTORED,
            subject_id=staff.pk,
            detail={"draft": str(draft.pk)},
        )
    if not isinstance(opened, dict):
        return None
    return {str(name): str(value) for name, value in opened.items()}


def access_channel_target(channel: NotificationChannel) -> dict[str, str]:
    """Where the worker delivers a notification (an address or number), opened under the
    worker's ticket; the read is recorded against the channel's owner."""
    if channel.key_id is None or channel.target is None:
        return {}
    with working_on(DELIVER_NOTIFICATION):
        key = vault_keys.data_key(channel.key_id, for_actor=WORKER.actor_id, case_id=None)
    with transaction.atomic():
        opened = open_field(channel.target, key=key)
        record_security_event(
            actor=WORKER,
            event=EventType.NOTIFICATION_TARGET_READ,
            subject_id=channel.staff_id,
            detail={"channel": str(channel.pk), "channel_kind": channel.kind},
        )
    return {str(k): str(v) for k, v in opened.items()} if isinstance(opened, dict) else {}
