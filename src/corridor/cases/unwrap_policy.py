"""Who keyd gives a case's data key to: staff assigned to the case, or with a break-glass
reveal younger than REVEAL_LIFETIME; registered with the vault in CasesConfig.ready.

keyd runs this in its own process against a read-only database connection, so it
checks only what is committed: a service that records a reveal or an assignment must
commit it before it asks for the key (see `access.open_case_for_work`). The key must
be the case's own (a web process asking for another case's key under this case's id
is refused), the case not erased, and the account active.
"""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef

from corridor.accounts.models import Staff
from corridor.cases.access import REVEAL_LIFETIME
from corridor.cases.models import Case, CaseAssignment, CaseReveal
from corridor.core import clock
from corridor.vault.keyd.policy import UnwrapRequest, register_unwrap_policy


def case_unwrap_policy(request: UnwrapRequest) -> bool:
    """True if `request` names an active staff member assigned to (or revealing) the case
    whose data key it asks for."""
    staff_id = request.staff_id
    if staff_id is None or request.case_id is None:
        return False
    try:
        case_id = uuid.UUID(request.case_id)
    except ValueError:
        return False
    database = request.database
    since = clock.now() - REVEAL_LIFETIME
    assigned = CaseAssignment.objects.using(database).filter(
        case=OuterRef("pk"), staff_id=staff_id, ended_at__isnull=True
    )
    revealed = CaseReveal.objects.using(database).filter(
        case=OuterRef("pk"), staff_id=staff_id, revealed_at__gte=since
    )
    active = Staff.objects.using(database).filter(pk=staff_id, is_active=True)
    return (
        Case.objects.using(database)
        .filter(pk=case_id, key_id=request.key_id, erased_at__isnull=True)
        .filter(Exists(active))
        .filter(Exists(assigned) | Exists(revealed))
        .exists()
    )


def register() -> None:
    register_unwrap_policy("cases.assigned_or_revealed", case_unwrap_policy)
