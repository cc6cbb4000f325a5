"""Test-only data for the integration test, made inside a `corridor shell` subprocess (so
through keyd): a coordinator, a caseworker and a case the caseworker leads.

    corridor shell -c "from tests.keyd.scenario import make_case; make_case()"

prints {"case": "<uuid>", "caseworker": <id>, "outsider": <id>}.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys

from corridor.accounts.roles import Role
from corridor.accounts.services import create_staff
from corridor.core.actors import cli_actor
from corridor.vault import ledger as vault_ledger
from corridor.vault.ledger import as_operator
from tests.factories import open_case_for


def scenario_secret(staff_id: int) -> bytes:
    """The TOTP secret the scenario enrols in keyd for a person (test data only)."""
    return hashlib.sha256(f"scenario-{staff_id}".encode()).digest()[:20]


def make_case() -> None:
    with as_operator():  # as `corridor setup` would: keyd's admin socket
        _make_case()


def _make_case() -> None:
    password = secrets.token_urlsafe(16)
    people = {
        role: create_staff(
            actor=cli_actor(),
            username=f"{role.value}-{secrets.token_hex(3)}",
            password=password,
            roles=[role],
        )
        for role in (Role.COORDINATOR, Role.CASEWORKER)
    }
    outsider = create_staff(
        actor=cli_actor(),
        username=f"outsider-{secrets.token_hex(3)}",
        password=password,
        roles=[Role.CASEWORKER],
    )
    for staff in [*people.values(), outsider]:
        vault_ledger.enrol_known_secret(staff.pk, scenario_secret(staff.pk))
    case = open_case_for(people[Role.COORDINATOR], people[Role.CASEWORKER])
    sys.stdout.write(
        json.dumps(
            {
                "case": str(case.pk),
                "caseworker": people[Role.CASEWORKER].pk,
                "outsider": outsider.pk,
            }
        )
    )


def open_case(case_id: str, staff_id: int) -> None:
    """Open the case for work as that staff member (through keyd); print its ref and size.

    corridor shell -c "from tests.keyd.scenario import open_case; open_case('<uuid>', 2)"
    """
    from corridor.accounts.models import Staff
    from corridor.cases.models import Case
    from tests.keyd.work import open_for_work
    from tests.ledger_helpers import code_for

    ticket = vault_ledger.log_in(staff_id, code_for(scenario_secret(staff_id)))
    with vault_ledger.acting_with(ticket):
        work = open_for_work(Staff.objects.get(pk=staff_id), Case.objects.get(pk=case_id))
    sys.stdout.write(json.dumps({"ref": work.case.ref, "people": len(work.people)}))
