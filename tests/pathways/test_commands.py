"""`corridor pathways …` as operators and scripts use it: exit codes and exact JSON keys."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.core.actors import SystemActor
from corridor.pathways import services
from corridor.pathways.catalog_files import CATALOG_DIR, read_catalog
from corridor.pathways.schema import ROUTE_KEYS, TRANSIT_KEYS, entry_content, parse_entry
from tests.pathways.conftest import INSIDE_RUSSIA
from tests.processes import corridor_env, installed_data_dir, run_corridor

RESULT_KEYS = {
    "route_ids", "countries", "names", "verdict", "reasons", "steps", "risk_notes",
    "expected_days", "grant_counts", "grant_rate", "score",
    "kind", "why", "days_range",
}  # fmt: skip


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("pathways", *args, stdout=out)
    return out.getvalue()


def facts_file(tmp_path: Path, **changes: object) -> str:
    path = tmp_path / "facts.json"
    path.write_text(json.dumps({**INSIDE_RUSSIA, **changes}), encoding="utf-8")
    return str(path)


@pytest.fixture
def loaded(db):
    services.load_catalog(
        actor=SystemActor(name="cli:tester"), entries=[item.entry for item in read_catalog()]
    )


def test_match_prints_one_array_with_exactly_the_contract_keys(loaded, tmp_path):
    """Every result has the documented keys, steps and counts included, open ones first."""
    results = json.loads(run("match", "--facts", facts_file(tmp_path), "--json"))
    assert isinstance(results, list)
    assert results
    for result in results:
        assert set(result) == RESULT_KEYS
        assert set(result["grant_counts"]) == {"granted", "denied"}
        assert result["verdict"] in {"eligible", "after_steps", "ineligible"}
        assert len(result["route_ids"]) == len(result["countries"]) == len(result["names"])
        for step in result["steps"]:
            assert set(step) == {"text", "days", "days_range", "days_source", "cost"}
            if step["days"] is not None:  # a point is the middle of its range
                low, high = step["days_range"]
                assert low <= step["days"] <= high
            assert step["cost"] is None or set(step["cost"]) == {"amount", "currency"}
    verdicts = [result["verdict"] != "ineligible" for result in results]
    assert verdicts == sorted(verdicts, reverse=True)
    plan = next(r for r in results if r["route_ids"] == ["transit-am", "ca-gar"])
    assert plan["countries"] == ["AM", "CA"]
    assert plan["verdict"] == "after_steps"


def test_match_gives_costs_as_exact_amounts(loaded, tmp_path):
    """The TRP fee is the string 239.75 (since December 2024) in Canadian dollars, not a float."""
    path = facts_file(tmp_path, has_international_passport=True)
    results = json.loads(run("match", "--facts", path, "--json"))
    trp = next(r for r in results if r["route_ids"] == ["ca-trp"])
    assert trp["steps"][-1]["cost"] == {"amount": "239.75", "currency": "CAD"}


def test_match_in_russian_names_the_routes_in_russian(loaded, tmp_path):
    """--lang ru gives the catalog's Russian programme names."""
    results = json.loads(run("match", "--facts", facts_file(tmp_path), "--json", "--lang", "ru"))
    plan = next(r for r in results if r["route_ids"] == ["transit-am", "ca-gar"])
    assert plan["names"] == [
        "Безвизовый въезд в Армению",
        "Беженцы при государственной поддержке (GAR)",
    ]
    # A note nobody verified says so, in Russian too.
    assert (
        "Консервативное общество. (не проверено: проверьте, прежде чем полагаться)"
        in plan["risk_notes"]
    )
    assert "срок рассмотрения не проверен" in plan["reasons"][0]


def test_match_reads_facts_from_stdin(loaded, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(INSIDE_RUSSIA)))
    assert json.loads(run("match", "--facts", "-", "--json"))


def test_match_without_json_prints_one_line_per_result(loaded, tmp_path):
    """The terminal form: numbered, verdict and names, the rank or the closing reason."""
    lines = run("match", "--facts", facts_file(tmp_path)).splitlines()
    assert lines[0].startswith("  1. [after_steps] ")
    closed = next(line for line in lines if "[ineligible] Government-Assisted Refugees" in line)
    assert "outside their country of nationality" in closed


@pytest.mark.parametrize(
    ("document", "key"),
    [
        ({**INSIDE_RUSSIA, "surname": "X"}, "surname"),
        ({k: v for k, v in INSIDE_RUSSIA.items() if k != "referral"}, "referral"),
        ({**INSIDE_RUSSIA, "household_size": "two"}, "household_size"),
    ],
)
def test_bad_facts_exit_2_naming_the_key(db, tmp_path, document, key):
    """Unknown, missing or mistyped: exit code 2 and the key, before the catalog is read."""
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        run("match", "--facts", str(path), "--json")
    assert raised.value.returncode == 2
    assert f"facts: {key}: " in str(raised.value)


def test_an_unreadable_facts_file_exits_2(db, tmp_path):
    with pytest.raises(CommandError) as raised:
        run("match", "--facts", str(tmp_path / "missing.json"))
    assert raised.value.returncode == 2
    assert "does not exist" in str(raised.value)


def test_match_before_load_says_to_load(db, tmp_path):
    """Exit 1 with the command to run, not a traceback."""
    with pytest.raises(CommandError, match="corridor pathways load") as raised:
        run("match", "--facts", facts_file(tmp_path))
    assert raised.value.returncode == 1


def test_list_json_gives_each_entry_with_the_schema_keys(loaded):
    """Routes with the route keys, transit countries with theirs, in reading order; a
    route's checklist only where its sources list the documents."""
    entries = json.loads(run("list", "--json"))
    assert len(entries) == len(read_catalog())
    for entry in entries:
        expected = ROUTE_KEYS if entry["kind"] == "route" else TRANSIT_KEYS
        # `partners` only where a source says which partners the route recognises, and
        # `checklist` only where its sources list the documents (the Visa Code's LTV visa).
        optional = {"partners"} | ({"checklist"} if entry["id"] != "eu-ltv-visa" else set())
        assert tuple(entry) == tuple(key for key in expected if key in entry)
        assert set(expected) - set(entry) <= optional
        if entry["id"] == "eu-ltv-visa":
            assert "checklist" in entry
    assert {entry["id"] for entry in entries} >= {"ca-gar", "transit-am"}


def test_list_prints_a_table_for_people(loaded):
    lines = run("list").splitlines()
    gar = next(line for line in lines if line.startswith("ca-gar"))
    assert "route" in gar
    assert "open" in gar


def test_load_reports_then_refuses_over_an_admin_edit(db, staff, tmp_path):
    """load, load again (unchanged), an admin edit, then load refuses naming it; --force wins."""
    count = len(read_catalog())
    assert f"Loaded {count} new versions; 0 unchanged." in run("load")
    assert f"Loaded 0 new versions; {count} unchanged." in run("load")
    gar = next(item.entry for item in read_catalog() if item.entry.id == "ca-gar")
    edit = parse_entry({**entry_content(gar), "discretionary": True})
    services.record_admin_edit(actor=staff, entry=edit)
    folder = tmp_path / "catalog"
    shutil.copytree(CATALOG_DIR, folder)
    upp = folder / "ca-upp.yaml"
    upp.write_text(upp.read_text().replace("discretionary: false", "discretionary: true"))
    with pytest.raises(
        CommandError, match=f"ca-gar: version 2 is an admin edit by {staff.actor_id}"
    ):
        run("load", "--dir", str(folder))
    out = run("load", "--dir", str(folder), "--force")
    assert "Replaced the admin edit of ca-gar with the file." in out


def test_export_writes_the_edit_into_the_folder(db, staff, tmp_path):
    run("load")
    gar = next(item.entry for item in read_catalog() if item.entry.id == "ca-gar")
    services.record_admin_edit(
        actor=staff, entry=parse_entry({**entry_content(gar), "discretionary": True})
    )
    out = run("export", "--dir", str(tmp_path))
    assert "Exported 1 admin edits." in out
    assert yaml.safe_load((tmp_path / "ca-gar.yaml").read_text())["discretionary"] is True


def test_load_refuses_invalid_files_listing_the_problems(db, tmp_path):
    (tmp_path / "ca-gar.yaml").write_text("id: ca-gar\nkind: route\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"ca-gar\.yaml: route\.country: Field required"):
        run("load", "--dir", str(tmp_path))


def test_lint_is_green_on_the_packaged_catalog():
    """The CI gate passes as shipped, judged against the catalog's own as_of date."""
    out = run("lint")
    assert "ERROR" not in out
    assert f"{len(read_catalog())} entries checked (as of 2026-12-07): no errors." in out


def test_lint_does_not_turn_red_by_the_calendar_alone():
    """Years later, plain lint still judges against as_of; --today is what turns red."""
    with time_machine.travel("2028-06-01"):
        assert "no errors" in run("lint")
        out = io.StringIO()
        with pytest.raises(CommandError, match="catalog errors"):
            call_command("pathways", "lint", "--today", stdout=out)
    assert (
        "ERROR us-refugee-p1.yaml: status: verified 2026-12-07, more than 12 months before "
        "2028-06-01" in out.getvalue()
    )


def test_lint_today_warns_on_an_open_route_verified_over_six_months_ago():
    """Seven months on, the open GAR's status is stale for an operator; others still hold."""
    with time_machine.travel("2027-07-08"):
        out = io.StringIO()
        with pytest.raises(CommandError, match="catalog errors"):
            call_command("pathways", "lint", "--today", stdout=out)
    assert (
        "ERROR ca-gar.yaml: status: an open route whose status was verified 2026-12-07, "
        "more than 6 months before 2027-07-08" in out.getvalue()
    )
    assert "us-refugee-p1.yaml" not in out.getvalue()  # suspended: 12 months apply


def test_list_shows_each_facts_age_and_source(loaded):
    with time_machine.travel("2026-12-17"):
        lines = run("list").splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("ca-trp"))
    fee = next(line for line in lines[start:] if line.strip().startswith("fees.0"))
    assert "10 days old" in fee
    assert "speaks for 2024-12-01" in fee
    assert "https://tcf-fca.ca/" in fee
    status = next(line for line in lines[start:] if line.strip().startswith("status"))
    assert "10 days old" in status
    assert "https://www.canada.ca/" in status
    unread = next(n for n, line in enumerate(lines) if line.startswith("be-humanitarian-visa"))
    unread_status = next(line for line in lines[unread:] if line.strip().startswith("status"))
    assert "not_verified" in unread_status


@pytest.fixture(scope="module")
def loaded_env(tmp_path_factory, seed_root) -> dict[str, str]:
    """An installation with the catalog loaded (on the PostgreSQL run, its own database)."""
    env = corridor_env(installed_data_dir(tmp_path_factory.mktemp("pathways"), seed_root))
    assert run_corridor("pathways", "load", env=env).returncode == 0
    return env


@pytest.mark.process
def test_the_real_command_exits_2_on_bad_facts_and_0_on_good(loaded_env):
    """Through the `corridor` entry point: stdin facts, exit codes, no traceback."""
    env = loaded_env
    bad = run_corridor(
        "pathways", "match", "--facts", "-", "--json",
        env=env, stdin=json.dumps({**INSIDE_RUSSIA, "urgency": "soon"}),
    )  # fmt: skip
    assert bad.returncode == 2
    assert "urgency" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = run_corridor(
        "pathways", "match", "--facts", "-", "--json", env=env, stdin=json.dumps(INSIDE_RUSSIA)
    )
    assert good.returncode == 0, good.stderr
    assert set(json.loads(good.stdout)[0]) == RESULT_KEYS
    assert run_corridor("pathways", "lint", env=env).returncode == 0
