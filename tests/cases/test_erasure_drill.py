"""The erasure drill through `erase_case`, on real files: back up, erase, then restore the
old data backup against the live key store — the erased case opens nowhere, the other does."""

from __future__ import annotations

import json
import secrets
import shutil

import pytest

from tests.canaries import find_canary
from tests.processes import corridor_env, installed_data_dir, run_corridor

pytestmark = [
    pytest.mark.process,
    pytest.mark.skipif(
        __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="restores SQLite files; the vault's drill covers PostgreSQL dumps",
    ),
]

OPEN_TWO_CASES = """
import json
from datetime import date
from corridor.accounts import approvals, services as accounts
from corridor.accounts.models import ApprovalKind
from corridor.accounts.roles import Role
from corridor.cases.services import opening
from corridor.core.actors import cli_actor
from corridor.people.inputs import NameEntry, PersonInput
from corridor.vault.ledger import as_operator
with as_operator():  # the accounts reach keyd's ledger as setup's would
    first = accounts.create_staff(actor=cli_actor(), username="drill-coord-a",
        password="drill passphrase one 1", roles=[Role.COORDINATOR])
    second = accounts.create_staff(actor=cli_actor(), username="drill-coord-b",
        password="drill passphrase two 2", roles=[Role.COORDINATOR])
refs = []
for label in ("erase", "keep"):
    case = opening.open_case(actor=first, principal=PersonInput(
        names=[NameEntry(script="latn", given="{canary}" + label, family="Drill")],
        narrative="story {canary} " + label), next_action="call {canary}",
        next_action_due=date(2030, 1, 1))
    refs.append(case.ref)
from corridor.cases.models import Case
doomed = Case.objects.get(ref=refs[0])
with as_operator():  # nobody logged in: keyd takes the erasure's approval as the operator's
    approval = approvals.request_approval(actor=first, kind=ApprovalKind.ERASE_CASE,
        target_type="cases.case", target_id=str(doomed.pk), reason="retention")
    approvals.grant_approval(actor=second, approval_id=str(approval.pk))
print(json.dumps({{"refs": refs, "approval": str(approval.pk)}}))
"""

OPEN_FIELDS = """
import json
from corridor.cases.models import Case, Relation
from corridor.core.actors import cli_actor
from corridor.vault.opening import open_field
from corridor.vault.keys import data_key
from corridor.vault.errors import VaultError
out = {{}}
for ref in {refs!r}:
    case = Case.objects.get(ref=ref)
    person = case.members.get(relation=Relation.PRINCIPAL).person
    try:
        key = data_key(case.key_id, for_actor=cli_actor().actor_id, case_id=str(case.pk))
        out[ref] = open_field(person.narrative, key=key)
    except (VaultError, TypeError, AttributeError) as problem:
        out[ref] = "refused: " + type(problem).__name__
print(json.dumps(out))
"""


def shell(env: dict[str, str], code: str) -> dict:
    result = run_corridor("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_an_erased_case_opens_from_no_backup_once_its_key_is_gone(tmp_path, seed_root):
    canary = f"CANARY{secrets.token_hex(6).upper()}"
    live = installed_data_dir(tmp_path / "live", seed_root)
    env = corridor_env(live)
    made = shell(env, OPEN_TWO_CASES.format(canary=canary))
    erased_ref, kept_ref = made["refs"]
    before = tmp_path / "before"
    assert run_corridor("backup", str(before), env=env).returncode == 0
    assert find_canary(live, canary) == []

    erased = run_corridor("cases", "erase", erased_ref, "--approval", made["approval"], env=env)
    assert erased.returncode == 0, erased.stderr
    after = tmp_path / "after"
    assert run_corridor("backup", str(after), env=env).returncode == 0

    # The old data backup (which still holds the erased case's ciphertext) with the
    # key store as it is now (without the erased case's key).
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for pattern, source in (
        ("corridor-data-*", before),
        ("corridor-files-*", before),
        ("corridor-manifest-*", before),
        ("corridor-keys-*", after),
        ("corridor-manifest-*", after),
    ):
        for path in source.glob(pattern):
            shutil.copy2(path, mixed / path.name)
    restored = tmp_path / "restored"
    restored_env = corridor_env(restored, CORRIDOR_SECRET_KEY=secrets.token_urlsafe(48))
    # The key store is of another set than the data: the drill accepts that on purpose.
    result = run_corridor(
        "restore",
        str(mixed),
        "--kek-file",
        str(live / "kek.demo"),
        "--allow-older-keys",
        env=restored_env,
    )
    assert result.returncode == 0, result.stderr
    opened = shell(restored_env, OPEN_FIELDS.format(refs=[erased_ref, kept_ref]))
    assert opened[erased_ref].startswith("refused:")
    assert opened[kept_ref] == f"story {canary} keep"
    assert find_canary(restored, canary) == []
    assert find_canary(tmp_path / "after", canary) == []
