"""The catalog files: the packaged catalog is complete and valid; broken files are refused with
the file and the field named, before anything reaches the database or a caseworker."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
import yaml

from corridor.pathways.catalog_files import (
    CATALOG_DIR,
    CatalogInvalid,
    canonical_json,
    read_catalog,
    read_entry,
    write_entry,
)
from corridor.pathways.presentation import COUNTRY_NAMES
from corridor.pathways.schema import Route, Transit
from corridor.pathways.vocabulary import Status

pytestmark = pytest.mark.pure

FACTS_FILE_TRANSIT_COUNTRIES = {"GE", "AM", "KZ", "TR", "RS", "ME", "AR", "BR", "IL", "CO", "CL"}
# Added in December 2026: reachable on the internal passport, Belarus only to say
# "do not go there".
INTERNAL_PASSPORT_COUNTRIES = {"KG", "BY"}


@functools.cache
def entries() -> list[Route | Transit]:
    return [item.entry for item in read_catalog()]


def test_the_packaged_catalog_has_the_routes_and_transit_countries_of_the_facts_file():
    """At least 20 routes, and a transit entry for every visa-free first country listed."""
    routes = [entry for entry in entries() if isinstance(entry, Route)]
    transits = [entry for entry in entries() if isinstance(entry, Transit)]
    assert len(routes) >= 20
    assert {transit.country for transit in transits} == (
        FACTS_FILE_TRANSIT_COUNTRIES | INTERNAL_PASSPORT_COUNTRIES
    )
    # Every status a reviewed file can hold appears (paused is the organisation's own mark).
    assert {route.status for route in routes} == set(Status) - {Status.PAUSED}


def test_every_risk_is_sourced_and_every_country_has_a_name():
    """Every risk names its source; every country an entry names can be shown."""
    for entry in entries():
        assert all(risk.source != "not_verified" for risk in entry.risk_notes), entry.id
        named = {entry.country} | {risk.country for risk in entry.risk_notes}
        if isinstance(entry, Route):
            named |= set(entry.nationality_limits)
        for rule in entry.rules:
            named |= rule.test.countries_mentioned()
        assert named <= set(COUNTRY_NAMES), entry.id


def test_only_the_visa_code_route_uses_eu():
    """EU stands for the Schengen Visa Code route alone."""
    assert [entry.id for entry in entries() if entry.country == "EU"] == ["eu-ltv-visa"]


def test_an_entry_written_back_reads_the_same(tmp_path):
    """Export writes what load reads: the same content, byte for byte in canonical form."""
    for entry in entries():
        path = write_entry(tmp_path, entry)
        assert canonical_json(read_entry(path)) == canonical_json(entry)


def broken(tmp_path: Path, source: str, change) -> Path:
    """A copy of a packaged entry with one change made to its data."""
    data = yaml.safe_load((CATALOG_DIR / f"{source}.yaml").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / f"{source}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def set_key(key, value):
    return lambda data: data.__setitem__(key, value)


def set_rule_test(test):
    def change(data):
        data["rules"] = [
            {"id": "probe", "test": test, "reason": {"en": "Probe.", "ru": "Проверка."}}
        ]

    return change


@pytest.mark.parametrize(
    ("source", "change", "field", "message"),
    [
        ("ca-gar", set_key("status", "closed"), "route.status", "Input should be"),
        ("ca-gar", set_key("status_source", {"url": "https://x.org/a"}), "status_source", ""),
        ("ca-gar", set_key("status_source", "unknown"), "status_source", ""),
        ("ca-gar", set_key("location", []), "route.location", "at least one"),
        ("ca-gar", set_key("location", ["abroad"]), "route.location.0", ""),
        ("ca-gar", lambda data: data.update(id="eu-gar", country="EU"), "route", "Visa Code"),
        ("ca-gar", set_key("id", "de-gar"), "route", "starts with its country code"),
        ("ca-gar", set_key("capacity", 100), "route.capacity", "Extra inputs"),
        ("ca-gar", set_key("processing_days", {"min": 30, "max": 10}), "processing_days", "max"),
        ("ca-gar", set_key("name", {"en": "GAR", "ru": "GAR"}), "route.name.ru", "Cyrillic"),
        ("ca-gar", set_key("last_reviewed", "soon"), "route.last_reviewed", ""),
        ("ca-gar", set_key("prior", {"granted": -1, "denied": None}), "prior.granted", ""),
        (
            "ca-gar",
            set_key("referral", {"channels": ["unhcr"], "can_request": True}),
            "route.referral",
            "say who refers",
        ),
        ("ca-gar", set_rule_test({"fact": "mood", "is": True}), "rules.0.test", "unknown fact"),
        ("ca-gar", set_rule_test({"fact": "urgency", "is": True}), "rules.0.test", "tested with"),
        ("ca-gar", set_rule_test({"fact": "urgency", "in": ["soon"]}), "rules.0.test", "takes one"),
        ("ca-gar", set_rule_test({"fact": "ties", "contains": "France"}), "rules.0.test", ""),
        (
            "ca-gar",
            set_rule_test({"fact": "urgency", "in": ["urgent"], "not_in": ["normal"]}),
            "rules.0.test",
            "exactly one",
        ),
        ("ca-gar", set_rule_test({"all": []}), "rules.0.test", "at least one condition"),
        ("transit-am", set_key("id", "transit-ge"), "transit", "transit-am"),
        ("transit-am", set_key("entry", []), "transit", "one entry rule per nationality"),
        ("transit-am", set_key("kind", "country"), "", "tag"),
    ],
)
def test_a_broken_entry_is_refused_naming_file_and_field(tmp_path, source, change, field, message):
    """Each schema violation is reported as `<file>: <field>: <problem>`."""
    path = broken(tmp_path, source, change)
    with pytest.raises(CatalogInvalid) as raised:
        read_catalog(tmp_path)
    problems = raised.value.problems
    assert problems
    assert all(problem.startswith(f"{path.name}: ") for problem in problems)
    assert any(field in problem and message in problem for problem in problems), problems


def test_a_file_must_be_named_after_its_entry(tmp_path):
    """ca-gar's content in another file name is refused: ids and files stay in step."""
    data = (CATALOG_DIR / "ca-gar.yaml").read_text(encoding="utf-8")
    (tmp_path / "ca-gar-copy.yaml").write_text(data, encoding="utf-8")
    with pytest.raises(CatalogInvalid, match=re.escape("must be named ca-gar.yaml")):
        read_catalog(tmp_path)


def test_yaml_that_does_not_parse_is_refused(tmp_path):
    """A syntax error is reported for its file, not raised as a crash."""
    (tmp_path / "ca-gar.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogInvalid, match=r"ca-gar\.yaml is not valid YAML"):
        read_catalog(tmp_path)


def test_yaml_cannot_run_code(tmp_path):
    """A Python tag is refused by the safe loader rather than executed."""
    (tmp_path / "ca-gar.yaml").write_text("id: !!python/object/apply:os.system [true]\n")
    with pytest.raises(CatalogInvalid, match="not valid YAML"):
        read_catalog(tmp_path)


def test_every_problem_is_reported_at_once(tmp_path):
    """Two broken files, two reports: a reviewer fixes everything in one pass."""
    broken(tmp_path, "ca-gar", set_key("status", "closed"))
    broken(tmp_path, "ca-upp", set_key("discretionary", "sometimes"))
    with pytest.raises(CatalogInvalid) as raised:
        read_catalog(tmp_path)
    files = {problem.split(":")[0] for problem in raised.value.problems}
    assert files == {"ca-gar.yaml", "ca-upp.yaml"}


def test_an_empty_folder_is_not_a_catalog(tmp_path):
    """Pointing --dir at the wrong folder is reported, not read as an empty catalog."""
    with pytest.raises(CatalogInvalid, match=r"no \.yaml files"):
        read_catalog(tmp_path)
