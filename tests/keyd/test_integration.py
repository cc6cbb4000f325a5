"""The issue's end-to-end run, every part its own process as the current user:

keys init 3-of-5 -> keyd -> unseal -> setup -> a case -> keyd restarted (sealed) -> the
staff case page answers 503 while the login page and the portal work -> unseal with 3
shares in two invocations -> the case page works -> `corridor seal` -> 503 again.

The case page is the test-only view of tests/keyd/urls.py (it opens the case through
`open_case_for_work`); `corridor serve` runs with tests/keyd/site_settings.py.
"""

from __future__ import annotations

import json

import pytest

from tests.keyd.helpers import keyd_process, short_dir, with_checkout
from tests.keyd.test_commands import init, unseal
from tests.processes import corridor_env, run_corridor, serving
from tests.test_commands import fetch

pytestmark = pytest.mark.process

SEALED_TEXT = "Ask your trustees to unseal it"


def test_sealed_unsealed_and_sealed_again_through_every_process():
    with short_dir() as data_dir:
        env = with_checkout(corridor_env(data_dir, CORRIDOR_KEY_PROVIDER="keyd"))
        shares = init(env, shares=5, threshold=3)
        with keyd_process(env):
            assert unseal(env, *shares[1:4]).returncode == 0
            setup = run_corridor("setup", "--no-input", env=env)
            assert setup.returncode == 0, setup.stderr
            site = {**env, "DJANGO_SETTINGS_MODULE": "tests.keyd.site_settings"}
            made = run_corridor(
                "shell", "-c", "from tests.keyd.scenario import make_case; make_case()", env=site
            )
            assert made.returncode == 0, made.stderr
            scenario = json.loads(made.stdout.splitlines()[-1])
        case_page = f"/test/cases/{scenario['case']}/as/{scenario['caseworker']}/"
        outsider_page = f"/test/cases/{scenario['case']}/as/{scenario['outsider']}/"
        with keyd_process(env), serving(site) as (base, _log):
            status, body = fetch(base + case_page)
            assert (status, SEALED_TEXT in body) == (503, True)
            assert fetch(base + "/")[0] == 200  # the login page
            assert fetch(base + "/help/")[0] == 200  # the portal
            first = unseal(env, shares[0], shares[4])
            assert (first.returncode, first.stdout.strip()) == (3, "need 1 more")
            assert fetch(base + case_page)[0] == 503
            second = unseal(env, shares[2])
            assert (second.returncode, second.stdout.strip()) == (0, "unsealed")
            status, body = fetch(base + case_page)
            assert (status, body.startswith("opened CR-")) == (200, True)
            assert fetch(base + outsider_page)[0] == 404  # not theirs: not even its existence
            assert run_corridor("seal", env=env).returncode == 0
            status, body = fetch(base + case_page)
            assert (status, SEALED_TEXT in body) == (503, True)
        verified = run_corridor("keys", "log", "verify", env=env)
        assert verified.returncode == 0, verified.stderr
        log = (data_dir / "keyd" / "keyd.log").read_text()
        assert f'"principal":"staff:{scenario["caseworker"]}"' in log
        assert f'"case":"{scenario["case"]}"' in log
