"""Two Corridors side by side on loopback: A's tree heads are witnessed by B.

One pair of installations (two data dirs, two `corridor serve` processes) is shared by
the module's tests, which run in order on one worker (--dist loadfile): the first
witnesses, the second rewrites A's log and expects both sides to notice.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.processes import corridor_env, run_corridor, serving

pytestmark = pytest.mark.process

COORDINATORS = """
from django.contrib.auth.models import Group
from corridor.accounts.models import Staff
from corridor.accounts.roles import Role
group, _ = Group.objects.get_or_create(name=Role.COORDINATOR.value)
for name in ("coord-one", "coord-two"):
    staff, _ = Staff.objects.get_or_create(username=name)
    staff.groups.add(group)
"""
# The second coordinator's act on the directory page: they read the fingerprint with the
# partner on a video call and approve the keys coord-one proposed.
APPROVE = """
from corridor.accounts.models import Staff
from corridor.partners import selectors, services
second = Staff.objects.get(username="coord-two")
for proposal in selectors.pending_key_proposals():
    services.approve_keys(actor=second, proposal_id=proposal.pk, checked_how="video_call")
"""
# An operator with a SQL prompt: drop the triggers, cut the log back, remove the stored
# heads that would give it away, put the triggers back. `audit witness` then re-signs.
TRUNCATE = """
from django.db import connection
from corridor.audit.models import AuditEntry, TreeHead
from corridor.audit.triggers import drop_append_only_triggers, install_append_only_triggers
keep = {keep}
drop_append_only_triggers(connection)
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM audit_entry WHERE seq > %s", [keep])
    cursor.execute("DELETE FROM audit_tree_head WHERE tree_size > %s", [keep])
    cursor.execute("UPDATE audit_sequence SET last_seq = %s", [keep])
install_append_only_triggers(connection)
"""
ALERTS = """
from corridor.accounts.models import StaffAlert
open_alerts = StaffAlert.objects.filter(dismissed_at__isnull=True)
print(sorted(set(open_alerts.values_list("code", flat=True))))
"""
# The silence check as the worker runs it, now, in two hours and in three.
SILENCE = """
from datetime import timedelta
from corridor.core import clock
from corridor.partners.witnessing import check_silence
for hours in (0, 2, 3):
    found = check_silence(now=clock.now() + timedelta(hours=hours))
    print(hours, [organisation.name for organisation in found])
"""


@dataclass
class Side:
    env: dict[str, str]
    base: str

    def run(self, *args: str) -> tuple[int, str]:
        result = run_corridor(*args, env=self.env)
        return result.returncode, result.stdout + result.stderr

    def shell(self, code: str) -> str:
        result = run_corridor("shell", "--no-imports", "-c", code, env=self.env)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def alerts(self) -> list[str]:
        return json.loads(self.shell(ALERTS).replace("'", '"'))

    def keys_file(self, folder: Path) -> Path:
        code, printed = self.run("partners", "whoami")
        assert code == 0, printed
        lines = [
            f"corridor: {self.base}" if line.startswith("corridor:") else line
            for line in printed.splitlines()
        ]
        path = folder / f"keys-{secrets.token_hex(3)}.txt"
        path.write_text("\n".join(lines) + "\n")
        return path


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[tuple[Side, Side]]:
    sides = []
    envs = [
        corridor_env(
            tmp_path_factory.mktemp(f"corridor-{name}"),
            CORRIDOR_SECRET_KEY=secrets.token_urlsafe(48),
        )
        for name in ("a", "b")
    ]
    with ThreadPoolExecutor(2) as pool:  # the two installations are independent
        for setup in pool.map(
            lambda env: run_corridor("setup", "--no-input", env=env, timeout=300), envs
        ):
            assert setup.returncode == 0, setup.stderr
    with ExitStack() as stack:
        for env in envs:
            base, _ = stack.enter_context(serving(env))
            side = Side(env, base)
            side.shell(COORDINATORS)
            sides.append(side)
        a, b = sides
        folder = tmp_path_factory.mktemp("keys")
        # A lists B as a witness of its heads; B lists A, so B accepts A's heads.
        for here, there, name, witness in ((a, b, "Corridor B", True), (b, a, "Corridor A", False)):
            add = ["partners", "add", name, "--kind", "ngo", "--country", "CA"]
            add += ["--keys", str(there.keys_file(folder)), "--proposed-by", "coord-one"]
            code, printed = here.run(*add, *(["--witness"] if witness else []))
            assert code == 0, printed
            here.shell(APPROVE)
        yield a, b


def test_a_head_is_witnessed_by_b_and_verified_against_what_b_holds(pair):
    a, _b = pair
    for _ in range(2):  # the second time, B checks a consistency proof from the first head
        code, printed = a.run("audit", "witness")
        assert code == 0, printed
        assert "witness Corridor B: kept" in printed
    code, printed = a.run("audit", "verify", "--witnesses")
    assert code == 0, printed
    assert "witness Corridor B: holds a head at" in printed
    assert "verified" in printed
    code, printed = a.run("partners", "list")
    assert code == 0, printed
    assert printed.rstrip().endswith(" witness Corridor B")
    assert " keys " in printed


def test_a_rewritten_log_is_refused_by_b_alerted_on_both_sides_and_fails_verify(pair):
    a, b = pair
    code, printed = a.run("audit", "witness")
    assert code == 0, printed
    a.shell(TRUNCATE.format(keep=3))

    code, printed = a.run("audit", "witness")
    assert code == 1, printed
    assert "witness Corridor B: conflict" in printed
    assert "witness_conflict" in b.alerts()
    assert "witness_refused_our_head" in a.alerts()

    code, printed = a.run("audit", "verify", "--witnesses")
    assert code == 1, printed
    assert "FAIL" in printed


def test_b_alerts_when_a_goes_silent(pair):
    _a, b = pair
    # Heard from within the hour: quiet; two hours on: alerted; three: not again.
    assert b.shell(SILENCE).splitlines() == ["0 []", "2 ['Corridor A']", "3 []"]
    assert "witness_silent" in b.alerts()
