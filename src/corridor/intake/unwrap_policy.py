"""Who keyd gives a request's (or a watchlist entry's) data key to; registered with the
vault in IntakeConfig.ready. The worker principal needs no policy: keyd serves the
system principals it is configured with.

- verifiers and coordinators, for a request still in screening or verification;
- the hotline operator who recorded a request, until it is screened;
- staff assigned to the case a request was accepted into (the thread carried across),
  while that case is not erased;

Never the key of an erased request (its row should name no key by then; this holds
even against a row restored or rewritten to name it again).
- coordinators, for a current watchlist entry.

One constant statement, parameters apart, read through keyd's read-only connection
(as cases/unwrap_policy.py does); the key must be the object's own.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connections

from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
from corridor.cases.models import Case, CaseAssignment
from corridor.intake.models import IN_SCREENING, UNSCREENED, Request, Status, WatchEntry
from corridor.vault.keyd.policy import UnwrapRequest, register_keyd_reads, register_unwrap_policy

# Sorted: the policy's SQL lists them in a stable order.
_IN_SCREENING = sorted(IN_SCREENING)
_UNSCREENED = sorted(UNSCREENED)
_HAS_ROLE = """EXISTS (
      SELECT 1 FROM accounts_staff_groups sg JOIN auth_group g ON g.id = sg.group_id
      WHERE sg.staff_id = s.id AND g.name IN ({names})
    )"""
_SCREENING_ROLE = _HAS_ROLE.format(names="%s, %s")
_COORDINATOR = _HAS_ROLE.format(names="%s")
_ALLOWED = f"""
SELECT 1 FROM accounts_staff s
WHERE s.id = %s AND s.is_active = %s AND (
  EXISTS (
    SELECT 1 FROM intake_request r WHERE r.id = %s AND r.key_id = %s AND r.status <> %s AND (
      (r.status IN ({", ".join(["%s"] * len(_IN_SCREENING))}) AND {_SCREENING_ROLE})
      OR (r.status IN (%s, %s) AND r.recorded_by_id = s.id)
      OR EXISTS (
        SELECT 1 FROM cases_caseassignment a JOIN cases_case c ON c.id = a.case_id
        WHERE a.case_id = r.case_id AND a.staff_id = s.id AND a.ended_at IS NULL
          AND c.erased_at IS NULL
      )
    )
  )
  OR EXISTS (
    SELECT 1 FROM intake_watchentry w
    WHERE w.id = %s AND w.key_id = %s AND w.removed_at IS NULL AND {_COORDINATOR}
  )
)
LIMIT 1
"""  # noqa: S608 - placeholders only; no value is formatted into the statement
TABLES = {
    "intake_request": Request,
    "intake_watchentry": WatchEntry,
    "cases_caseassignment": CaseAssignment,
    "cases_case": Case,
    "accounts_staff": Staff,
    "accounts_staff_groups": Staff.groups.through,
}


def request_unwrap_policy(request: UnwrapRequest) -> bool:
    """True if `request` names an active staff member who may hold the key of the intake
    request or watchlist entry whose id it carries."""
    staff_id = request.staff_id
    if staff_id is None or request.case_id is None:
        return False
    try:
        object_id = uuid.UUID(request.case_id)
    except ValueError:
        return False
    connection = connections[request.database]
    fields = Request._meta
    pk = fields.pk.get_db_prep_value(object_id, connection) if fields.pk else object_id
    key = fields.get_field("key_id").get_db_prep_value(request.key_id, connection)
    parameters: list[Any] = [staff_id, True, pk, key, Status.ERASED.value]
    parameters += [status.value for status in _IN_SCREENING]
    parameters += [Role.VERIFIER.value, Role.COORDINATOR.value]
    parameters += [status.value for status in _UNSCREENED]
    parameters += [pk, key, Role.COORDINATOR.value]
    with connection.cursor() as cursor:
        cursor.execute(_ALLOWED, parameters)
        return cursor.fetchone() is not None


def register() -> None:
    register_unwrap_policy("intake.screening_hotline_or_case_team", request_unwrap_policy)
    register_keyd_reads(
        {
            "accounts_staff": ("id", "is_active"),
            "accounts_staff_groups": ("staff_id", "group_id"),
            "auth_group": ("id", "name"),
            "intake_request": ("id", "key_id", "status", "recorded_by_id", "case_id"),
            "intake_watchentry": ("id", "key_id", "removed_at"),
            "cases_caseassignment": ("case_id", "staff_id", "ended_at"),
            "cases_case": ("id", "erased_at"),
        }
    )
