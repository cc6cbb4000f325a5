"""A scan that came through a messenger is still on that phone and in that chat: a seized
phone gives it away. Recording the arrival adds a task to delete it there."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from corridor.accounts.models import Staff
from corridor.audit.events import EventType
from corridor.audit.objects import ObjectType
from corridor.audit.services import record_event
from corridor.cases.models import Case, Task
from corridor.cases.services.work import add_task
from corridor.core import clock
from corridor.people.models import DocumentFile
from corridor.vault.datakey import DataKey

# The task is due the next day: deleting it is quick, and the phone is the risk.
DELETE_WITHIN = timedelta(days=1)


@transaction.atomic
def record_messenger_arrival(
    *, actor: Staff, case: Case, file: DocumentFile, key: DataKey, language: str = "en"
) -> Task:
    """Mark `file` as arrived by messenger and give `actor` the task of deleting it from
    the phone and the messenger it came through (the title is sealed like every task's)."""
    DocumentFile.objects.filter(pk=file.pk).update(arrived_by_messenger=True)
    file.arrived_by_messenger = True
    with override(language):
        kind = file.document.get_kind_display() if file.document else ""
        title = (
            _("Delete the scan (%(kind)s) from the phone and the messenger it came through")
            % {"kind": kind}
            if kind
            else _("Delete the scan from the phone and the messenger it came through")
        )
    task = add_task(
        actor=actor,
        case=case,
        title=title,
        due_on=clock.today() + DELETE_WITHIN,
        assignee=actor,
        key=key,
    )
    record_event(
        actor=actor,
        event=EventType.DOCUMENT_FILE_FROM_MESSENGER,
        object_type=ObjectType.DOCUMENT_FILE,
        object_id=str(file.pk),
        case_id=case.ref,
        detail={"task": str(task.pk)},
    )
    return task
