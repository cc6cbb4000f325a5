"""The daily digest's job: routine alerts, and what else waits for each person (
"overdue tasks, requests waiting, route changes affecting one's cases"), counted here
where cases and intake can be read; accounts.oncall sends it, a number only."""

from __future__ import annotations

from datetime import timedelta

from corridor.accounts import oncall
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.accounts.selectors import roles_of
from corridor.cases.dashboards import list_my_cases_by_danger
from corridor.core import clock
from corridor.core.tasks import periodic
from corridor.intake.selectors import INBOX_ROLES, count_waiting_requests


def waiting_for(staff: Staff) -> int:
    """Requests unopened or with unread messages (for those who screen them) and one's
    cases with overdue tasks (for those who work cases)."""
    roles = roles_of(staff)
    count = 0
    if roles & INBOX_ROLES:
        count += count_waiting_requests(staff, today=clock.today())
    if roles & {Role.CASEWORKER, Role.COORDINATOR}:
        count += sum(1 for row in list_my_cases_by_danger(staff) if row.signals.overdue_tasks)
    return count


@periodic("operations.daily_digest", every=timedelta(hours=1))
def daily_digest() -> None:
    oncall.send_digests(also_waiting=waiting_for)
