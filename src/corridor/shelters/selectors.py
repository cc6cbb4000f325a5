"""Occupancy: who is placed in a shelter on which night, and the beds left.

A placement occupies the nights from its first day up to the night before it ends
(`ends_on` is the morning of leaving); an open-ended one, every night from its start.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet

from corridor.cases.models import Phase, Placement
from corridor.core import clock
from corridor.shelters.models import CLOSED_TO_NEW, Shelter

BOARD_NIGHTS = 30


def is_registered_code(code: str) -> bool:
    """Whether `code` names a shelter of the registry, open or not."""
    return Shelter.objects.filter(code_name__iexact=code.strip()).exists()


def placements_over(
    shelter_id: uuid.UUID, first: date, last: date, *, excluding: uuid.UUID | None = None
) -> QuerySet[Placement]:
    """Placements in the shelter that occupy any night from `first` to `last`; a closed
    case's stay holds no bed (closing a case does not end its placements)."""
    found = (
        Placement.objects.filter(shelter_id=shelter_id, starts_on__lte=last)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gt=first))
        .exclude(case__phase=Phase.CLOSED)
    )
    if excluding is not None:
        found = found.exclude(pk=excluding)
    return found.select_related("case")


def occupies(placement: Placement, night: date) -> bool:
    return placement.starts_on <= night and (placement.ends_on is None or night < placement.ends_on)


def beds_of(placement: Placement) -> int:
    """Beds a placement takes: its people, or one for an older one that named none."""
    return max(placement.beds, 1)


@dataclass
class Night:
    night: date
    refs: list[str] = field(default_factory=list)
    used: int = 0
    free: int = 0


@dataclass
class BoardRow:
    shelter: Shelter
    nights: list[Night]


def shelters() -> QuerySet[Shelter]:
    return Shelter.objects.all()


def occupancy_board(*, first: date | None = None, nights: int = BOARD_NIGHTS) -> list[BoardRow]:
    """Per shelter and night, the case references placed and the free beds."""
    start = first or clock.today()
    days = [start + timedelta(days=offset) for offset in range(nights)]
    rows: list[BoardRow] = []
    for shelter in Shelter.objects.all():
        placed = list(placements_over(shelter.pk, days[0], days[-1]))
        row: list[Night] = []
        for day in days:
            here = [p for p in placed if occupies(p, day)]
            used = sum(beds_of(p) for p in here)
            row.append(
                Night(
                    night=day,
                    refs=sorted({p.case.ref for p in here}),
                    used=used,
                    free=max(shelter.capacity - used, 0),
                )
            )
        rows.append(BoardRow(shelter=shelter, nights=row))
    return rows


def open_shelters() -> QuerySet[Shelter]:
    """Shelters a new placement may go to."""
    return Shelter.objects.exclude(status__in=[str(status) for status in CLOSED_TO_NEW])
