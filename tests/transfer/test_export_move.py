"""An export read back on an empty installation, both run as the operator runs them (real
processes, keyd's ledger rules): the case arrives with its sealed fields, its placement
and its note, and neither
data folder nor the export holds the canary in any readable form."""

from __future__ import annotations

import secrets
import time

import pytest

from tests.canaries import find_canary
from tests.ledger_helpers import code_for
from tests.processes import corridor_env, run_corridor
from tests.transfer.test_import_at_rest import MAKE_COORDINATOR, MAPPING

pytestmark = pytest.mark.process

MAKE_SECOND = """
from corridor.accounts import services as accounts
from corridor.accounts.roles import Role
from corridor.core.actors import cli_actor
from corridor.vault.ledger import as_operator
with as_operator():
    accounts.create_staff(actor=cli_actor(), username="export-second",
        password="export passphrase two 2", roles=[Role.COORDINATOR])
"""
SECOND_COORDINATOR_GRANTS = """
from corridor.accounts import approvals
from corridor.accounts.models import Staff
second = Staff.objects.get(username="export-second")
approvals.grant_approval(actor=second, approval_id="{approval}")
"""
COUNT = """
from corridor.cases.models import Case, Expense, Note, Placement
from corridor.people.models import Person
print(Case.objects.count(), Person.objects.count(), Expense.objects.count(),
      Placement.objects.count(), Note.objects.count())
"""


def counts(env: dict[str, str]) -> list[str]:
    """Cases, people, expenses, placements and notes (the shell's last line: it may
    announce its imports)."""
    return run_corridor("shell", "-c", COUNT, env=env).stdout.strip().splitlines()[-1].split()


def test_an_export_read_back_on_an_empty_installation(tmp_path):
    canary = f"CANARY{secrets.token_hex(6).upper()}"
    old, new = tmp_path / "old", tmp_path / "new"
    envs = {}
    secret = secrets.token_bytes(20)
    for folder in (old, new):
        env = envs[folder] = corridor_env(folder)
        assert run_corridor("setup", "--no-input", env=env).returncode == 0
        made = run_corridor("shell", "-c", MAKE_COORDINATOR.format(secret=secret.hex()), env=env)
        assert made.returncode == 0, made.stderr
    made = run_corridor("shell", "-c", MAKE_SECOND, env=envs[old])
    assert made.returncode == 0, made.stderr
    sheet = tmp_path / "list.csv"
    sheet.write_text(
        "№;ФИО;Телефон;Шелтер;Адрес;Заселение;Сумма;Примечания\n"
        f"1;Тестов {canary};+7 928 555-12-34;SH-01;ул. {canary}, 1;03.02.2020;120;"
        f"Примечание {canary}\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    code = code_for(secret) + "\n"
    ran = run_corridor(
        "import", "cases", str(sheet), "--mapping", str(mapping), "--as", "import-coord",
        env=envs[old], stdin=code,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    sheet.unlink()
    asked = run_corridor("export", "request", "--as", "import-coord", env=envs[old])
    assert asked.returncode == 0, asked.stderr
    approval = asked.stdout.split("approval ")[1].split(".")[0]
    granted = run_corridor(
        "shell", "-c", SECOND_COORDINATOR_GRANTS.format(approval=approval), env=envs[old]
    )
    assert granted.returncode == 0, granted.stderr
    phrase = tmp_path / "phrase"
    phrase.write_text("a passphrase for the move\n", encoding="utf-8")
    moved = tmp_path / "move.corridor-export"
    wrote = run_corridor(
        "export", "cases", "--approval", approval, "--output", str(moved),
        "--passphrase-file", str(phrase), env=envs[old],
        # keyd takes each code once: the next window's, which it accepts as drift.
        stdin=code_for(secret, at=time.time() + 30) + "\n",
    )  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    assert canary.encode() not in moved.read_bytes()
    assert counts(envs[new]) == ["0", "0", "0", "0", "0"]
    read = run_corridor(
        "import", "cases", "--from-export", str(moved), "--passphrase-file", str(phrase),
        # A code of this moment: on a loaded machine the first one may have expired.
        "--as", "import-coord", env=envs[new], stdin=code_for(secret) + "\n",
    )  # fmt: skip
    assert read.returncode == 0, read.stderr
    assert "Created 1 cases; 0 were imported before." in read.stdout
    # The placement (its address sealed) and the note come along with the case.
    assert counts(envs[new]) == ["1", "1", "1", "1", "1"]
    assert find_canary(new, canary) == []
    assert find_canary(old, canary) == []
