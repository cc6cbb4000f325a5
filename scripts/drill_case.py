"""The install drill's caseworker and case, made through the services with the real tickets
keyd issues at a TOTP login, as the site does for staff who click through it: the
administrator adds the account and asks for its caseworker role, a coordinator grants the
request, the administrator gives the role, and the coordinator opens a case and assigns it.

    DRILL_STAFF='{"admin": {...}, "coordinator": {...}}' corridor shell < scripts/drill_case.py

DRILL_STAFF holds, for the administrator and the coordinator `corridor setup` made, what
their first login over HTTP left (scripts/drill_http.py first-login): "username",
"totp_secret" and "enrolled_step". Each logs in to keyd here with a fresh code from their
app: keyd takes a TOTP step once, so this waits for the step after their enrolment.

Prints one JSON line: the case's ref, a text of its person the case page shows, and the
caseworker's username and one-time password, for their first login over HTTP.
Fictional data only.
"""

import importlib.util
import json
import os
import secrets
import sys
from datetime import date, timedelta
from pathlib import Path

from corridor.accounts import approvals
from corridor.accounts.models import ApprovalKind, Staff
from corridor.accounts.roles import Role
from corridor.accounts.services import create_staff_with_temporary_password, grant_role
from corridor.cases.services import opening
from corridor.cases.services.assignment import assign_case
from corridor.core import clock
from corridor.people.inputs import NameEntry, PersonInput
from corridor.vault import ledger
from corridor.vault.keyd.acting import acting_with

spec = importlib.util.spec_from_file_location(
    "drill_http", Path(os.environ["DRILL_SCRIPTS"]) / "drill_http.py"
)
if spec is None or spec.loader is None:
    raise SystemExit("no scripts/drill_http.py beside this script")
drill_http = importlib.util.module_from_spec(spec)
spec.loader.exec_module(drill_http)

staff_logins = json.loads(os.environ["DRILL_STAFF"])
step = drill_http.next_step(max(login["enrolled_step"] for login in staff_logins.values()))


def ticket_of(login: dict[str, object]) -> tuple[Staff, str]:
    """Log in to keyd with this step's code from the person's authenticator app."""
    person = Staff.objects.get(username=login["username"])
    code = drill_http.totp_code(str(login["totp_secret"]), at=step * drill_http.STEP)
    return person, ledger.log_in(person.pk, code)


admin, admin_ticket = ticket_of(staff_logins["admin"])
coordinator, coordinator_ticket = ticket_of(staff_logins["coordinator"])

with acting_with(admin_ticket):
    caseworker, one_time, enrolment_code = create_staff_with_temporary_password(
        actor=admin, username=f"drill-caseworker-{secrets.token_hex(3)}"
    )
    request = approvals.request_approval(
        actor=admin,
        kind=ApprovalKind.GRANT_DATA_ROLE,
        target_type="staff",
        target_id=str(caseworker.pk),
        payload={"role": Role.CASEWORKER.value},
        reason="role_change",
    )
with acting_with(coordinator_ticket):
    approvals.grant_approval(actor=coordinator, approval_id=str(request.pk))
with acting_with(admin_ticket):
    grant_role(actor=admin, staff=caseworker, role=Role.CASEWORKER, approval_id=str(request.pk))

with acting_with(coordinator_ticket):
    case = opening.open_case(
        actor=coordinator,
        principal=PersonInput(
            names=[
                NameEntry(script="cyrl", given="Учебный", family="Прогон"),
                NameEntry(script="latn", given="Drill", family="Person"),
            ],
            address_as="Drill",
            date_of_birth=date(1990, 1, 1),
            contacts=[],
            narrative="A fictional person for the install drill.",
            nationality="RU",
            current_country="RU",
            has_international_passport=False,
        ),
        region="RU-CE",
        next_action="call back",
        next_action_due=clock.today() + timedelta(days=1),
    )
    assign_case(actor=coordinator, case=case, staff=caseworker)
case.refresh_from_db()
sys.stdout.write(
    json.dumps(
        {
            "ref": case.ref,
            "shown": "Прогон",
            "username": caseworker.username,
            "password": one_time,
            "enrolment_code": enrolment_code or "",
        }
    )
    + "\n"
)
