"""`pathways lint` on broken copies of the catalog: each problem fails the gate
with the file and the fact named (a stale status, an old fact, a bare-domain source, a
verified fact without an excerpt, a risk without a source)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from corridor.pathways.catalog_files import CATALOG_DIR, read_catalog, read_meta
from corridor.pathways.lint import Level, lint_catalog, months_before, source_problem

pytestmark = pytest.mark.pure

Change = Callable[[dict[str, object]], None]


def lint_copy(tmp_path: Path, name: str, change: Change) -> str:
    """Lint a copy of the packaged catalog with one entry changed; the output, having failed."""
    shutil.copytree(CATALOG_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 catalog errors"):
        call_command("pathways", "lint", "--dir", str(tmp_path), stdout=out)
    return out.getvalue()


def stale_status(data: dict[str, object]) -> None:
    data["status_source"]["verified"] = "2026-06-06"  # type: ignore[index]


def old_fact(data: dict[str, object]) -> None:
    data["fees"][0]["source"]["verified"] = "2025-12-06"  # type: ignore[index]


def bare_domain(data: dict[str, object]) -> None:
    data["status_source"]["source"] = "rainbowrailroad.org"  # type: ignore[index]


def no_excerpt(data: dict[str, object]) -> None:
    del data["risk_notes"][0]["source"]["excerpt"]  # type: ignore[index]


def unsourced_risk(data: dict[str, object]) -> None:
    data["risk_notes"][1]["source"] = "not_verified"  # type: ignore[index]


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        (
            "ca-gar",
            stale_status,
            "ERROR ca-gar.yaml: status: an open route whose status was verified 2026-06-06, "
            "more than 6 months before 2026-12-07",
        ),
        (
            "ca-trp",
            old_fact,
            "ERROR ca-trp.yaml: fees.0: verified 2025-12-06, more than 12 months before 2026-12-07",
        ),
        (
            "ca-gar",
            bare_domain,
            "ERROR ca-gar.yaml: status: source 'rainbowrailroad.org' is a bare domain, "
            "not a full URL",
        ),
        (
            "transit-am",
            no_excerpt,
            "ERROR transit-am.yaml: risk_notes.0: a verified fact without an excerpt from its "
            "source",
        ),
        (
            "transit-am",
            unsourced_risk,
            "ERROR transit-am.yaml: risk_notes.1: a risk without a source",
        ),
    ],
    ids=["stale status", "old fact", "bare domain", "no excerpt", "unsourced risk"],
)
def test_lint_fails_naming_the_entry_and_the_fact(tmp_path, name, change, message):
    assert message in lint_copy(tmp_path, name, change)


def test_a_status_verified_exactly_six_months_before_is_still_current(tmp_path):
    """The limits are counted on the calendar: 7 June is six months before 7 December."""
    shutil.copytree(CATALOG_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / "ca-gar.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["status_source"]["verified"] = "2026-06-07"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    findings = lint_catalog(read_catalog(tmp_path), meta=read_meta(tmp_path))
    assert not [f for f in findings if f.level is Level.ERROR]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("https://www.proasyl.de/pressemitteilung/64691", None),
        ("Federal Register 90 FR 8459, Executive Order 14163", None),
        ("canada.ca", "bare domain"),
        ("https://canada.ca/", "not a full URL"),
        ("canada.ca/en/immigration", "bare domain"),
        ("https://www.canada.ca/…/urgent-protection-upp.html", "cut off"),
        ("IRCC", "neither a full URL nor a named document"),
    ],
)
def test_a_source_must_be_a_full_url_or_a_named_document(source, problem):
    found = source_problem(source)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_months_are_counted_on_the_calendar():
    assert months_before(date(2026, 12, 7), 6) == date(2026, 6, 7)
    assert months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)


def test_a_catalog_without_its_as_of_file_is_refused(tmp_path):
    shutil.copytree(CATALOG_DIR, tmp_path, dirs_exist_ok=True)
    (tmp_path / "_catalog.yaml").unlink()
    with pytest.raises(CommandError, match=r"_catalog\.yaml: missing"):
        call_command("pathways", "lint", "--dir", str(tmp_path), stdout=io.StringIO())


def test_the_exit_risks_are_sourced_and_cover_what_stops_people_at_the_border():
    """Russia's own exit risks: the wanted list, a draft summons, family-filed theft cases,
    the LGBT "extremism" ruling and the ban on transition."""
    risks = read_meta().exit_risks
    kinds = {(risk.what.value, group.value) for risk in risks for group in risk.whom}
    assert {
        ("exit_ban", "men_of_draft_age"),
        ("exit_ban", "women_fleeing_family"),
        ("detention_on_request", "wanted_persons"),
        ("prosecution", "lgbt_people"),
        ("document_mismatch", "trans_people"),
    } <= kinds
    assert all(risk.country == "RU" and risk.source != "not_verified" for risk in risks)
