"""Fictional demo data for `corridor setup --demo`, and the demo.json that lists the logins.

Everything here is generated: usernames are role names, passwords and TOTP
secrets are random per installation, the caseload is drawn from lists of common
names (see demo_cases.py). No real person's name or story.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path
from typing import TypedDict

from django.db import transaction

from corridor.accounts import approvals, keyd_login, standby
from corridor.accounts import services as accounts
from corridor.accounts.models import ApprovalKind, Staff
from corridor.accounts.roles import Role
from corridor.cases.models import CaseAssignment
from corridor.core import clock
from corridor.core.actors import Actor
from corridor.operations.demo_cases import DemoStaff, build_caseload
from corridor.operations.demo_requests import build_requests
from corridor.reports import services as reports
from corridor.vault import ledger as vault_ledger
from corridor.vault.keys import unwrapping_as_demo_builder

DEMO_FILE = "demo.json"
EXTRA_CASEWORKERS = 3
DEMO_CASES = 200


class DemoAccount(TypedDict):
    username: str
    password: str
    role: str
    totp_secret: str
    cases: list[str]


def demo_file(data_dir: Path) -> Path:
    return data_dir / DEMO_FILE


def create_demo_data(*, actor: Actor, data_dir: Path, case_count: int = DEMO_CASES) -> Path:
    """Create demo accounts and a caseload and write demo.json; a second call changes nothing."""
    target = demo_file(data_dir)
    if target.exists():
        return target
    # The seed changes keyd's ledger as the operator who holds the demo's key file.
    with transaction.atomic(), unwrapping_as_demo_builder(), vault_ledger.as_operator():
        logins: list[tuple[Staff, str, str, Role]] = []
        for role in Role:
            logins.append(_account(actor, f"demo-{role.value}".replace("_", "-"), role))
        # Two coordinators: the organisation never runs with fewer (MIN_ACTIVE_COORDINATORS).
        logins.append(_account(actor, "demo-coordinator-2", Role.COORDINATOR))
        for number in range(2, EXTRA_CASEWORKERS + 2):
            logins.append(_account(actor, f"demo-caseworker-{number}", Role.CASEWORKER))
        by_role = {role: [s for s, _p, _t, r in logins if r is role] for role in Role}
        build_caseload(
            actor=actor,
            staff=DemoStaff(
                coordinator=by_role[Role.COORDINATOR][0], caseworkers=by_role[Role.CASEWORKER]
            ),
            count=case_count,
        )
        build_requests(operator=by_role[Role.HOTLINE_OPERATOR][0])
        _pending_approval(by_role[Role.COORDINATOR][0])
        standby_login = _standby(
            actor, admin=by_role[Role.ADMIN][0], coordinator=by_role[Role.COORDINATOR][1]
        )
        accounts_out = [
            DemoAccount(
                username=staff.username,
                password=password,
                role=role.value,
                totp_secret=secret,
                cases=_cases_of(staff),
            )
            for staff, password, secret, role in logins
        ]
        accounts_out.append(standby_login)
    _write_json_atomically(target, {"accounts": accounts_out})
    return target


def _pending_approval(coordinator: Staff) -> None:
    """An export waiting for a second coordinator, so the approvals page has one to show."""
    export = reports.check_export(
        scope=reports.INTERNAL, format="csv", language="ru", today=clock.today()
    )
    reports.request_export(actor=coordinator, export=export)


def _standby(actor: Actor, *, admin: Staff, coordinator: Staff) -> DemoAccount:
    """A standby caseworker, registered the way the rules ask: the admin asks, a coordinator
    grants, the admin carries it out. It holds no role until a coordinator puts it on duty."""
    staff, password, secret = _login(actor, "demo-standby", [])
    approval = approvals.request_approval(
        actor=admin,
        kind=ApprovalKind.REGISTER_STANDBY,
        target_type="staff",
        target_id=str(staff.pk),
        payload={"role": Role.CASEWORKER.value},
        reason="standby",
    )
    approvals.grant_approval(actor=coordinator, approval_id=str(approval.pk))
    standby.register_standby(
        actor=admin, staff=staff, role=Role.CASEWORKER, approval_id=str(approval.pk)
    )
    return DemoAccount(
        username=staff.username, password=password, role="standby", totp_secret=secret, cases=[]
    )


def base32_secret(key: bytes) -> str:
    """RFC 4648 base32 without padding, as authenticator apps expect."""
    return base64.b32encode(key).decode("ascii").rstrip("=")


def _account(actor: Actor, username: str, role: Role) -> tuple[Staff, str, str, Role]:
    staff, password, secret = _login(actor, username, [role])
    return staff, password, secret, role


def _login(actor: Actor, username: str, roles: list[Role]) -> tuple[Staff, str, str]:
    password = "-".join(secrets.token_hex(3) for _ in range(4))
    staff = accounts.create_staff(actor=actor, username=username, password=password, roles=roles)
    if keyd_login.keyd_checks_factors():
        # keyd (here the file provider's ledger) holds the secret, as in production.
        secret = os.urandom(20)
        vault_ledger.enrol_known_secret(staff.pk, secret)
        accounts.record_keyd_totp_enrolled(staff=staff)
        return staff, password, base32_secret(secret)
    device = accounts.enrol_totp_for_demo(actor=actor, staff=staff)
    return staff, password, base32_secret(device.bin_key)


def _cases_of(staff: Staff) -> list[str]:
    """The staff member's cases in the order the seeded caseload made them: references are
    random, the cases behind them are not, so the first few are the same cases every time
    (tests/e2e/test_page_sizes.py measures them)."""
    refs = (
        CaseAssignment.objects.filter(staff=staff, ended_at__isnull=True)
        .order_by("assigned_at", "case__ref")
        .values_list("case__ref", flat=True)
    )
    return list(refs)


def _write_json_atomically(target: Path, payload: object) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".json.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, target)
