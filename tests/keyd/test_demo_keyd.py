"""`corridor setup --demo` with the keyd provider (docs/decisions/0009-demo-with-keyd.md):
the demo builder unwraps as `system:demo`, which only a demo or development keyd serves."""

from __future__ import annotations

import json
import uuid

import pytest

from corridor.vault.keyd.config import keyd_config
from corridor.vault.keyd.policy import DEMO_PRINCIPAL
from tests.keyd.conftest import PEER
from tests.keyd.helpers import keyd_process, load_script, short_dir, with_checkout
from tests.keyd.test_commands import init, unseal
from tests.processes import corridor_env, run_corridor, serving


@pytest.mark.process
def test_setup_demo_with_keyd_completes_and_a_caseworker_opens_a_demo_case():
    with short_dir() as data_dir:
        env = with_checkout(corridor_env(data_dir, CORRIDOR_KEY_PROVIDER="keyd"))
        shares = init(env)
        with keyd_process(env):
            assert unseal(env, *shares[:3]).returncode == 0
            setup = run_corridor("setup", "--demo", "--no-input", env=env, timeout=600)
            assert setup.returncode == 0, setup.stderr[-3000:]
            accounts = json.loads((data_dir / "demo.json").read_text())["accounts"]
            worker = next(a for a in accounts if a["username"] == "demo-caseworker")
            assert worker["cases"]
            with serving(env) as (base, _log):
                browser = load_script("drill_http").StaffBrowser(
                    base, env["CORRIDOR_PUBLIC_ORIGIN"]
                )
                browser.log_in(worker["username"], worker["password"], worker["totp_secret"])
                ref = worker["cases"][0]
                status, body = browser.open_case(ref)
                assert (status, ref in body) == (200, True)
                # Not theirs: the demo build granted nothing to the staff it acted as.
                others = {r for a in accounts for r in a["cases"]} - set(worker["cases"])
                assert browser.request(f"/cases/{sorted(others)[0]}/")[0] == 404
        log = (data_dir / "keyd" / "keyd.log").read_text()
        assert DEMO_PRINCIPAL in log


def test_only_a_demo_or_development_keyd_serves_the_demo_principal(settings):
    settings.CORRIDOR_KEYD_SYSTEM_PRINCIPALS = ("system:worker", DEMO_PRINCIPAL)
    settings.CORRIDOR_ENV = "production"
    assert DEMO_PRINCIPAL not in keyd_config().system_principals
    for mode in ("demo", "development"):
        settings.CORRIDOR_ENV = mode
        assert DEMO_PRINCIPAL in keyd_config().system_principals


@pytest.mark.django_db
def test_a_production_keyd_refuses_a_client_naming_the_demo_principal(settings, make_unsealed):
    """The attack: a web process in production names system:demo to get a case key."""
    settings.CORRIDOR_ENV = "production"
    service = make_unsealed(system_principals=keyd_config().system_principals)
    asked = {
        "op": "unwrap",
        "purpose": "data",
        "key_id": str(uuid.uuid4()),
        "principal": DEMO_PRINCIPAL,
        "case_id": None,
    }
    answer = service.handle(asked, peer=PEER, admin=False)
    assert (answer["ok"], answer["error"]) == (False, "refused"), answer
    refused = json.loads(service.journal.path.read_text().splitlines()[-1])
    assert (refused["principal"], refused["outcome"]) == (DEMO_PRINCIPAL, "refused:principal")
