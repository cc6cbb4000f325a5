"""Who keyd gives a case's data key to: staff assigned to the case, or with a break-glass
reveal younger than REVEAL_LIFETIME; registered with the vault in CasesConfig.ready.

keyd runs this in its own process against a read-only database connection, so it
checks only what is committed: a service that records a reveal or an assignment must
commit it before it asks for the key (see `services.openings.open_case_for_work`). The key must
be the case's own (a web process asking for another case's key under this case's id
is refused), the case not erased, and the account active.
"""

from __future__ import annotations

import uuid

from django.db import connections

from corridor.accounts.models import Staff
from corridor.cases.access import REVEAL_LIFETIME
from corridor.cases.models import Case, CaseAssignment, CaseReveal
from corridor.core import clock
from corridor.vault.keyd.policy import UnwrapRequest, register_keyd_reads, register_unwrap_policy

# One constant statement, parameters apart: every unwrap for a person runs it, and
# building the same query through the ORM cost keyd several times its 1 ms budget.
# The table names are the models' (a test holds them equal).
_ALLOWED = """
SELECT 1 FROM cases_case c
WHERE c.id = %s AND c.key_id = %s AND c.erased_at IS NULL
  AND EXISTS (SELECT 1 FROM accounts_staff s WHERE s.id = %s AND s.is_active = %s)
  AND (
    EXISTS (
      SELECT 1 FROM cases_caseassignment a
      WHERE a.case_id = c.id AND a.staff_id = %s AND a.ended_at IS NULL
    )
    OR EXISTS (
      SELECT 1 FROM cases_casereveal r
      WHERE r.case_id = c.id AND r.staff_id = %s AND r.revealed_at >= %s
    )
  )
LIMIT 1
"""
TABLES = {
    "cases_case": Case,
    "accounts_staff": Staff,
    "cases_caseassignment": CaseAssignment,
    "cases_casereveal": CaseReveal,
}


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
    connection = connections[request.database]
    fields = Case._meta
    since = clock.now() - REVEAL_LIFETIME
    parameters = [
        fields.pk.get_db_prep_value(case_id, connection) if fields.pk else case_id,
        fields.get_field("key_id").get_db_prep_value(request.key_id, connection),
        staff_id,
        True,
        staff_id,
        staff_id,
        connection.ops.adapt_datetimefield_value(since),
    ]
    with connection.cursor() as cursor:
        cursor.execute(_ALLOWED, parameters)
        return cursor.fetchone() is not None


def register() -> None:
    register_unwrap_policy("cases.assigned_or_revealed", case_unwrap_policy)
    register_keyd_reads(
        {
            "cases_case": ("id", "key_id", "erased_at"),
            "accounts_staff": ("id", "is_active"),
            "cases_caseassignment": ("case_id", "staff_id", "ended_at"),
            "cases_casereveal": ("case_id", "staff_id", "revealed_at"),
        }
    )
