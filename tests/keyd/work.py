"""Opening a case for work the way the case page does: an opening for this session, then the
page's read (which is what asks keyd for the key)."""

from __future__ import annotations

from corridor.accounts.models import Staff
from corridor.cases.access import OpenedCase, access_case_page, is_assigned
from corridor.cases.models import Case
from corridor.cases.services.openings import open_case_for_work

SESSION = "keyd-test-session"


def open_for_work(staff: Staff, case: Case) -> OpenedCase:
    reason = "" if is_assigned(staff, case) else "supervision"
    open_case_for_work(actor=staff, case=case, session_key=SESSION, reason=reason)
    opened = access_case_page(staff, case, page="test", session_key=SESSION)
    assert opened is not None
    return opened
