"""Documents that expire too soon for the journey: a warning on the case.

Many borders and embassies want a passport valid six months past the day of travel, and a
visa or a summons that lapses before departure changes the plan. A document expiring
within six months of the case's next planned departure (or of today, when no journey is
planned) is a warning naming its kind and its date, never its number.

    expiry_warnings(documents=[(kind, expires_on), ...], departure=..., today=...)  # pure
    case_expiry_warnings(case)                                                       # reads
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from corridor.cases.models import Case, LegKind, TravelLeg
from corridor.core import clock
from corridor.people.models import DocumentKind, IdentityDocument

# A document must outlast the journey by this much: consulates and border guards refuse
# passports that expire soon after the intended stay (the Schengen rule is 3 months
# after leaving; 6 leaves room for a visa decision that comes late).
MONTHS_AHEAD = 6


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months on (31 August + 6 = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ExpiryWarning:
    person_id: Any
    kind: str
    expires_on: date
    departure: date | None  # None: measured from today, no journey is planned
    expired: bool  # already past its date on the day measured from

    @property
    def sentence(self) -> str:
        """In the active language; the kind and the date, never the number."""
        values = {
            "kind": DocumentKind(self.kind).label,
            "date": self.expires_on.isoformat(),
            "departure": self.departure.isoformat() if self.departure else "",
        }
        if self.departure is not None:
            if self.expired:
                return (
                    _(
                        "%(kind)s expires on %(date)s, before the planned departure on "
                        "%(departure)s."
                    )
                    % values
                )
            return (
                _(
                    "%(kind)s expires on %(date)s, less than six months after the planned "
                    "departure on %(departure)s."
                )
                % values
            )
        if self.expired:
            return _("%(kind)s expired on %(date)s.") % values
        return (
            _("%(kind)s expires on %(date)s, within six months, and no journey is planned yet.")
            % values
        )


def expiry_warnings(
    *,
    documents: Iterable[tuple[Any, str, date | None]],
    departure: date | None,
    today: date,
) -> list[ExpiryWarning]:
    """The warnings for (person id, kind, expires_on) rows: each expiry before six months
    after `departure` (or `today` when None), soonest first. No expiry, no warning."""
    start = departure if departure is not None and departure >= today else None
    measured_from = start or today
    limit = add_months(measured_from, MONTHS_AHEAD)
    warnings = [
        ExpiryWarning(
            person_id=person_id,
            kind=kind,
            expires_on=expires_on,
            departure=start,
            expired=expires_on < measured_from,
        )
        for person_id, kind, expires_on in documents
        if expires_on is not None and expires_on < limit
    ]
    return sorted(warnings, key=lambda warning: (warning.expires_on, warning.kind))


def next_departure(case: Case, today: date) -> date | None:
    """The day documents are judged against: the case's next planned journey out of the
    country (not done, not cancelled, not past); without one, its next planned journey of
    any kind. One day for expiry warnings, checklists and readiness alike."""
    planned = TravelLeg.objects.filter(
        case=case, completed_on__isnull=True, cancelled_on__isnull=True, travel_on__gte=today
    ).order_by("travel_on")
    leg = planned.filter(kind=LegKind.EXIT_COUNTRY).first() or planned.first()
    return leg.travel_on if leg else None


def case_expiry_warnings(case: Case, *, today: date | None = None) -> list[ExpiryWarning]:
    """The expiry warnings of everyone on the case now (plain columns only)."""
    today = today or clock.today()
    rows = IdentityDocument.objects.filter(
        person__memberships__case=case,
        person__memberships__left_at__isnull=True,
        expires_on__isnull=False,
    ).values_list("person_id", "kind", "expires_on")
    return expiry_warnings(documents=rows, departure=next_departure(case, today), today=today)
