"""The read-only role docs/operators.md tells operators to create is enough for every keyd
policy, and it can write nothing (PostgreSQL only: SQLite has no roles)."""

from __future__ import annotations

import re
import secrets
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from corridor.accounts.unwrap_limits import draft_unwrap_policy, in_open_surge, open_surge
from corridor.cases.unwrap_policy import case_unwrap_policy
from corridor.intake.services.watchlist import add_watch_entry
from corridor.intake.unwrap_policy import request_unwrap_policy
from corridor.vault.keyd.policy import UnwrapRequest
from tests.keyd.helpers import REPOSITORY
from tests.plugins.cases import CASE_DB

ROLE_BLOCK = re.compile(r"```sql\n-- keyd read-only role\n(.*?)```", re.DOTALL)


def documented_statements(role: str) -> list[str]:
    text = (REPOSITORY / "docs" / "operators.md").read_text(encoding="utf-8")
    block = ROLE_BLOCK.search(text)
    assert block, "docs/operators.md lost its keyd role block"
    database = connection.settings_dict["NAME"]
    sql = block.group(1).replace('"corridor-keyd"', f'"{role}"')
    sql = sql.replace("ON DATABASE corridor ", f'ON DATABASE "{database}" ')
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


@pytest.mark.postgres
@CASE_DB
def test_the_documented_role_runs_every_policy_and_writes_nothing(
    open_case, caseworker, coordinator, vault_keys
):
    case = open_case()
    open_surge(actor=coordinator, name="night-1", members=[caseworker], hours=1)
    watched = add_watch_entry(actor=coordinator, kind="official", details={"phone": "89001112233"})
    role = f"keyd_test_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        for statement in documented_statements(role):
            cursor.execute(statement)
        cursor.execute(f'SET LOCAL ROLE "{role}"')
    request = UnwrapRequest(
        principal=caseworker.actor_id, case_id=str(case.pk), key_id=case.key_id, database="default"
    )
    assert case_unwrap_policy(request)
    assert not draft_unwrap_policy(
        UnwrapRequest(
            principal=caseworker.actor_id, case_id=None, key_id=uuid.uuid4(), database="default"
        )
    )
    assert in_open_surge(caseworker.actor_id, "default")
    assert request_unwrap_policy(
        UnwrapRequest(
            principal=coordinator.actor_id,
            case_id=str(watched.pk),
            key_id=watched.key_id,
            database="default",
        )
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_case SET erased_at = now()")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT password FROM accounts_staff")


@pytest.mark.pure
def test_the_documented_grants_cover_every_table_keyd_reads():
    from corridor.cases.unwrap_policy import TABLES
    from corridor.intake.unwrap_policy import TABLES as INTAKE_TABLES

    statements = documented_statements("x")
    granted = {
        re.search(r" ON (\w+) TO", s).group(1) for s in statements if s.startswith("GRANT SELECT")
    }
    assert (
        set(TABLES)
        | set(INTAKE_TABLES)
        | {"accounts_draft", "accounts_unwrapsurge", "accounts_unwrapsurge_members", "auth_group"}
        == granted
    )
