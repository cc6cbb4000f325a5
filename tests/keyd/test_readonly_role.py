"""The read-only role docs/operators.md tells operators to create, with the reads `setup`
and `restore` grant it, is enough for every keyd policy, and it can write nothing
(PostgreSQL only: SQLite has no roles)."""

from __future__ import annotations

import re
import secrets

import pytest
from django.db import DatabaseError, connection, transaction

from corridor.cases.unwrap_policy import case_unwrap_policy
from corridor.intake.services.watchlist import add_watch_entry
from corridor.intake.unwrap_policy import request_unwrap_policy
from corridor.vault.errors import InputRejected
from corridor.vault.keyd.grants import grant_keyd_reads
from corridor.vault.keyd.policy import UnwrapRequest, keyd_reads
from tests.keyd.helpers import REPOSITORY
from tests.plugins.cases import CASE_DB

ROLE_BLOCK = re.compile(r"```sql\n-- keyd read-only role\n(.*?)```", re.DOTALL)
READS_TABLE = re.compile(r"<!-- keyd reads -->\n(.*?)\n\n", re.DOTALL)
READS_ROW = re.compile(r"\| `(\w+)` \| (.*) \|")


def operators_guide() -> str:
    return (REPOSITORY / "docs" / "operators.md").read_text(encoding="utf-8")


def documented_statements(role: str) -> list[str]:
    block = ROLE_BLOCK.search(operators_guide())
    assert block, "docs/operators.md lost its keyd role block"
    sql = block.group(1).replace('"corridor-keyd"', f'"{role}"')
    return [statement.strip() for statement in sql.split(";") if statement.strip()]


@pytest.mark.postgres
@CASE_DB
def test_the_documented_role_runs_every_policy_and_writes_nothing(
    open_case, caseworker, coordinator, vault_keys
):
    case = open_case()
    watched = add_watch_entry(actor=coordinator, kind="official", details={"phone": "89001112233"})
    role = f"keyd_test_{secrets.token_hex(4)}"
    with connection.cursor() as cursor:
        for statement in documented_statements(role):
            cursor.execute(statement)
    assert grant_keyd_reads(role) == list(keyd_reads())
    with connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{role}"')
    request = UnwrapRequest(
        principal=caseworker.actor_id, case_id=str(case.pk), key_id=case.key_id, database="default"
    )
    assert case_unwrap_policy(request)
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
def test_the_granted_columns_cover_every_table_keyd_reads_and_the_guide_lists_them():
    from corridor.cases.unwrap_policy import TABLES
    from corridor.intake.unwrap_policy import TABLES as INTAKE_TABLES

    reads = keyd_reads()
    # Drafts are keyd's ledger's: keyd no longer reads accounts_draft.
    # Evacuation nights are keyd's ledger's: keyd reads no surge table.
    assert set(TABLES) | set(INTAKE_TABLES) | {"auth_group"} == set(reads)
    block = READS_TABLE.search(operators_guide())
    assert block, "docs/operators.md lost its table of keyd's reads"
    documented = {
        match.group(1): tuple(name.strip(" `") for name in match.group(2).split(","))
        for match in map(READS_ROW.fullmatch, block.group(1).splitlines())
        if match
    }
    assert documented == reads


@pytest.mark.pure
def test_a_role_name_that_is_not_a_plain_identifier_is_refused():
    with pytest.raises(InputRejected):
        grant_keyd_reads('keyd"; DROP TABLE cases_case; --', database="default")
