"""Scans of an application's documents are shredded a set time after its decision.

A person's stored files are due once an application of theirs was decided (granted or
denied) `CORRIDOR_SHRED_SCANS_AFTER_DAYS` days ago or more, counted from the latest such
decision, and no other application of theirs is still open (a draft, one waiting for a
decision, or an appeal): its documents may yet be asked for. A file a caseworker kept
with a reason stays. The worker runs this every six hours; it needs no key, since
deleting ciphertext needs none.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from corridor.core import clock
from corridor.core.tasks import periodic
from corridor.pathways.models import APPLICATION_DECIDED, Application, ApplicationStatus
from corridor.people.file_keeping import shred_file
from corridor.people.models import DocumentFile

# Applications that no longer need documents: decided, or withdrawn.
_CLOSED = frozenset(APPLICATION_DECIDED | {ApplicationStatus.WITHDRAWN})


def shred_after_days() -> int:
    return int(settings.CORRIDOR_SHRED_SCANS_AFTER_DAYS)


def files_due(today: date) -> list[DocumentFile]:
    """The files to shred on `today` (kept ones never among them): a person's scans made
    up to their last decided application, once it is old enough and none is still open.
    A scan added after that decision is for what comes next, and stays."""
    cutoff = today - timedelta(days=shred_after_days())
    # `people__isnull=False` everywhere: an application naming nobody would put a NULL in
    # `NOT IN (...)`, which matches no row and would stop shredding for everyone.
    last_decided: dict[Any, date] = dict(
        Application.objects.filter(
            status__in=APPLICATION_DECIDED, decided_on__isnull=False, people__isnull=False
        )
        .values("people")
        .annotate(last=Max("decided_on"))
        .filter(last__lte=cutoff)
        .values_list("people", "last")
    )
    still_open = set(
        Application.objects.exclude(status__in=_CLOSED)
        .filter(people__isnull=False)
        .values_list("people", flat=True)
    )
    candidates = DocumentFile.objects.filter(
        person__in=[person for person in last_decided if person not in still_open],
        kept_at__isnull=True,
    ).select_related("person")
    return [
        file
        for file in candidates
        if timezone.localdate(file.created_at) <= last_decided[file.person_id]
    ]


def shred_due_scans(today: date | None = None) -> int:
    """Shred every file due on `today`; returns how many."""
    due = files_due(today or clock.today())
    for file in due:
        shred_file(file=file, reason="application_decided")
    return len(due)


@periodic("pathways.shred_decided_scans", every=timedelta(hours=6))
def shred_decided_scans() -> None:
    """Shred the scans of decided applications past their keeping time."""
    shred_due_scans()
