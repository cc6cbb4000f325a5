"""`corridor import cases` run as the operator runs it, on real files, with keyd's ledger
rules (a coordinator's code for a ticket): nothing the sheet held (names, phones, notes,
shelter addresses) is anywhere in the data folder in any readable form afterwards."""

from __future__ import annotations

import secrets

import pytest

from tests.canaries import find_canary
from tests.ledger_helpers import code_for
from tests.processes import corridor_env, run_corridor

pytestmark = pytest.mark.process

MAKE_COORDINATOR = """
from corridor.accounts import services as accounts
from corridor.accounts.roles import Role
from corridor.core.actors import cli_actor
from corridor.vault.ledger import as_operator
from corridor.vault import ledger
with as_operator():
    staff = accounts.create_staff(actor=cli_actor(), username="import-coord",
        password="import passphrase one 1", roles=[Role.COORDINATOR])
    ledger.enrol_known_secret(staff.pk, bytes.fromhex("{secret}"))
"""
MAPPING = """
version: 1
reference: "№"
people:
  - name: "ФИО"
    phones: ["Телефон"]
placements:
  - shelter: "Шелтер"
    address: "Адрес"
    from: "Заселение"
expenses:
  - date: "Заселение"
    amount: "Сумма"
    currency: "=EUR"
    category: "=housing"
notes: ["Примечания"]
"""


def test_an_imported_sheet_leaves_no_plaintext_in_the_data_folder(tmp_path):
    canary = f"CANARY{secrets.token_hex(6).upper()}"
    live = tmp_path / "live"
    env = corridor_env(live)
    assert run_corridor("setup", "--no-input", env=env).returncode == 0
    secret = secrets.token_bytes(20)
    made = run_corridor("shell", "-c", MAKE_COORDINATOR.format(secret=secret.hex()), env=env)
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
    # The coordinator's authenticator code, on standard input, for keyd's ticket.
    ran = run_corridor(
        "import",
        "cases",
        str(sheet),
        "--mapping",
        str(mapping),
        "--as",
        "import-coord",
        env=env,
        stdin=code_for(secret) + "\n",
    )
    assert ran.returncode == 0, ran.stderr
    assert "Created 1 cases." in ran.stdout
    assert find_canary(live, canary) == []
    assert find_canary(live, "79285551234") == []
